import { Composer } from 'grammy';
import { recentOrders } from '../../db/orders.js';
import { awaitInput, clearInput } from '../../db/pending-inputs.js';
import { notifyAdmins } from '../admins.js';
import type { BotContext } from '../context.js';
import { cancelQuestionKeyboard } from '../keyboards/questions.js';
import { clip } from '../telegram-text.js';
import { orderLine } from '../views/payments.js';
import { senderLabel } from '../views/user-label.js';

/** Room for the user's own words in a support request; the header and orders take the rest. */
const SUPPORT_TEXT_MAX = 3000;

/** The user's message and recent orders go to every admin; the user is told it went through. */
async function forwardToSupport(ctx: BotContext, text: string) {
  const user = ctx.user;
  if (!user || !ctx.from) return;
  await clearInput(ctx.db, user.id);
  if (ctx.config.admin.ids.length === 0) {
    ctx.logger.warn('a payment support request arrived but ADMIN_IDS is empty');
    return ctx.reply(ctx.t('paysupport-unavailable'));
  }
  const orders = await recentOrders(ctx.db, user.id, 5);
  const locale = ctx.config.defaultLocale;
  const message = ctx.i18n.fluent.translate(locale, 'admin-support-request', {
    user: senderLabel(ctx.from),
    text: clip(text, SUPPORT_TEXT_MAX),
    orders:
      orders.length > 0
        ? orders.map((o) => orderLine(ctx, o)).join('\n')
        : ctx.i18n.fluent.translate(locale, 'admin-support-no-orders'),
  });
  ctx.logger.info({ orders: orders.length }, 'payment support request forwarded');
  ctx.afterCommit(async () => {
    const delivered = await notifyAdmins(ctx.api, ctx.config.admin.ids, message, ctx.logger);
    await ctx.reply(ctx.t(delivered > 0 ? 'paysupport-sent' : 'paysupport-unavailable'));
  });
}

const composer = new Composer<BotContext>();
const feature = composer.chatType('private');

/**
 * /paysupport <text>, or /paysupport and then the text: a payment question sent to the admins.
 * The question can be left with its Cancel button or /cancel.
 */
feature.command('paysupport', async (ctx) => {
  const user = ctx.user;
  if (!user) return;
  const text = ctx.match.trim();
  if (text) return forwardToSupport(ctx, text);
  await awaitInput(ctx.db, user.id, { kind: 'paysupport', data: {} });
  await ctx.reply(ctx.t('paysupport-prompt'), { reply_markup: cancelQuestionKeyboard(ctx, 'paysupport') });
});

feature.on('message:text').filter(
  (ctx) => ctx.pendingInput?.kind === 'paysupport',
  (ctx) => forwardToSupport(ctx, ctx.message.text),
);

export const paySupportFeature = composer;
