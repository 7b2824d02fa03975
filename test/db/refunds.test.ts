import { readFile } from 'node:fs/promises';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { queryRows } from '../../src/db/client.js';
import { balanceBreakdown, changeBalance } from '../../src/db/ledger.js';
import { createOrder, recordPayment, recordRefund } from '../../src/db/orders.js';
import type { NewPhotoshoot } from '../../src/db/queue.js';
import { orders, photoshoots } from '../../src/db/schema.js';
import { finishPhotoshoot } from '../../src/db/settlement.js';
import { registerUser } from '../../src/db/users.js';
import { chargePhotoshoot, deliverFirstImage, usePhotoshoot } from '../support/credits.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { balanceAndLedger } from '../support/ledger.js';

const PACKAGES = parseConfig({ BOT_TOKEN: '1:a' }).payments.packages;
// The package of the report: 3 photoshoots for 150 Stars.
const SMALL = PACKAGES[0] as (typeof PACKAGES)[number];

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const db = () => database.handle.db;

async function seller(telegramId: number, free = 0) {
  return (await registerUser(db(), { id: telegramId, first_name: 'Seller' }, { freePhotoshoots: free })).user;
}

async function buy(userId: number, chargeId: string) {
  const order = await createOrder(db(), { userId, pkg: SMALL, expiresInMinutes: 60 });
  const paid = await recordPayment(
    db(),
    { userId, payload: order.invoicePayload, chargeId, currency: 'XTR', totalAmount: order.amount },
    PACKAGES,
  );
  if (paid.kind !== 'credited') throw new Error('payment not credited');
  return paid.order;
}

const start = (userId: number, extra: Partial<NewPhotoshoot> = {}) => chargePhotoshoot(db(), userId, extra);

/** A photoshoot that delivers its image: its credit is committed. */
async function use(userId: number) {
  const { job, settlement } = await usePhotoshoot(db(), userId);
  expect(settlement).toBe('committed');
  return job;
}

const orderRow = async (id: number) => (await db().select().from(orders).where(eq(orders.id, id)))[0];

describe('refunds take back only what the order bought', () => {
  it('bought 3, used 3, granted 3, refunded: nothing taken back, 3 recorded as used', async () => {
    const user = await seller(8101);
    const order = await buy(user.id, 'ch-8101');
    for (let i = 0; i < 3; i++) await use(user.id);
    await changeBalance(db(), { userId: user.id, delta: 3, reason: 'admin_grant', reference: 'admin:1' });
    expect(await balanceBreakdown(db(), user.id)).toEqual({ balance: 3, paid: 0, free: 3 });

    const refund = await recordRefund(db(), order.id);
    expect(refund).toMatchObject({ kind: 'refunded', debited: 0, shortfall: 3, running: 0, balance: 3 });
    expect(refund?.kind === 'refunded' && refund.after).toEqual({ balance: 3, paid: 0, free: 3 });
    expect(await orderRow(order.id)).toMatchObject({
      status: 'refunded',
      remaining: 0,
      refundDebited: 0,
      refundShortfall: 3,
    });
    expect(await balanceAndLedger(db(), 8101)).toEqual({ balance: 3, ledgerSum: 3 });
  });

  it('spends free credits first, then the oldest order; a refund takes only its own order', async () => {
    const user = await seller(8102, 2);
    const first = await buy(user.id, 'ch-8102-a');
    const second = await buy(user.id, 'ch-8102-b');
    const jobs = [];
    for (let i = 0; i < 6; i++) jobs.push(await use(user.id));
    // 2 free, then the first order's 3, then 1 of the second order's.
    expect(jobs.map((j) => [j.isFree, j.orderId])).toEqual([
      [true, null],
      [true, null],
      [false, first.id],
      [false, first.id],
      [false, first.id],
      [false, second.id],
    ]);
    const freeImages = await queryRows<{ free: boolean }>(
      db(),
      sql`select is_free as free from processed_images where user_id = ${user.id} order by id`,
    );
    expect(freeImages.map((r) => r.free)).toEqual([true, true, false, false, false, false]);
    expect(await balanceBreakdown(db(), user.id)).toEqual({ balance: 2, paid: 2, free: 0 });

    await changeBalance(db(), { userId: user.id, delta: 5, reason: 'admin_grant', reference: 'admin:1' });
    expect(await recordRefund(db(), first.id)).toMatchObject({ debited: 0, shortfall: 3, balance: 7 });
    expect(await recordRefund(db(), second.id)).toMatchObject({ debited: 2, shortfall: 1, balance: 5 });
    expect(await balanceBreakdown(db(), user.id)).toEqual({ balance: 5, paid: 0, free: 5 });
    expect(await balanceAndLedger(db(), 8102)).toEqual({ balance: 5, ledgerSum: 5 });
  });

  it('refunded while its photoshoot runs, which then fails: the released credit goes nowhere', async () => {
    const user = await seller(8103);
    const order = await buy(user.id, 'ch-8103');
    const running = await start(user.id);
    expect(running).toMatchObject({ orderId: order.id, isFree: false });
    await db().update(photoshoots).set({ status: 'running' }).where(eq(photoshoots.id, running.id));

    const refund = await recordRefund(db(), order.id);
    expect(refund).toMatchObject({ kind: 'refunded', debited: 2, shortfall: 1, running: 1, balance: 0 });
    expect(await finishPhotoshoot(db(), running.id, 'failed', 'all styles failed')).toBe('forfeited');

    expect(await balanceBreakdown(db(), user.id)).toEqual({ balance: 0, paid: 0, free: 0 });
    expect(await orderRow(order.id)).toMatchObject({ remaining: 0, refundDebited: 3, refundShortfall: 0 });
    expect(await balanceAndLedger(db(), 8103)).toEqual({ balance: 0, ledgerSum: 0 });
    // Settled once: a second pass changes nothing.
    expect(await finishPhotoshoot(db(), running.id, 'failed')).toBe('unchanged');
    expect(await orderRow(order.id)).toMatchObject({ refundDebited: 3, refundShortfall: 0 });
  });

  it('a failed photoshoot of a paid order gives the credit back to that order, a free one stays free', async () => {
    const user = await seller(8104, 1);
    const order = await buy(user.id, 'ch-8104');
    const free = await start(user.id);
    expect(await finishPhotoshoot(db(), free.id, 'failed')).toBe('released');
    expect(await balanceBreakdown(db(), user.id)).toEqual({ balance: 4, paid: 3, free: 1 });
    await use(user.id);
    const bought = await start(user.id);
    expect(bought.orderId).toBe(order.id);
    expect(await balanceBreakdown(db(), user.id)).toEqual({ balance: 2, paid: 2, free: 0 });
    expect(await finishPhotoshoot(db(), bought.id, 'failed')).toBe('released');
    expect(await balanceBreakdown(db(), user.id)).toEqual({ balance: 3, paid: 3, free: 0 });
    expect(await recordRefund(db(), order.id)).toMatchObject({ debited: 3, shortfall: 0, balance: 0 });
    expect(await balanceAndLedger(db(), 8104)).toEqual({ balance: 0, ledgerSum: 0 });
  });

  it.runIf(usingPostgres)('a refund racing Generate: each credit is spent or taken back, never both', async () => {
    const user = await seller(8105);
    const order = await buy(user.id, 'ch-8105');
    const [refund, spend] = await Promise.allSettled([recordRefund(db(), order.id), start(user.id)]);
    expect(refund.status).toBe('fulfilled');
    const row = await orderRow(order.id);
    const spent = spend.status === 'fulfilled' ? 1 : 0;
    expect(row).toMatchObject({ remaining: 0, refundDebited: 3 - spent, refundShortfall: spent });
    expect(await balanceAndLedger(db(), 8105)).toEqual({ balance: 0, ledgerSum: 0 });
  });
});

describe('the accounting under concurrency', () => {
  it('spends, releases, commits, grants and refunds at once: every order accounts for each of its photoshoots', async () => {
    const user = await seller(8301, 2);
    const first = await buy(user.id, 'ch-8301-a');
    const second = await buy(user.id, 'ch-8301-b');
    const spend = (i: number) => start(user.id, { batchId: `race-${i}` });
    const spent = await Promise.allSettled([
      ...Array.from({ length: 6 }, (_, i) => spend(i)),
      changeBalance(db(), { userId: user.id, delta: 1, reason: 'admin_grant', reference: 'admin:1' }),
    ]);
    const jobs = spent.flatMap((r) => (r.status === 'fulfilled' && typeof r.value === 'object' ? [r.value] : []));
    expect(spent.flatMap((r) => (r.status === 'rejected' ? [String(r.reason?.cause ?? r.reason)] : []))).toEqual([]);
    expect(jobs).toHaveLength(6);
    // Half deliver, half deliver nothing, while both orders are refunded.
    await Promise.all([
      ...jobs.map(async (job, i) => {
        if (i % 2 === 0) await deliverFirstImage(db(), job.id);
        await finishPhotoshoot(db(), job.id, i % 2 === 0 ? 'done' : 'failed');
      }),
      recordRefund(db(), first.id),
      recordRefund(db(), second.id),
    ]);
    const rows = await queryRows<{ id: number; photoshoots: number; debited: number; shortfall: number; used: number }>(
      db(),
      sql`select o.id, o.photoshoots, o.refund_debited as debited, o.refund_shortfall as shortfall,
                 (select count(*) from photoshoots p where p.order_id = o.id and p.credit_state = 'committed')::int as used
            from orders o where o.user_id = ${user.id} order by o.id`,
    );
    for (const row of rows) {
      expect(Number(row.debited) + Number(row.shortfall)).toBe(row.photoshoots);
      expect(Number(row.shortfall)).toBe(Number(row.used));
    }
    const breakdown = await balanceBreakdown(db(), user.id);
    expect(breakdown.paid).toBe(0);
    // Free credits (2 signup + 1 grant) not committed are still on the balance, and nothing else.
    const freeUsed = await queryRows<{ n: number }>(
      db(),
      sql`select count(*)::int as n from photoshoots where user_id = ${user.id} and order_id is null and credit_state = 'committed'`,
    );
    expect(breakdown.balance).toBe(3 - Number(freeUsed[0]?.n));
    expect(await balanceAndLedger(db(), 8301)).toEqual({ balance: breakdown.balance, ledgerSum: breakdown.balance });
  });
});

describe('the backfill of bought photoshoots', () => {
  it('attributes what the old rule counted as bought to the newest paid orders', async () => {
    // The old rule: bought = min(balance, purchases - refunds). 2 free, 3 + 3 bought, 4 used: 4 left, all bought.
    const user = await seller(8201, 2);
    const older = await buy(user.id, 'ch-8201-a');
    const newer = await buy(user.id, 'ch-8201-b');
    for (let i = 0; i < 3; i++) await use(user.id);
    const inFlight = await start(user.id);
    await db().execute(sql`update orders set remaining = 0 where user_id = ${user.id}`);
    await db().execute(sql`update photoshoots set order_id = null, is_free = false where id = ${inFlight.id}`);

    const migration = await readFile(
      new URL('../../drizzle/0007_order_remaining_backfill.sql', import.meta.url),
      'utf8',
    );
    for (const statement of migration.split('--> statement-breakpoint')) await db().execute(sql.raw(statement));

    expect((await orderRow(older.id))?.remaining).toBe(1);
    expect((await orderRow(newer.id))?.remaining).toBe(3);
    expect(await balanceBreakdown(db(), user.id)).toEqual({ balance: 4, paid: 4, free: 0 });
    // The job in flight was paid with a bought credit: it belongs to the newest order with one spent.
    const [job] = await db().select().from(photoshoots).where(eq(photoshoots.id, inFlight.id));
    expect(job?.orderId).toBe(older.id);
  });
});
