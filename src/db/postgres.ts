import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Logger } from '../logger.js';
import { withTimeout } from '../with-timeout.js';
import type { Database, DbConfig, DbHandle, DbOptions } from './client.js';
import { DatabaseUnavailableError } from './failures.js';
import { drizzleOptions, trackTransactions } from './instrumentation.js';

/** host:port/database of a connection string, never its credentials. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured DATABASE_URL';
  }
}

/** Past DB_CONNECT_TIMEOUT_S, so the driver's own CONNECT_TIMEOUT (the better reason) comes first when it fires. */
const PING_SLACK_MS = 500;

/** Longest pause between attempts to reopen a pooled connection that died. */
const RECONNECT_BACKOFF_MAX_S = 2;

/** A PostgreSQL server through a bounded postgres.js pool. */
export function createPostgres(url: string, config: DbConfig, logger: Logger, options: DbOptions): DbHandle {
  const client = postgres(url, {
    max: config.poolMax,
    idle_timeout: config.idleTimeoutS || undefined,
    max_lifetime: config.maxLifetimeS || null,
    // postgres.js counts this one in seconds.
    connect_timeout: config.connectTimeoutMs / 1000,
    // postgres.js waits up to 20 s (3^n / 100, growing with every failed connection) before
    // reconnecting, and a query queued on that connection waits with it: after a server
    // restart sellers would sit for 20 s. Reconnect quickly instead, at most 2 s apart.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, RECONNECT_BACKOFF_MAX_S),
    onnotice: (notice) => logger.debug({ notice: notice.message }, 'postgres notice'),
    // JIT compiles a plan once its estimated cost passes jit_above_cost (100,000): /stats over a
    // large ai_usage crossed it and spent 145-185 ms compiling for a one-row answer. The bot's
    // statements are short or aggregate a bounded range, so none gains from it.
    connection: { application_name: 'photoshoot-bot', jit: 'off' },
  });
  const db = drizzle(client, drizzleOptions(options)) as unknown as Database;
  let answered = false;
  let neverAnswered = false;
  return {
    db,
    pool: trackTransactions(db, config.poolMax, options),
    kind: 'postgres',
    location: describeUrl(url),
    async ping() {
      // Our own bound as well as the driver's: postgres.js's connect_timeout ends at the first
      // ReadyForQuery, so a server that logs us in and then never answers (its disk hung, or a
      // PgBouncer with no server connection to give) would hold the array-type fetch and this
      // query forever.
      await withTimeout(client`select 1`, config.connectTimeoutMs + PING_SLACK_MS, () => {
        if (!answered) neverAnswered = true;
        throw new DatabaseUnavailableError(
          `no answer within ${config.connectTimeoutMs / 1000} s (DB_CONNECT_TIMEOUT_S)`,
        );
      });
      answered = true;
    },
    async close() {
      // A server that never answered has nothing to finish: waiting for its queries would only
      // delay the startup error by the close timeout.
      await client.end({ timeout: neverAnswered ? 0 : 5 });
    },
  };
}
