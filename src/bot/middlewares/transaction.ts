import type { MiddlewareFn } from 'grammy';
import type { Pool } from '../../db/client.js';
import { lazyTransaction } from '../../db/lazy-transaction.js';
import type { Logger } from '../../logger.js';
import type { BotContext } from '../context.js';

export interface TransactionStats {
  /** Updates that went through the middleware. */
  updates: number;
  /** Transactions begun (an update that touches no table begins none). */
  total: number;
  active: number;
  peak: number;
  failed: number;
}

/**
 * One database transaction per update, begun by its first statement: handlers see it as
 * ctx.db; it commits when they return and rolls back when they throw (the error then reaches
 * the error boundary). An update that touches no table (/help, a stale button) takes no pooled
 * connection and costs no BEGIN/COMMIT round trips. Handlers only do quick work here: anything
 * slow (AI calls, downloads) runs in background jobs, so the pooled connection is held for
 * milliseconds. Counts updates and total, active and peak transactions and logs them every
 * `logEvery` updates.
 */
export function createTransactionMiddleware(deps: {
  /** The pool each update's transaction is begun on, and the after-commit work runs on. */
  db: Pool;
  logger: Logger;
  logEvery?: number;
}) {
  const { db, logger, logEvery = 100 } = deps;
  const stats: TransactionStats = { updates: 0, total: 0, active: 0, peak: 0, failed: 0 };
  const hooks = {
    begin() {
      stats.total += 1;
      stats.active += 1;
      stats.peak = Math.max(stats.peak, stats.active);
    },
    end() {
      stats.active -= 1;
    },
  };

  const middleware: MiddlewareFn<BotContext> = async (ctx, next) => {
    stats.updates += 1;
    if (stats.updates % logEvery === 0) logger.info({ transactions: { ...stats } }, 'transaction statistics');
    const afterCommit: ((pool: Pool) => unknown)[] = [];
    ctx.afterCommit = (task) => {
      afterCommit.push(task);
    };
    const transaction = lazyTransaction(db, hooks);
    ctx.db = transaction.db;
    try {
      await next();
    } catch (err) {
      stats.failed += 1;
      await transaction.rollback(err);
      throw err;
    }
    try {
      await transaction.commit();
    } catch (err) {
      stats.failed += 1;
      throw err;
    }
    // Work that must see this update's writes (waking the worker, background previews).
    for (const task of afterCommit) {
      try {
        await task(db);
      } catch (err) {
        ctx.logger.error({ err }, 'after-commit task failed');
      }
    }
  };

  return { middleware, stats: (): TransactionStats => ({ ...stats }) };
}
