import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { balanceBreakdown, reserveCredit } from '../../src/db/ledger.js';
import {
  checkoutProblem,
  createOrder,
  expireStaleOrders,
  findCheckoutOrder,
  findOrderByReference,
  photoshootsForAmount,
  recordPayment,
  recordRefund,
} from '../../src/db/orders.js';
import { orders } from '../../src/db/schema.js';
import { registerUser } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { balanceAndLedger } from '../support/ledger.js';

const PACKAGES = parseConfig({ BOT_TOKEN: '1:a' }).payments.packages;
const [SMALL, TEN] = PACKAGES as [(typeof PACKAGES)[number], (typeof PACKAGES)[number]];

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const db = () => database.handle.db;

async function buyer(telegramId: number, freePhotoshoots = 2) {
  return (await registerUser(db(), { id: telegramId, first_name: 'Buyer' }, { freePhotoshoots })).user;
}

/** The successful payment Telegram reports when `order`'s owner pays it in full. */
const paymentOf = (order: { userId: number; invoicePayload: string; amount: number }, chargeId: string) => ({
  userId: order.userId,
  payload: order.invoicePayload,
  chargeId,
  currency: 'XTR',
  totalAmount: order.amount,
});

/** Moves an order's expiry into the past. */
const expire = (orderId: number) =>
  db().update(orders).set({ expiresAt: sql`now() - interval '1 minute'` }).where(eq(orders.id, orderId));

describe('orders and Stars payments', () => {
  it('creates a pending order whose payload is short, unique and names it', async () => {
    const user = await buyer(7001);
    const a = await createOrder(db(), { userId: user.id, pkg: TEN, expiresInMinutes: 60 });
    const b = await createOrder(db(), { userId: user.id, pkg: TEN, expiresInMinutes: 60 });
    expect(a).toMatchObject({ status: 'pending', amount: TEN.stars, photoshoots: TEN.photoshoots, packageCode: 'p10' });
    expect(a.invoicePayload).not.toBe(b.invoicePayload);
    expect(Buffer.byteLength(a.invoicePayload)).toBeLessThanOrEqual(128);
    expect((await findCheckoutOrder(db(), a.invoicePayload))?.order.id).toBe(a.id);
    expect(a.expiresAt && a.expiresAt.getTime() - a.createdAt.getTime()).toBeCloseTo(60 * 60_000, -4);
  });

  it('checks a pre-checkout: owner, status, expiry, currency and amount', async () => {
    const owner = await buyer(7002);
    await buyer(7003);
    const order = await createOrder(db(), { userId: owner.id, pkg: SMALL, expiresInMinutes: 60 });
    const found = await findCheckoutOrder(db(), order.invoicePayload);
    const request = { payerTelegramId: 7002, currency: 'XTR', totalAmount: SMALL.stars };
    expect(checkoutProblem(found, request)).toBeUndefined();
    expect(checkoutProblem(undefined, request)).toBe('unknown-order');
    expect(checkoutProblem(found, { ...request, payerTelegramId: 7003 })).toBe('not-yours');
    expect(checkoutProblem(found, { ...request, currency: 'USD' })).toBe('wrong-currency');
    expect(checkoutProblem(found, { ...request, totalAmount: SMALL.stars - 1 })).toBe('wrong-amount');
    await expire(order.id);
    expect(checkoutProblem(await findCheckoutOrder(db(), order.invoicePayload), request)).toBe('expired');

    const paid = await createOrder(db(), { userId: owner.id, pkg: SMALL, expiresInMinutes: 60 });
    await recordPayment(db(), paymentOf(paid, 'ch-7002'), PACKAGES);
    expect(checkoutProblem(await findCheckoutOrder(db(), paid.invoicePayload), request)).toBe('already-paid');
  });

  it('credits a payment delivered three times exactly once; the ledger sum equals the balance', async () => {
    const user = await buyer(7004);
    const order = await createOrder(db(), { userId: user.id, pkg: TEN, expiresInMinutes: 60 });
    const payment = paymentOf(order, 'ch-7004');
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await recordPayment(db(), payment, PACKAGES));
    expect(outcomes.map((o) => o.kind)).toEqual(['credited', 'duplicate', 'duplicate']);
    expect(outcomes[0]).toMatchObject({
      balance: 12,
      flag: null,
      order: { status: 'paid', telegramPaymentChargeId: 'ch-7004' },
    });
    expect(await balanceAndLedger(db(), 7004)).toEqual({ balance: 12, ledgerSum: 12 });
    expect(await balanceBreakdown(db(), user.id)).toEqual({ balance: 12, paid: 10, free: 2 });
  });

  it.runIf(usingPostgres)('credits once when the same payment is recorded concurrently', async () => {
    const user = await buyer(7005);
    const order = await createOrder(db(), { userId: user.id, pkg: TEN, expiresInMinutes: 60 });
    const payment = paymentOf(order, 'ch-7005');
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => recordPayment(db(), payment, PACKAGES)));
    expect(outcomes.filter((o) => o.kind === 'credited')).toHaveLength(1);
    expect(await balanceAndLedger(db(), 7005)).toEqual({ balance: 12, ledgerSum: 12 });
  });

  it('honours a payment after the order expired (swept or not), flagged for admins', async () => {
    const user = await buyer(7006, 0);
    const swept = await createOrder(db(), { userId: user.id, pkg: SMALL, expiresInMinutes: 60 });
    const late = await createOrder(db(), { userId: user.id, pkg: SMALL, expiresInMinutes: 60 });
    await expire(swept.id);
    await expire(late.id);
    expect(await expireStaleOrders(db())).toBeGreaterThanOrEqual(2);
    const [canceled] = await db().select().from(orders).where(eq(orders.id, swept.id));
    expect(canceled?.status).toBe('canceled');
    const base = { userId: user.id, currency: 'XTR', totalAmount: SMALL.stars };
    const first = await recordPayment(db(), { ...base, payload: swept.invoicePayload, chargeId: 'ch-7006a' }, PACKAGES);
    expect(first).toMatchObject({ kind: 'credited', flag: 'paid_after_expiry', balance: 3, order: { id: swept.id } });
    expect(await balanceAndLedger(db(), 7006)).toEqual({ balance: 3, ledgerSum: 3 });
  });

  it('honours payments that fit no pending order: unknown, paid twice, another payer, another amount', async () => {
    const user = await buyer(7007, 0);
    const other = await buyer(7008, 0);
    const order = await createOrder(db(), { userId: user.id, pkg: SMALL, expiresInMinutes: 60 });
    const pay = (chargeId: string, changes: Partial<{ userId: number; payload: string; totalAmount: number }>) =>
      recordPayment(
        db(),
        {
          userId: user.id,
          payload: order.invoicePayload,
          currency: 'XTR',
          totalAmount: SMALL.stars,
          chargeId,
          ...changes,
        },
        PACKAGES,
      );
    expect(await pay('ch-a', {})).toMatchObject({ kind: 'credited', flag: null, balance: 3 });
    expect(await pay('ch-b', {})).toMatchObject({ kind: 'credited', flag: 'order_not_pending', balance: 6 });
    expect(await pay('ch-c', { payload: 'no-such-order', totalAmount: TEN.stars })).toMatchObject({
      kind: 'credited',
      flag: 'unknown_order',
      balance: 16,
    });
    expect(await pay('ch-d', { userId: other.id })).toMatchObject({
      kind: 'credited',
      flag: 'other_payer',
      balance: 3,
    });
    expect(await pay('ch-e', { payload: 'x', totalAmount: 1000 })).toMatchObject({
      flag: 'unknown_order',
      balance: 36,
    });
    expect(await balanceAndLedger(db(), 7007)).toEqual({ balance: 36, ledgerSum: 36 });
    expect(await balanceAndLedger(db(), 7008)).toEqual({ balance: 3, ledgerSum: 3 });
    expect(await findOrderByReference(db(), 'ch-c')).toMatchObject({
      status: 'paid',
      flag: 'unknown_order',
      amount: TEN.stars,
    });
  });

  it('refunds once: the unused photoshoots are taken back, the spent ones recorded as shortfall', async () => {
    const user = await buyer(7009, 0);
    const order = await createOrder(db(), { userId: user.id, pkg: TEN, expiresInMinutes: 60 });
    await recordPayment(db(), paymentOf(order, 'ch-7009'), PACKAGES);
    for (let i = 0; i < 4; i++) await reserveCredit(db(), { userId: user.id, reference: `photoshoot:${i}` });
    const first = await recordRefund(db(), order.id);
    expect(first).toMatchObject({ kind: 'refunded', debited: 6, shortfall: 4, balance: 0 });
    expect(await recordRefund(db(), order.id)).toMatchObject({ kind: 'already-refunded' });
    const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
    expect(row).toMatchObject({ status: 'refunded', refundDebited: 6, refundShortfall: 4 });
    expect(row?.refundedAt).toBeInstanceOf(Date);
    expect(await balanceAndLedger(db(), 7009)).toEqual({ balance: 0, ledgerSum: 0 });
  });

  it('refuses to refund an order that was never paid', async () => {
    const user = await buyer(7010);
    const order = await createOrder(db(), { userId: user.id, pkg: SMALL, expiresInMinutes: 60 });
    expect(await recordRefund(db(), order.id)).toMatchObject({ kind: 'not-paid' });
    expect(await recordRefund(db(), 987_654)).toBeUndefined();
    expect(await balanceAndLedger(db(), 7010)).toEqual({ balance: 2, ledgerSum: 2 });
  });

  it('prices an unmatched amount by the package with that price, else the smallest package rate', () => {
    expect(photoshootsForAmount(TEN.stars, PACKAGES)).toBe(10);
    expect(photoshootsForAmount(SMALL.stars * 2, PACKAGES)).toBe(6);
    expect(photoshootsForAmount(1, PACKAGES)).toBe(1);
  });
});
