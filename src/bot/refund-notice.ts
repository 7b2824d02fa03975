import { findUserById } from '../db/users.js';
import type { BotContext } from './context.js';
import { tellAfterCommit } from './tell-user.js';
import { type RecordedRefund, refundFigures } from './views/payments.js';

/**
 * Tells the owner of a refunded order, in their language and once the update has committed,
 * what happened to their balance. Used by /refund and by Telegram's own refund report.
 */
export async function tellRefund(ctx: BotContext, outcome: RecordedRefund): Promise<void> {
  const owner = await findUserById(ctx.db, outcome.order.userId);
  if (!owner) return;
  tellAfterCommit(ctx, owner, { key: 'refund-user', variables: refundFigures(outcome) }, 'a refund', {
    order_id: outcome.order.id,
  });
}
