import type { DbHandle } from '../db/client.js';
import { activeJobCounts } from '../db/photoshoots.js';
import type { ImageConverter } from './image-converter.js';
import type { LockManager } from './lock-manager.js';
import type { Metrics } from './metrics.js';

/** Gauges read when Prometheus scrapes: transactions, locks, pool, jobs, converter, polling. */
export function registerProcessGauges(
  metrics: Metrics,
  parts: {
    db: DbHandle;
    /** The per-update transactions: total, active, peak, failed. */
    transactionStats: () => Record<'updates' | 'total' | 'active' | 'peak' | 'failed', number>;
    locks: LockManager;
    converter: ImageConverter;
    polling: () => boolean | undefined;
  },
) {
  metrics.labelledGauge(
    'bot_transactions',
    'Updates through the transaction middleware, and the transactions they began: total, active, peak, failed',
    'kind',
    () => ({
      ...parts.transactionStats(),
    }),
  );
  metrics.labelledGauge('lock_manager_keys', 'Per-chat locks: active, peak, cleaned', 'kind', () => ({
    ...parts.locks.stats(),
  }));
  metrics.gauge('db_pool_size', 'Connections the pool may open', () => parts.db.pool.size);
  metrics.gauge('db_pool_in_use', 'Transactions holding a pooled connection', () => parts.db.pool.stats().inUse);
  metrics.gauge('db_pool_waiting', 'Transactions waiting for a pooled connection', () => parts.db.pool.stats().waiting);
  // One read of the queue per scrape, shared by the two gauges below.
  let read: { at: number; counts: Promise<{ queued: number; running: number }> } | undefined;
  const jobs = () => {
    if (!read || Date.now() - read.at > 1000) {
      read = {
        at: Date.now(),
        counts: activeJobCounts(parts.db.db).catch(() => ({ queued: Number.NaN, running: Number.NaN })),
      };
    }
    return read.counts;
  };
  metrics.labelledGauge('photoshoot_jobs', 'Photoshoot jobs queued and running (all processes)', 'state', () => jobs());
  metrics.gauge('photoshoot_queue_length', 'Photoshoot jobs waiting for a worker', async () => (await jobs()).queued);
  metrics.labelledGauge('image_converter_slots', 'Conversions running and waiting', 'kind', () => ({
    ...parts.converter.stats(),
  }));
  metrics.gauge('bot_polling_up', '1 while updates are being fetched', () => (parts.polling() ? 1 : 0));
}
