import { Composer } from 'grammy';
import { findOrderByReference, recordRefund } from '../../db/orders.js';
import { findUserById, findUserByTelegramId } from '../../db/users.js';
import { isAdmin } from '../admins.js';
import { parseWholeNumber, telegramId as telegramIdSchema } from '../callback-data/codec.js';
import type { BotContext } from '../context.js';
import { tellRefund } from '../refund-notice.js';
import { telegramError } from '../telegram-error.js';
import { textFor } from '../tell-user.js';
import { refundFigures } from '../views/payments.js';
import { userLabel } from '../views/user-label.js';

const composer = new Composer<BotContext>();
// Anyone else falls through to the catch-all: the same answer as an unknown command.
const admin = composer.chatType('private').filter(isAdmin);

/** Telegram's answer when the charge was refunded before (by us or from another place). */
const alreadyRefunded = (err: unknown) => telegramError(err)?.description.includes('CHARGE_ALREADY_REFUNDED') ?? false;

/**
 * /refund <order number or charge id>: Telegram returns the Stars, then the order becomes
 * refunded and that order's unused bought photoshoots are taken back. Idempotent: a second /refund, or
 * Telegram saying the charge was already refunded, ends in one recorded refund.
 */
admin.command('refund', async (ctx) => {
  const reference = ctx.match.trim();
  if (!reference || /\s/.test(reference) || reference.length > 200) return ctx.reply(ctx.t('admin-refund-usage'));
  const order = await findOrderByReference(ctx.db, reference);
  if (!order) return ctx.reply(ctx.t('admin-refund-unknown', { reference }));
  if (order.status === 'refunded') return ctx.reply(ctx.t('admin-refund-already', { order: String(order.id) }));
  const owner = await findUserById(ctx.db, order.userId);
  if (order.status !== 'paid' || !order.telegramPaymentChargeId || !owner) {
    return ctx.reply(ctx.t('admin-refund-not-paid', { order: String(order.id), status: order.status }));
  }
  try {
    await ctx.api.refundStarPayment(owner.telegramId, order.telegramPaymentChargeId);
  } catch (err) {
    if (!alreadyRefunded(err)) {
      const reason = telegramError(err)?.description ?? 'Telegram could not be reached';
      ctx.logger.warn({ order_id: order.id, reason }, 'refund refused by Telegram');
      return ctx.reply(ctx.t('admin-refund-failed', { order: String(order.id), reason }));
    }
    ctx.logger.info({ order_id: order.id }, 'charge was already refunded at Telegram; recording it');
  }
  const outcome = await recordRefund(ctx.db, order.id);
  if (outcome?.kind !== 'refunded') return ctx.reply(ctx.t('admin-refund-already', { order: String(order.id) }));
  ctx.logger.info(
    {
      order_id: order.id,
      debited: outcome.debited,
      shortfall: outcome.shortfall,
      running: outcome.running,
      admin_id: ctx.from.id,
    },
    'order refunded',
  );
  await tellRefund(ctx, outcome);
  await ctx.reply(ctx.t('admin-refund-done', refundFigures(outcome)));
});

/** /reply <telegram id> <text>: an admin answers a support request through the bot. */
admin.command('reply', async (ctx) => {
  const match = /^(\d+)\s+([\s\S]+)$/.exec(ctx.match.trim());
  const telegramId = parseWholeNumber(match?.[1] ?? '', telegramIdSchema);
  if (!match?.[2] || telegramId === undefined) return ctx.reply(ctx.t('admin-reply-usage'));
  const recipient = await findUserByTelegramId(ctx.db, telegramId);
  const user = userLabel(recipient ?? { telegramId });
  try {
    await ctx.api.sendMessage(telegramId, textFor(ctx, recipient, 'support-reply', { text: match[2].trim() }));
  } catch (err) {
    const reason = telegramError(err)?.description ?? 'Telegram could not be reached';
    return ctx.reply(ctx.t('admin-reply-failed', { user, reason }));
  }
  await ctx.reply(ctx.t('admin-reply-sent', { user }));
});

/** Admin commands (ADMIN_IDS only): refunds and support replies. */
export const adminFeature = composer;
