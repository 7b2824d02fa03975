import { Composer } from 'grammy';
import type { RefundedPayment } from 'grammy/types';
import { findOrderByCharge, recordRefund } from '../../db/orders.js';
import { alertAdmins } from '../admins.js';
import type { BotContext } from '../context.js';
import { tellRefund } from '../refund-notice.js';

/** Telegram's own report of a refund (made from the bot or by Telegram): recorded like /refund. */
async function recordTelegramRefund(ctx: BotContext, refund: RefundedPayment) {
  const order = await findOrderByCharge(ctx.db, refund.telegram_payment_charge_id);
  const outcome = order && (await recordRefund(ctx.db, order.id));
  if (outcome?.kind === 'refunded') {
    ctx.logger.info({ order_id: order?.id, debited: outcome.debited, shortfall: outcome.shortfall }, 'refund recorded');
    await tellRefund(ctx, outcome);
    return;
  }
  if (outcome) return;
  ctx.logger.warn({ charge_id: refund.telegram_payment_charge_id }, 'a refund matches no paid order');
  ctx.afterCommit(() =>
    alertAdmins(ctx, 'admin-refund-unknown-charge', {
      stars: refund.total_amount,
      charge: refund.telegram_payment_charge_id,
    }),
  );
}

const composer = new Composer<BotContext>();

composer.chatType('private').on('message:refunded_payment', async (ctx) => {
  await recordTelegramRefund(ctx, ctx.message.refunded_payment);
});

/** A refunded payment as Telegram reports it: the order refunded, its owner told, an unknown charge shown to the admins. */
export const refundsFeature = composer;
