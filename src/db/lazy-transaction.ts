import {
  PgDatabase,
  type PgDialect,
  PgPreparedQuery,
  type PgQueryResultHKT,
  PgSession,
  type PreparedQueryConfig,
} from 'drizzle-orm/pg-core';
import type { Database, Pool, UpdateTransaction } from './client.js';
import { retryIfConnectionLost } from './failures.js';

/**
 * The drizzle-orm release whose internals this module was written against: PgDatabase's
 * `dialect`, `session` and `_` fields and its constructor, PgSession.prepareQuery's arguments,
 * PgPreparedQuery's constructor, setToken and mapResult, and the `joinsNotNullableMap` the
 * builders set on a prepared query. test/db/lazy-transaction.test.ts fails on any other.
 */
export const DRIZZLE_ORM_VERSION = '0.45.4';

/** One update's transaction, begun by its first statement (BEGIN and COMMIT cost two round trips). */
export interface LazyTransaction {
  /** What handlers use as the update's database: every statement runs inside the one transaction. */
  readonly db: UpdateTransaction;
  /** True once a statement has begun the transaction. */
  readonly begun: boolean;
  /** Commits, if a statement began the transaction; rejects when the commit fails. */
  commit(): Promise<void>;
  /** Rolls back, if a statement began the transaction. */
  rollback(reason: unknown): Promise<void>;
}

type PrepareArgs = Parameters<PgSession['prepareQuery']>;
/** Runs one statement (or savepoint) in the update's transaction, beginning it if needed. */
type Run = <T>(statement: (tx: Database) => Promise<T>, retryable: boolean) => Promise<T>;

/** What drizzle keeps on a database and does not type: its dialect, session and table maps. */
interface DatabaseInternals {
  dialect: PgDialect;
  session: PgSession;
  _: Pick<Database['_'], 'schema' | 'fullSchema' | 'tableNamesMap'>;
}

/** The parts of a prepared statement drizzle uses but does not type. */
interface QueryInternals {
  joinsNotNullableMap?: Record<string, boolean>;
  all(values?: Record<string, unknown>): Promise<unknown>;
}

/**
 * A statement built before the transaction exists: executing it begins the transaction (once)
 * and runs the same query through the transaction's own session.
 */
class DeferredQuery extends PgPreparedQuery<PreparedQueryConfig> implements QueryInternals {
  joinsNotNullableMap?: Record<string, boolean>;

  constructor(
    private readonly run: Run,
    private readonly args: PrepareArgs,
  ) {
    super(args[0], undefined, args[5], args[6]);
  }

  private prepared(db: Database) {
    const tx = db as unknown as DatabaseInternals;
    const query = tx.session.prepareQuery(...this.args) as PgPreparedQuery<PreparedQueryConfig> & QueryInternals;
    // Select and update builders set this after preparing; the row mapper reads it.
    query.joinsNotNullableMap = this.joinsNotNullableMap;
    return query;
  }

  override execute(values?: Record<string, unknown>): Promise<unknown> {
    return this.run((tx) => this.prepared(tx).execute(values), true);
  }

  all(values?: Record<string, unknown>): Promise<unknown> {
    return this.run((tx) => this.prepared(tx).all(values), true);
  }

  isResponseInArrayMode(): boolean {
    return this.args[3];
  }
}

/** A session whose statements and nested transactions (savepoints) wait for the real transaction. */
class DeferredSession extends PgSession<PgQueryResultHKT> {
  constructor(
    dialect: PgDialect,
    private readonly run: Run,
  ) {
    super(dialect);
  }

  override prepareQuery(...args: PrepareArgs) {
    return new DeferredQuery(this.run, args) as never;
  }

  override transaction<T>(work: (tx: never) => Promise<T>): Promise<T> {
    // A savepoint runs handler code that may have acted on what it read: never run it twice.
    return this.run((tx) => tx.transaction(work as never), false);
  }
}

/**
 * lazyTransaction gives an update a database whose first statement begins a transaction on
 * `pool`; later statements join it, and commit() or rollback() ends it. An update that reads
 * and writes nothing (/help, a stale button) never takes a pooled connection. `hooks` hear
 * when the transaction is asked for and when it has ended.
 */
export function lazyTransaction(pool: Pool, hooks: { begin?(): void; end?(): void } = {}): LazyTransaction {
  const internals = pool as unknown as DatabaseInternals;
  let tx: Promise<Database> | undefined;
  let ended: Promise<unknown> | undefined;
  let finish: { commit(): void; rollback(reason: unknown): void } | undefined;

  let closed = false;
  const open = (): Promise<Database> => {
    // A statement after the end would begin a transaction nobody ends, holding a connection,
    // or slip into one that is committing or has ended.
    if (closed) return Promise.reject(new Error('This update has ended; its transaction is closed'));
    tx ??= new Promise<Database>((resolve, reject) => {
      const decided = new Promise<void>((commit, rollback) => {
        finish = { commit, rollback };
      });
      // Awaited only once BEGIN has succeeded; a rollback of a transaction that never began is no error.
      decided.catch(() => undefined);
      hooks.begin?.();
      ended = pool
        .transaction(async (t) => {
          resolve(t);
          await decided;
        })
        .finally(() => hooks.end?.());
      // A transaction that cannot begin fails the statement that asked for it.
      ended.catch(reject);
    });
    return tx;
  };

  /** Statements sent in this transaction so far; only the first may be run again. */
  let statements = 0;
  const run: Run = (statement, retryable) => {
    const first = statements++ === 0;
    // The first statement on a connection that turned out dead (killed backend, server
    // restart) runs again on a fresh one. Safe only for it, and only while nothing else was
    // sent: its transaction never committed and the handler has seen nothing from it, so the
    // new attempt is the first. A later statement, a COMMIT or a savepoint may follow reads
    // the handler acted on, and is never repeated.
    if (!(first && retryable)) return open().then(statement);
    return retryIfConnectionLost(
      () => open().then(statement),
      async (err) => {
        if (statements > 1 || closed) throw err;
        finish?.rollback(err);
        await ended?.catch(() => undefined);
        tx = ended = finish = undefined;
      },
    );
  };

  const { schema, fullSchema, tableNamesMap } = internals._;
  const db = new PgDatabase(internals.dialect, new DeferredSession(internals.dialect, run), {
    schema,
    fullSchema,
    tableNamesMap,
  } as never) as unknown as UpdateTransaction;

  return {
    db,
    get begun() {
      return tx !== undefined;
    },
    async commit() {
      closed = true;
      finish?.commit();
      await ended;
    },
    async rollback(reason) {
      closed = true;
      finish?.rollback(reason);
      await ended?.catch(() => undefined);
    },
  };
}
