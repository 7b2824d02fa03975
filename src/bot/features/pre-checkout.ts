import { Composer } from 'grammy';
import type { Pool } from '../../db/client.js';
import { checkoutProblem, findCheckoutOrder } from '../../db/orders.js';
import type { BotContext } from '../context.js';

/**
 * Answers every pre_checkout_query at once with cheap checks: one read on the pool, no user
 * registration, no transaction, no per-user lock, so it never waits behind the payer's other
 * updates. Installed before the user middleware.
 */
export function createPreCheckoutFeature(pool: Pool) {
  const composer = new Composer<BotContext>();
  composer.on('pre_checkout_query', async (ctx) => {
    const query = ctx.preCheckoutQuery;
    const found = await findCheckoutOrder(pool, query.invoice_payload);
    const problem = checkoutProblem(found, {
      payerTelegramId: query.from.id,
      currency: query.currency,
      totalAmount: query.total_amount,
    });
    if (problem) {
      ctx.logger.info({ problem, order_id: found?.order.id }, 'pre-checkout declined');
      await ctx.answerPreCheckoutQuery(false, { error_message: ctx.t(`checkout-${problem}`) });
      return;
    }
    await ctx.answerPreCheckoutQuery(true);
  });
  return composer;
}
