import { findUserById } from '../db/users.js';
import { describeError } from '../errors.js';
import type { BotContext } from './context.js';
import { resolveLocale } from './i18n.js';
import { type RecordedRefund, refundFigures } from './views/payments.js';

/**
 * Tells the owner of a refunded order, in their language and once the update has committed,
 * what happened to their balance. Used by /refund and by Telegram's own refund report.
 */
export async function tellRefund(ctx: BotContext, outcome: RecordedRefund): Promise<void> {
  const owner = await findUserById(ctx.db, outcome.order.userId);
  if (!owner) return;
  const locale = resolveLocale(owner.locale ?? owner.languageCode, ctx.config.defaultLocale);
  const text = ctx.i18n.fluent.translate(locale, 'refund-user', refundFigures(outcome));
  ctx.afterCommit(() =>
    ctx.api.sendMessage(owner.telegramId, text).catch((err: unknown) => {
      ctx.logger.warn(
        { reason: describeError(err), order_id: outcome.order.id },
        'could not tell the user about a refund',
      );
    }),
  );
}
