import {
  PgDatabase,
  type PgDialect,
  PgPreparedQuery,
  type PgQueryResultHKT,
  PgSession,
  type PreparedQueryConfig,
} from 'drizzle-orm/pg-core';
import type { Database } from './client.js';

/** One update's transaction, begun by its first statement (BEGIN and COMMIT cost two round trips). */
export interface LazyTransaction {
  /** What handlers use as the update's database: every statement runs inside the one transaction. */
  readonly db: Database;
  /** True once a statement has begun the transaction. */
  readonly begun: boolean;
  /** Commits, if a statement began the transaction; rejects when the commit fails. */
  commit(): Promise<void>;
  /** Rolls back, if a statement began the transaction. */
  rollback(reason: unknown): Promise<void>;
}

type PrepareArgs = Parameters<PgSession['prepareQuery']>;
type Open = () => Promise<Database>;

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
    private readonly open: Open,
    private readonly args: PrepareArgs,
  ) {
    super(args[0], undefined, args[5], args[6]);
  }

  private async prepared() {
    const tx = (await this.open()) as unknown as DatabaseInternals;
    const query = tx.session.prepareQuery(...this.args) as PgPreparedQuery<PreparedQueryConfig> & QueryInternals;
    // Select and update builders set this after preparing; the row mapper reads it.
    query.joinsNotNullableMap = this.joinsNotNullableMap;
    return query;
  }

  override async execute(values?: Record<string, unknown>): Promise<unknown> {
    return (await this.prepared()).execute(values);
  }

  async all(values?: Record<string, unknown>): Promise<unknown> {
    return (await this.prepared()).all(values);
  }

  isResponseInArrayMode(): boolean {
    return this.args[3];
  }
}

/** A session whose statements and nested transactions (savepoints) wait for the real transaction. */
class DeferredSession extends PgSession<PgQueryResultHKT> {
  constructor(
    dialect: PgDialect,
    private readonly open: Open,
  ) {
    super(dialect);
  }

  override prepareQuery(...args: PrepareArgs) {
    return new DeferredQuery(this.open, args) as never;
  }

  override async transaction<T>(work: (tx: never) => Promise<T>): Promise<T> {
    return (await this.open()).transaction(work as never);
  }
}

/**
 * lazyTransaction gives an update a database whose first statement begins a transaction on
 * `pool`; later statements join it, and commit() or rollback() ends it. An update that reads
 * and writes nothing (/help, a stale button) never takes a pooled connection. `hooks` hear
 * when the transaction is asked for and when it has ended.
 */
export function lazyTransaction(pool: Database, hooks: { begin?(): void; end?(): void } = {}): LazyTransaction {
  const internals = pool as unknown as DatabaseInternals;
  let tx: Promise<Database> | undefined;
  let ended: Promise<unknown> | undefined;
  let finish: { commit(): void; rollback(reason: unknown): void } | undefined;

  let closed = false;
  const open: Open = () => {
    // A statement after the end would begin a transaction nobody ends, holding a connection.
    if (closed && !tx) return Promise.reject(new Error('This update has ended; its transaction is closed'));
    tx ??= new Promise<Database>((resolve, reject) => {
      const decided = new Promise<void>((commit, rollback) => {
        finish = { commit, rollback };
      });
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

  const { schema, fullSchema, tableNamesMap } = internals._;
  const db = new PgDatabase(internals.dialect, new DeferredSession(internals.dialect, open), {
    schema,
    fullSchema,
    tableNamesMap,
  } as never) as unknown as Database;

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
