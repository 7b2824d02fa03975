import type { StarsPackage } from '../../config/index.js';
import type { Order, RefundOutcome } from '../../db/orders.js';
import type { BotContext } from '../context.js';
import { clip, TELEGRAM_LIMITS } from '../telegram-text.js';
import { formatZonedTime, SELLER_TIME_ZONE } from './time.js';

/** Telegram's limits for an invoice. */
export const INVOICE_TITLE_MAX = TELEGRAM_LIMITS.invoiceTitle;
export const INVOICE_DESCRIPTION_MAX = TELEGRAM_LIMITS.invoiceDescription;

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
    date: formatZonedTime(order.createdAt, ctx.config.admin.statsTimeZone),
    // Only a flagged order says so: no "flag: -" on every ordinary one.
    flag: order.flag ? ctx.t('order-flag', { reason: order.flag }) : '',
  });

export interface LedgerEntry {
  delta: number;
  reason: string;
  reference: string | null;
  createdAt: Date;
}

/**
 * A ledger row in plain words: "2026-12-03 16:40 UTC · +10 · purchase, order #5". Sellers read
 * the time in UTC (the default); admins pass STATS_TIME_ZONE.
 */
export function ledgerLine(ctx: BotContext, entry: LedgerEntry, timeZone = SELLER_TIME_ZONE) {
  const id = /:(\d+)$/.exec(entry.reference ?? '')?.[1] ?? '';
  const delta = entry.delta > 0 ? `+${entry.delta}` : `−${-entry.delta}`;
  return `${formatZonedTime(entry.createdAt, timeZone)} · ${delta} · ${ctx.t(`ledger-${entry.reason}`, { id })}`;
}

export type RecordedRefund = Extract<RefundOutcome, { kind: 'refunded' }>;

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
