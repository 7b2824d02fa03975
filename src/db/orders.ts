import { randomBytes } from 'node:crypto';
import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { StarsPackage } from '../config/index.js';
import type { Database } from './client.js';
import { isUniqueViolation } from './failures.js';
import { type BalanceBreakdown, creditOrder, debitRefundedOrder, lockUserCredits } from './ledger.js';
import { orders, users } from './schema.js';

export type Order = typeof orders.$inferSelect;
export type OrderStatus = Order['status'];

/** Telegram's one currency for digital goods. */
export const STARS_CURRENCY = 'XTR';

/** Why a payment was credited outside the normal path; admins are told about each. */
export type PaymentFlag = 'paid_after_expiry' | 'unknown_order' | 'order_not_pending' | 'other_payer' | 'wrong_amount';

/** The package code stored on an order, e.g. "p10". */
export const packageCode = (pkg: StarsPackage) => `p${pkg.photoshoots}`;

/**
 * A pending order for one package, expiring after `expiresInMinutes`. Its invoice payload is a
 * random token (ASCII, 27 bytes) unique across orders, so an invoice names exactly one order.
 */
export async function createOrder(
  db: Database,
  order: { userId: number; pkg: StarsPackage; expiresInMinutes: number },
): Promise<Order> {
  const [created] = await db
    .insert(orders)
    .values({
      userId: order.userId,
      packageCode: packageCode(order.pkg),
      amount: order.pkg.stars,
      photoshoots: order.pkg.photoshoots,
      invoicePayload: `ord-${randomBytes(18).toString('base64url')}`,
      expiresAt: sql`now() + make_interval(mins => ${order.expiresInMinutes}::int)`,
    })
    .returning();
  if (!created) throw new Error('Inserting an order returned no row');
  return created;
}

export interface CheckoutOrder {
  order: Order;
  /** The Telegram id of the order's owner. */
  ownerTelegramId: number;
  /** Whether the order is past its expiry (it may not have been swept yet). */
  expired: boolean;
}

const checkoutQuery = (db: Database) =>
  db
    .select({
      order: orders,
      ownerTelegramId: users.telegramId,
      expired: sql<boolean>`coalesce(${orders.expiresAt} <= now(), false)`,
    })
    .from(orders)
    .innerJoin(users, eq(users.id, orders.userId))
    .where(eq(orders.invoicePayload, sql.placeholder('payload')))
    .limit(1)
    .prepare('checkout_order');

/** The order behind an invoice payload and its owner, in one read that takes no lock. */
export async function findCheckoutOrder(db: Database, payload: string): Promise<CheckoutOrder | undefined> {
  const [row] = await checkoutQuery(db).execute({ payload });
  return row && { ...row, expired: Boolean(row.expired) };
}

/** What Telegram tells us at pre-checkout. */
export interface CheckoutRequest {
  payerTelegramId: number;
  currency: string;
  totalAmount: number;
}

export type CheckoutProblem =
  | 'unknown-order'
  | 'not-yours'
  | 'already-paid'
  | 'expired'
  | 'wrong-currency'
  | 'wrong-amount';

/** Cheap checks for a pre-checkout: undefined when the payment may go ahead. */
export function checkoutProblem(
  found: CheckoutOrder | undefined,
  request: CheckoutRequest,
): CheckoutProblem | undefined {
  if (!found) return 'unknown-order';
  const { order } = found;
  if (found.ownerTelegramId !== request.payerTelegramId) return 'not-yours';
  if (order.status === 'paid' || order.status === 'refunded') return 'already-paid';
  if (order.status !== 'pending' || found.expired) return 'expired';
  if (request.currency !== STARS_CURRENCY) return 'wrong-currency';
  if (request.totalAmount !== order.amount) return 'wrong-amount';
  return undefined;
}

/** A successful_payment as Telegram reports it, with the payer's user row id. */
export interface StarsPayment {
  userId: number;
  payload: string;
  chargeId: string;
  currency: string;
  totalAmount: number;
}

export type PaymentOutcome =
  | { kind: 'duplicate'; order: Order }
  | { kind: 'credited'; order: Order; balance: number; flag: PaymentFlag | null };

/**
 * Photoshoots for an amount that matches no order: the package with exactly that price, or
 * the smallest package's rate (at least 1: the user paid).
 */
export function photoshootsForAmount(stars: number, packages: readonly StarsPackage[]): number {
  const exact = packages.find((p) => p.stars === stars);
  if (exact) return exact.photoshoots;
  const base = packages[0];
  return base ? Math.max(1, Math.floor((stars * base.photoshoots) / base.stars)) : 1;
}

/**
 * Records a successful payment and credits it, once per telegram_payment_charge_id (the
 * column is unique: a repeated or concurrent delivery ends as 'duplicate', crediting nothing).
 * The invoice's order becomes paid. A payment that fits no pending order (unknown payload,
 * expired, already paid, another payer, another amount) is honoured all the same, since the
 * user paid: it is credited, recorded with a flag for admins, and never refused.
 */
export async function recordPayment(
  db: Database,
  payment: StarsPayment,
  packages: readonly StarsPackage[],
): Promise<PaymentOutcome> {
  const duplicate = async () => {
    const order = await findOrderByCharge(db, payment.chargeId);
    return order && ({ kind: 'duplicate', order } as const);
  };
  const known = await duplicate();
  if (known) return known;
  try {
    return await db.transaction(async (tx) => {
      // The payer's credits before the order row: the lock order of every spend, release and refund.
      await lockUserCredits(tx, payment.userId);
      const [order] = await tx
        .select({ order: orders, expired: sql<boolean>`coalesce(${orders.expiresAt} <= now(), false)` })
        .from(orders)
        .where(eq(orders.invoicePayload, payment.payload))
        .for('update');
      const fits =
        order !== undefined &&
        order.order.userId === payment.userId &&
        order.order.amount === payment.totalAmount &&
        payment.currency === STARS_CURRENCY;
      let paid: Order | undefined;
      let flag: PaymentFlag | null = null;
      if (fits && (order.order.status === 'pending' || order.order.status === 'canceled')) {
        flag = order.order.status === 'canceled' || order.expired ? 'paid_after_expiry' : null;
        [paid] = await tx
          .update(orders)
          .set({ status: 'paid', paidAt: sql`now()`, telegramPaymentChargeId: payment.chargeId, flag })
          .where(eq(orders.id, order.order.id))
          .returning();
      } else {
        flag = !order
          ? 'unknown_order'
          : order.order.userId !== payment.userId
            ? 'other_payer'
            : order.order.amount !== payment.totalAmount || payment.currency !== STARS_CURRENCY
              ? 'wrong_amount'
              : 'order_not_pending';
        const sameAmount = order && order.order.amount === payment.totalAmount;
        [paid] = await tx
          .insert(orders)
          .values({
            userId: payment.userId,
            packageCode: order?.order.packageCode ?? 'unmatched',
            amount: payment.totalAmount,
            photoshoots: sameAmount ? order.order.photoshoots : photoshootsForAmount(payment.totalAmount, packages),
            status: 'paid',
            invoicePayload: `${payment.payload.slice(0, 128)}#${payment.chargeId}`,
            telegramPaymentChargeId: payment.chargeId,
            paidAt: sql`now()`,
            flag,
          })
          .returning();
      }
      if (!paid) throw new Error(`Recording payment ${payment.chargeId} returned no order`);
      const balance = await creditOrder(tx, paid);
      return { kind: 'credited', order: { ...paid, remaining: paid.photoshoots }, balance, flag } as const;
    });
  } catch (err) {
    if (!isUniqueViolation(err, 'telegram_payment_charge_id')) throw err;
    const raced = await duplicate();
    if (!raced) throw err;
    return raced;
  }
}

/** The order an admin means: its number (#12 or 12), or its Telegram charge id. */
export async function findOrderByReference(db: Database, reference: string): Promise<Order | undefined> {
  const byId = /^#?(\d{1,9})$/.exec(reference.trim());
  if (!byId) return findOrderByCharge(db, reference.trim());
  const [order] = await db
    .select()
    .from(orders)
    .where(eq(orders.id, Number(byId[1])));
  return order;
}

export async function findOrderByCharge(db: Database, chargeId: string): Promise<Order | undefined> {
  // PostgreSQL text cannot hold U+0000, so no stored charge id has one; the query would fail.
  if (chargeId.includes('\u0000')) return undefined;
  const [order] = await db.select().from(orders).where(eq(orders.telegramPaymentChargeId, chargeId));
  return order;
}

export type RefundOutcome =
  | {
      kind: 'refunded';
      order: Order;
      /** Photoshoots of the order still unspent, taken back from the balance. */
      debited: number;
      /** Photoshoots of the order already used (or running now): not taken back. */
      shortfall: number;
      /** Of the shortfall, photoshoots still running: if one delivers nothing, its credit goes nowhere. */
      running: number;
      balance: number;
      /** The balance after the refund, split as /balance shows it. */
      after: BalanceBreakdown;
    }
  | { kind: 'already-refunded'; order: Order }
  | { kind: 'not-paid'; order: Order };

/**
 * Marks a paid order refunded (once: a second call, or a concurrent one, gets
 * 'already-refunded') and takes back that order's photoshoots still unspent, under the same
 * bought/free accounting /balance shows: never free credits, never another order's. Those
 * already spent are the shortfall, recorded on the order. Telegram's refund itself is the
 * caller's step.
 */
export async function recordRefund(db: Database, orderId: number): Promise<RefundOutcome | undefined> {
  return db.transaction(async (tx) => {
    const [owner] = await tx.select({ userId: orders.userId }).from(orders).where(eq(orders.id, orderId));
    if (!owner) return undefined;
    // The owner's credits first, as every spend and release locks them, so none interleaves.
    await lockUserCredits(tx, owner.userId);
    const [order] = await tx
      .update(orders)
      .set({ status: 'refunded', refundedAt: sql`now()` })
      .where(and(eq(orders.id, orderId), eq(orders.status, 'paid')))
      .returning();
    if (!order) {
      const [existing] = await tx.select().from(orders).where(eq(orders.id, orderId));
      if (!existing) return undefined;
      return existing.status === 'refunded'
        ? { kind: 'already-refunded', order: existing }
        : { kind: 'not-paid', order: existing };
    }
    const { debited, running, after } = await debitRefundedOrder(tx, order);
    const shortfall = order.photoshoots - debited;
    const [updated] = await tx
      .update(orders)
      .set({ refundDebited: debited, refundShortfall: shortfall })
      .where(eq(orders.id, order.id))
      .returning();
    return {
      kind: 'refunded',
      order: updated ?? order,
      debited,
      shortfall,
      running,
      balance: after.balance,
      after,
    };
  });
}

/** Pending orders past their expiry become canceled; returns how many. */
export async function expireStaleOrders(db: Database): Promise<number> {
  const rows = await db
    .update(orders)
    .set({ status: 'canceled' })
    .where(and(eq(orders.status, 'pending'), lte(orders.expiresAt, sql`now()`)))
    .returning({ id: orders.id });
  return rows.length;
}

/** A user's latest orders, newest first. */
export function recentOrders(db: Database, userId: number, limit = 5): Promise<Order[]> {
  return db
    .select()
    .from(orders)
    .where(eq(orders.userId, userId))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(limit);
}
