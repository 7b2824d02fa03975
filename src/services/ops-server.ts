import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../with-timeout.js';

/** One part of the health check: ok, or what is wrong. */
export type HealthCheck = () => Promise<string | undefined> | string | undefined;

/** Runs `check` with a deadline; a hang counts as a failure. */
async function within(check: HealthCheck, timeoutMs: number): Promise<string | undefined> {
  try {
    return await withTimeout(Promise.resolve().then(check), timeoutMs, () => `no answer within ${timeoutMs} ms`);
  } catch (err) {
    return describeError(err);
  }
}

/**
 * The operations endpoint: GET /metrics (Prometheus text format) and GET /healthz (200 with
 * every check "ok", or 503 naming the part that failed). Bound to METRICS_HOST:METRICS_PORT.
 */
export async function startOpsServer(deps: {
  host: string;
  port: number;
  registry: Registry;
  checks: Record<string, HealthCheck>;
  logger: Logger;
  checkTimeoutMs?: number;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET' }).end();
      } else if (path === '/metrics') {
        const body = await deps.registry.metrics();
        res.writeHead(200, { 'content-type': deps.registry.contentType }).end(body);
      } else if (path === '/healthz') {
        const results = await Promise.all(
          Object.entries(deps.checks).map(
            async ([name, check]) => [name, (await within(check, deps.checkTimeoutMs ?? 2000)) ?? 'ok'] as const,
          ),
        );
        const healthy = results.every(([, result]) => result === 'ok');
        res
          .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', ...Object.fromEntries(results) }));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: try /metrics or /healthz\n');
      }
    } catch (err) {
      deps.logger.warn({ reason: describeError(err), path }, 'metrics endpoint failed');
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  server.listen(deps.port, deps.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  deps.logger.info({ host: deps.host, port }, 'metrics and health endpoint listening');
  return {
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
