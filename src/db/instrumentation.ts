import type { Database, DbHandle, DbOptions } from './client.js';
import * as schema from './schema.js';

/* What DbOptions hooks into, the same for both drivers: every statement, and the pool's counts. */

/** Counts transactions waiting for and holding a pooled connection (top-level ones; savepoints reuse theirs). */
export function trackTransactions(db: Database, size: number, options: DbOptions): DbHandle['pool'] {
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

/** drizzle's options: the schema, and the statement hook when one is asked for. */
export const drizzleOptions = (options: DbOptions) => ({
  schema,
  ...(options.onQuery && { logger: { logQuery: (query: string) => options.onQuery?.(query) } }),
});
