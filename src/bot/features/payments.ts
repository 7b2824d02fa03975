import { Composer, InlineKeyboard } from 'grammy';
import type { RefundedPayment } from 'grammy/types';
import { z } from 'zod';
import type { StarsPackage } from '../../config.js';
import type { Database } from '../../db/client.js';
import { balanceBreakdown, recentLedgerEntries } from '../../db/ledger.js';
import {
  checkoutProblem,
  createOrder,
  findCheckoutOrder,
  findOrderByCharge,
  type Order,
  type RefundOutcome,
  recentOrders,
  recordRefund,
  STARS_CURRENCY,
} from '../../db/orders.js';
import { awaitInput, clearInput } from '../../db/pending-inputs.js';
import { findUserById } from '../../db/users.js';
import { describeError } from '../../process-env.js';
import { alertAdmins, notifyAdmins } from '../admins.js';
import { createCallbackData } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { resolveLocale } from '../i18n.js';
import { clip, TELEGRAM_LIMITS } from '../telegram-text.js';

/** Telegram's limits for an invoice. */
export const INVOICE_TITLE_MAX = TELEGRAM_LIMITS.invoiceTitle;
export const INVOICE_DESCRIPTION_MAX = TELEGRAM_LIMITS.invoiceDescription;

/** Room for the user's own words in a support request; the header and orders take the rest. */
const SUPPORT_TEXT_MAX = 3000;

export const buyData = createCallbackData('buy', {});
const count = z.coerce.number().int().min(1).max(100_000);
export const packageData = createCallbackData('buy-pkg', { photoshoots: count, stars: count });

const date = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

/** The "buy photoshoots" button shown wherever the balance matters. */
export const buyKeyboard = (ctx: BotContext) => new InlineKeyboard().text(ctx.t('button-buy'), buyData.pack({}));

function packagesMessage(ctx: BotContext) {
  const keyboard = new InlineKeyboard();
  for (const pkg of ctx.config.PACKAGES) {
    keyboard
      .text(
        ctx.t('buy-package', { count: pkg.photoshoots, stars: pkg.stars }),
        packageData.pack({ photoshoots: pkg.photoshoots, stars: pkg.stars }),
      )
      .row();
  }
  return { text: ctx.t('buy-title'), keyboard };
}

async function showPackages(ctx: BotContext) {
  const { text, keyboard } = packagesMessage(ctx);
  await ctx.reply(text, { reply_markup: keyboard });
}

/** An invoice for one package: XTR, empty provider token, one price in whole Stars. */
export function invoiceFor(ctx: BotContext, pkg: StarsPackage) {
  const title = clip(ctx.t('invoice-title', { count: pkg.photoshoots }), INVOICE_TITLE_MAX);
  return {
    title,
    description: clip(ctx.t('invoice-description', { count: pkg.photoshoots }), INVOICE_DESCRIPTION_MAX),
    prices: [{ label: title, amount: pkg.stars }],
  };
}

/** One order as admins and support read it. */
export const orderLine = (ctx: BotContext, order: Order) =>
  ctx.t('order-line', {
    id: String(order.id),
    count: order.photoshoots,
    stars: order.amount,
    status: order.status,
    date: date(order.createdAt),
    flag: order.flag ?? '-',
  });

/** A ledger row in plain words: "+10 · purchase, order #5". */
function ledgerLine(
  ctx: BotContext,
  entry: { delta: number; reason: string; reference: string | null; createdAt: Date },
) {
  const id = /:(\d+)$/.exec(entry.reference ?? '')?.[1] ?? '';
  const delta = entry.delta > 0 ? `+${entry.delta}` : `−${-entry.delta}`;
  return `${date(entry.createdAt)} · ${delta} · ${ctx.t(`ledger-${entry.reason}`, { id })}`;
}

/**
 * /buy and every buy button, invoices, refunded payments, /balance, /paysupport and /terms.
 * An invoice's order is created on `pool`, committed before the invoice is sent: a payer can
 * tap Pay at once, and the pre-checkout (answered from the pool) must find the order.
 */
export function createPaymentsFeature(deps: { pool: Database }) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  feature.command('buy', showPackages);

  feature.callbackQuery(buyData.filter, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showPackages(ctx);
  });

  feature.callbackQuery(packageData.filter, async (ctx) => {
    const data = packageData.unpack(ctx.callbackQuery.data);
    const pkg = ctx.config.PACKAGES.find((p) => p.photoshoots === data?.photoshoots && p.stars === data?.stars);
    const user = ctx.user;
    if (!pkg || !user) {
      // A keyboard from before a price change: show what is on sale now.
      await ctx.answerCallbackQuery({ text: ctx.t('package-changed') });
      await showPackages(ctx);
      return;
    }
    // Not ctx.db: the update's transaction commits only after the invoice is sent. An invoice
    // that then fails to send leaves a pending order that the sweep cancels at its expiry.
    const order = await createOrder(deps.pool, {
      userId: user.id,
      pkg,
      expiresInMinutes: ctx.config.ORDER_EXPIRY_MIN,
    });
    const invoice = invoiceFor(ctx, pkg);
    await ctx.answerCallbackQuery();
    await ctx.replyWithInvoice(
      invoice.title,
      invoice.description,
      order.invoicePayload,
      STARS_CURRENCY,
      invoice.prices,
      {
        provider_token: '',
      },
    );
    ctx.logger.info({ order_id: order.id, stars: pkg.stars, photoshoots: pkg.photoshoots }, 'invoice sent');
  });

  feature.on('message:refunded_payment', async (ctx) => {
    await recordTelegramRefund(ctx, ctx.message.refunded_payment);
  });

  feature.command('balance', async (ctx) => {
    const user = ctx.user;
    if (!user) return;
    const { balance, paid, free } = await balanceBreakdown(ctx.db, user.id);
    const entries = await recentLedgerEntries(ctx.db, user.id, 5);
    const lines = [ctx.t('balance-summary', { count: balance, paid, free })];
    if (entries.length > 0) lines.push('', ctx.t('balance-history'), ...entries.map((e) => ledgerLine(ctx, e)));
    await ctx.reply(lines.join('\n'), { reply_markup: buyKeyboard(ctx) });
  });

  feature.command('terms', (ctx) => ctx.reply(ctx.t('terms')));

  feature.command('paysupport', async (ctx) => {
    const user = ctx.user;
    if (!user) return;
    const text = ctx.match.trim();
    if (text) return forwardToSupport(ctx, text);
    await awaitInput(ctx.db, user.id, { kind: 'paysupport', data: {} });
    await ctx.reply(ctx.t('paysupport-prompt'));
  });

  feature.on('message:text').filter(
    (ctx) => ctx.pendingInput?.kind === 'paysupport',
    (ctx) => forwardToSupport(ctx, ctx.message.text),
  );

  return composer;
}

/** The user's message and recent orders go to every admin; the user is told it went through. */
async function forwardToSupport(ctx: BotContext, text: string) {
  const user = ctx.user;
  if (!user || !ctx.from) return;
  await clearInput(ctx.db, user.id);
  if (ctx.config.ADMIN_IDS.length === 0) {
    ctx.logger.warn('a payment support request arrived but ADMIN_IDS is empty');
    return ctx.reply(ctx.t('paysupport-unavailable'));
  }
  const orders = await recentOrders(ctx.db, user.id, 5);
  const who = `${ctx.from.first_name}${ctx.from.username ? ` @${ctx.from.username}` : ''} (id ${ctx.from.id})`;
  const locale = ctx.config.DEFAULT_LOCALE;
  const message = ctx.i18n.fluent.translate(locale, 'admin-support-request', {
    user: who,
    text: clip(text, SUPPORT_TEXT_MAX),
    orders:
      orders.length > 0
        ? orders.map((o) => orderLine(ctx, o)).join('\n')
        : ctx.i18n.fluent.translate(locale, 'admin-support-no-orders'),
  });
  ctx.logger.info({ orders: orders.length }, 'payment support request forwarded');
  ctx.afterCommit(async () => {
    const delivered = await notifyAdmins(ctx.api, ctx.config.ADMIN_IDS, message, ctx.logger);
    await ctx.reply(ctx.t(delivered > 0 ? 'paysupport-sent' : 'paysupport-unavailable'));
  });
}

type RecordedRefund = Extract<RefundOutcome, { kind: 'refunded' }>;

/** A refund in the words /balance uses: the order's bought photoshoots, taken back or used, and the balance split after it. */
export const refundFigures = (outcome: RecordedRefund) => ({
  order: String(outcome.order.id),
  stars: outcome.order.amount,
  bought: outcome.order.photoshoots,
  debited: outcome.debited,
  shortfall: outcome.shortfall,
  used: outcome.shortfall,
  running: outcome.running,
  balance: outcome.after.balance,
  paid: outcome.after.paid,
  free: outcome.after.free,
});

/** Tells the owner of a refunded order what happened to their balance. */
export async function tellRefund(ctx: BotContext, outcome: RecordedRefund): Promise<void> {
  const owner = await findUserById(ctx.db, outcome.order.userId);
  if (!owner) return;
  const locale = resolveLocale(owner.locale ?? owner.languageCode, ctx.config.DEFAULT_LOCALE);
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

/**
 * Answers every pre_checkout_query at once with cheap checks: one read on the pool, no user
 * registration, no transaction, no per-user lock, so it never waits behind the payer's other
 * updates. Installed before the user middleware.
 */
export function createPreCheckoutFeature(pool: Database) {
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
