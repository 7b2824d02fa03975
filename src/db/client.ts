import path from 'node:path';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Config } from '../config/index.js';
import type { Logger } from '../logger.js';
import { createPglite } from './pglite.js';
import { createPostgres } from './postgres.js';
import type * as schema from './schema.js';

/** The database as every repository sees it: the pool, or the transaction of the current update. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Marks an update's transaction; never present at run time. */
declare const updateTransaction: unique symbol;

/**
 * The pool: each statement commits on its own, or in a transaction it opens. What anything
 * that outlives an update holds (features' and the worker's dependencies), and what work after
 * an update's commit runs on. Any Database that is not an update's transaction is one.
 */
export type Pool = Database & { readonly [updateTransaction]?: never };

/**
 * One update's transaction (ctx.db), begun by its first statement and closed when the update
 * ends: a statement on it after that fails, so it is never a Pool. A savepoint opened on it
 * belongs to the same update, and is typed so.
 */
export type UpdateTransaction = {
  readonly [updateTransaction]: true;
  transaction<T>(work: (tx: UpdateTransaction) => Promise<T>): Promise<T>;
} & Database;

export type DbConfig = Config['db'];

export interface DbHandle {
  readonly db: Pool;
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

/** Rows of a raw statement, whichever driver ran it (postgres.js returns an array, PGlite `{ rows }`). */
export async function queryRows<T>(db: Database, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * createDb opens PostgreSQL through a bounded postgres.js pool when DATABASE_URL is set, or
 * embedded PGlite under DATA_DIR otherwise. Nothing is connected until the first query.
 */
export async function createDb(config: DbConfig, logger: Logger, options: DbOptions = {}): Promise<DbHandle> {
  if (config.url) return createPostgres(config.url, config, logger, options);
  if (config.dataDir.startsWith('memory://')) return createPglite(config.dataDir, options);
  return createPglite(path.resolve(config.dataDir, 'pglite'), options);
}

export interface DbOptions {
  /** Called with every statement the application sends (statement counting in tests and benchmarks). */
  onQuery?: (query: string) => void;
  /** Called when a transaction gets its connection, with the seconds it waited. */
  onAcquire?: (waitSeconds: number) => void;
}
