import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../with-timeout.js';
import * as schema from './schema.js';

/** The database as every repository sees it: the pool, or the transaction of the current update. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DbConfig = Pick<
  Config,
  'DATABASE_URL' | 'DATA_DIR' | 'DB_POOL_MAX' | 'DB_IDLE_TIMEOUT_S' | 'DB_MAX_LIFETIME_S' | 'DB_CONNECT_TIMEOUT_S'
>;

export interface DbHandle {
  readonly db: Database;
  /** 'postgres' (a server through the pool) or 'pglite' (embedded, in-process). */
  readonly kind: 'postgres' | 'pglite';
  /** Where the data lives, for people: the server address without credentials, or the folder. */
  readonly location: string;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Transactions on the pool right now: holding a connection, and waiting for one (measured
   * around acquire, since the driver does not expose its queue). `size` is the pool's limit.
   */
  pool: { size: number; stats(): { inUse: number; waiting: number } };
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** Rows of a raw statement, whichever driver ran it (postgres.js returns an array, PGlite `{ rows }`). */
export async function queryRows<T>(db: Database, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
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
  for (let pause = FIRST_RETRY_PAUSE_MS; ; pause = Math.min(pause * 2, 1000)) {
    try {
      return await statement();
    } catch (err) {
      if (!isConnectionLost(err) || Date.now() + pause > deadline) throw err;
      await beforeRetry(err);
      // A backend rarely dies alone (a restart, a whole pool terminated): the other idle
      // connections are dead too, and the pool learns it from their close events a moment
      // later. The pause sends the retry to an open connection, not to the next dead one.
      await new Promise((resolve) => setTimeout(resolve, pause));
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

/** host:port/database of a connection string, never its credentials. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured DATABASE_URL';
  }
}

/**
 * createDb opens PostgreSQL through a bounded postgres.js pool when DATABASE_URL is set, or
 * embedded PGlite under DATA_DIR otherwise. Nothing is connected until the first query.
 */
export async function createDb(config: DbConfig, logger: Logger, options: DbOptions = {}): Promise<DbHandle> {
  if (config.DATABASE_URL) return createPostgres(config.DATABASE_URL, config, logger, options);
  if (config.DATA_DIR.startsWith('memory://')) return createPglite(config.DATA_DIR, options);
  return createPglite(path.resolve(config.DATA_DIR, 'pglite'), options);
}

export interface DbOptions {
  /** Called with every statement the application sends (statement counting in tests and benchmarks). */
  onQuery?: (query: string) => void;
  /** Called when a transaction gets its connection, with the seconds it waited. */
  onAcquire?: (waitSeconds: number) => void;
}

/** Counts transactions waiting for and holding a pooled connection (top-level ones; savepoints reuse theirs). */
function trackTransactions(db: Database, size: number, options: DbOptions): DbHandle['pool'] {
  const counts = { inUse: 0, waiting: 0 };
  const begin = db.transaction.bind(db);
  db.transaction = (async (work, config) => {
    const requested = performance.now();
    counts.waiting += 1;
    let acquired = false;
    try {
      return await begin(async (tx) => {
        acquired = true;
        counts.waiting -= 1;
        counts.inUse += 1;
        options.onAcquire?.((performance.now() - requested) / 1000);
        try {
          return await work(tx);
        } finally {
          counts.inUse -= 1;
        }
      }, config);
    } finally {
      if (!acquired) counts.waiting -= 1;
    }
  }) as Database['transaction'];
  return { size, stats: () => ({ ...counts }) };
}

const drizzleOptions = (options: DbOptions) => ({
  schema,
  ...(options.onQuery && { logger: { logQuery: (query: string) => options.onQuery?.(query) } }),
});

/** Past DB_CONNECT_TIMEOUT_S, so the driver's own CONNECT_TIMEOUT (the better reason) comes first when it fires. */
const PING_SLACK_MS = 500;

/** Longest pause between attempts to reopen a pooled connection that died. */
const RECONNECT_BACKOFF_MAX_S = 2;

function createPostgres(url: string, config: DbConfig, logger: Logger, options: DbOptions): DbHandle {
  const client = postgres(url, {
    max: config.DB_POOL_MAX,
    idle_timeout: config.DB_IDLE_TIMEOUT_S || undefined,
    max_lifetime: config.DB_MAX_LIFETIME_S || null,
    connect_timeout: config.DB_CONNECT_TIMEOUT_S,
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
  const db = drizzlePostgres(client, drizzleOptions(options)) as unknown as Database;
  let answered = false;
  let neverAnswered = false;
  return {
    db,
    pool: trackTransactions(db, config.DB_POOL_MAX, options),
    kind: 'postgres',
    location: describeUrl(url),
    async ping() {
      // Our own bound as well as the driver's: postgres.js's connect_timeout ends at the first
      // ReadyForQuery, so a server that logs us in and then never answers (its disk hung, or a
      // PgBouncer with no server connection to give) would hold the array-type fetch and this
      // query forever.
      await withTimeout(client`select 1`, config.DB_CONNECT_TIMEOUT_S * 1000 + PING_SLACK_MS, () => {
        if (!answered) neverAnswered = true;
        throw new DatabaseUnavailableError(`no answer within ${config.DB_CONNECT_TIMEOUT_S} s (DB_CONNECT_TIMEOUT_S)`);
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

/** Embedded PostgreSQL in `dataDir`, or in memory (nothing kept) for DATA_DIR=memory://. */
async function createPglite(dataDir: string, options: DbOptions): Promise<DbHandle> {
  const release = dataDir.startsWith('memory://') ? () => undefined : lockDataDir(dataDir);
  try {
    const client = await PGlite.create(dataDir);
    const db = drizzlePglite(client, drizzleOptions(options)) as unknown as Database;
    return {
      db,
      // One connection: transactions take turns.
      pool: trackTransactions(db, 1, options),
      kind: 'pglite',
      location: dataDir,
      async ping() {
        await db.execute(sql`select 1`);
      },
      async close() {
        await client.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw new DatabaseUnavailableError(`Cannot open the embedded database in ${dataDir}`, err);
  }
}

/**
 * PGlite's files may be opened by one process only; a second one would corrupt them. A pid
 * file makes a second bot (or a migration while the bot runs) stop with a clear message.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = `${dataDir}.lock`;
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(readFileSync(lockFile, 'utf8'));
    if (owner && owner !== process.pid && isAlive(owner)) {
      throw new DatabaseUnavailableError(
        `The embedded database in ${dataDir} is in use by process ${owner}; stop it first or set DATABASE_URL`,
      );
    }
    writeFileSync(lockFile, String(process.pid));
  }
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
