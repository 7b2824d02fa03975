import { pause } from '../with-timeout.js';

/*
 * How the database fails, read off the driver's errors (postgres.js and PGlite alike): a
 * duplicate, a connection that died, no free slot, a reason that passes; and the one retry
 * that is safe to make on a lost connection.
 */

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

const UNIQUE_VIOLATION = '23505';

/** True when `err` (or an error it wraps) is PostgreSQL refusing a duplicate under `constraint`. */
export function isUniqueViolation(err: unknown, constraint: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const pg = e as { code?: string; constraint_name?: string; constraint?: string; message: string };
    if (pg.code === UNIQUE_VIOLATION) {
      return (pg.constraint_name ?? pg.constraint ?? pg.message).includes(constraint);
    }
  }
  return false;
}

/**
 * How a statement fails when its connection died under it: postgres.js's CONNECTION_CLOSED,
 * the socket's own errors, and the server's "terminating connection" (57P01 admin shutdown,
 * e.g. pg_terminate_backend; 57P02 crash shutdown; 57P03 cannot connect now, e.g. starting up)
 * and connection exceptions (class 08). CONNECTION_ENDED/DESTROYED are our own close: not here.
 */
const CONNECTION_LOST = new Set([
  'CONNECTION_CLOSED',
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);

/** True when `err` (or an error it wraps) says the connection died, not that the statement was refused. */
export function isConnectionLost(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_LOST.has(code)) return true;
  }
  return false;
}

/**
 * Runs `statement` again, on a fresh connection, while its connection turns out dead (a killed
 * backend, a server restarting), for up to RETRY_WINDOW_MS. Only for statements that may run
 * twice: one that was sent may have committed before its connection died, so a second run
 * must change nothing (an upsert keyed on a natural key; the first statement of a transaction,
 * which never committed). `beforeRetry` cleans up the failed attempt.
 */
export async function retryIfConnectionLost<T>(
  statement: () => Promise<T>,
  beforeRetry: (err: unknown) => Promise<void> = async () => undefined,
): Promise<T> {
  const deadline = Date.now() + RETRY_WINDOW_MS;
  for (let wait = FIRST_RETRY_PAUSE_MS; ; wait = Math.min(wait * 2, 1000)) {
    try {
      return await statement();
    } catch (err) {
      if (!isConnectionLost(err) || Date.now() + wait > deadline) throw err;
      await beforeRetry(err);
      // A backend rarely dies alone (a restart, a whole pool terminated): the other idle
      // connections are dead too, and the pool learns it from their close events a moment
      // later. The pause sends the retry to an open connection, not to the next dead one.
      await pause(wait);
    }
  }
}
const FIRST_RETRY_PAUSE_MS = 25;
/** Long enough for a server restart or a failover, short enough for a seller waiting on a button. */
const RETRY_WINDOW_MS = 5000;

/**
 * PostgreSQL has no connection slot free: "too many clients already" and "remaining connection
 * slots are reserved" are both 53300 (too_many_connections); a role's or database's CONNECTION
 * LIMIT raises "too many connections for role" as 53300 too. (postgres.js has no pool wait
 * timeout: a transaction waits for a pooled connection, so the pool itself never fails this way.)
 */
export function isDatabaseBusy(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === '53300' || code === '53400') return true;
  }
  return false;
}

/**
 * True when the database could not be reached or gave up for a reason that passes (connection
 * lost or refused, server shutting down, too many connections, serialization): worth retrying
 * for as long as it takes. An error PostgreSQL raised about the statement itself (a value it
 * cannot store, a constraint) will fail the same way every time.
 */
export function isTransientDbError(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const pg = e as { code?: unknown; severity?: unknown };
    // Server errors carry a severity and a SQLSTATE (postgres.js PostgresError, PGlite's DatabaseError).
    if (typeof pg.severity === 'string' && typeof pg.code === 'string' && pg.code.length === 5) {
      // Classes 08 connection, 40 rollback, 53 resources, 57P operator intervention (PostgreSQL Appendix A).
      return /^(08|40|53|57P)/.test(pg.code);
    }
  }
  return true;
}
