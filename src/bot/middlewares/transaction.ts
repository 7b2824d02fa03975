import type { MiddlewareFn } from 'grammy';
import type { Database } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import type { BotContext } from '../context.js';

export interface TransactionStats {
  total: number;
  active: number;
  peak: number;
  failed: number;
}

/**
 * One database transaction per update: handlers see it as ctx.db; it commits when they return
 * and rolls back when they throw (the error then reaches the error boundary). Handlers only do
 * quick work here: anything slow (AI calls, downloads) runs in background jobs, so the pooled
 * connection is held for milliseconds. Counts total, active and peak transactions and logs
 * them every `logEvery` updates.
 */
export function createTransactionMiddleware(deps: { db: Database; logger: Logger; logEvery?: number }) {
  const { db, logger, logEvery = 100 } = deps;
  const stats: TransactionStats = { total: 0, active: 0, peak: 0, failed: 0 };

  const middleware: MiddlewareFn<BotContext> = async (ctx, next) => {
    stats.total += 1;
    stats.active += 1;
    stats.peak = Math.max(stats.peak, stats.active);
    if (stats.total % logEvery === 0) logger.info({ transactions: { ...stats } }, 'transaction statistics');
    const afterCommit: (() => unknown)[] = [];
    ctx.afterCommit = (task) => {
      afterCommit.push(task);
    };
    try {
      await db.transaction(async (tx) => {
        ctx.db = tx;
        await next();
      });
      // Work that must see this update's writes (waking the worker, background previews).
      for (const task of afterCommit) {
        try {
          await task();
        } catch (err) {
          ctx.logger.error({ err }, 'after-commit task failed');
        }
      }
    } catch (err) {
      stats.failed += 1;
      throw err;
    } finally {
      stats.active -= 1;
    }
  };

  return { middleware, stats: (): TransactionStats => ({ ...stats }) };
}
