import type { Pool } from '../db/client.js';
import { expireStaleOrders } from '../db/orders.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';

/** How often unpaid invoices past their expiry are canceled. */
const ORDER_SWEEP_MS = 60_000;

/** Cancels expired pending orders once a minute, so they never count as active. */
export function createOrderSweep(db: Pool, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  const sweep = async () => {
    try {
      const expired = await expireStaleOrders(db);
      if (expired > 0) logger.info({ expired }, 'expired unpaid orders canceled');
    } catch (err) {
      logger.warn({ reason: describeError(err) }, 'expiring unpaid orders failed; will retry');
    }
  };
  return {
    start() {
      void sweep();
      timer = setInterval(() => void sweep(), ORDER_SWEEP_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
