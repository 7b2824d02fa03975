import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * A request listener for the fake servers. A client that goes away mid-request (a bot process
 * killed while it uploads) ends that request quietly; any other failure in the fake answers 500
 * with its message, so a test sees it instead of an unhandled rejection.
 */
export function handleRequests(route: (req: IncomingMessage, res: ServerResponse) => Promise<void>): RequestListener {
  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      if (req.destroyed || res.destroyed || (error as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 500, description: String(error) }));
    });
  };
}

/** The whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
