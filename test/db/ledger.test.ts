import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { changeBalance, InsufficientBalanceError, recentLedgerEntries } from '../../src/db/ledger.js';
import { balanceLedger, users } from '../../src/db/schema.js';
import { registerUser } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

async function sumOfDeltas(userId: number): Promise<number> {
  const [row] = await queryRows<{ total: string | number }>(
    database.handle.db,
    sql`select coalesce(sum(delta), 0) as total from balance_ledger where user_id = ${userId}`,
  );
  return Number(row?.total);
}

async function balanceOf(userId: number): Promise<number> {
  const [row] = await database.handle.db.select({ balance: users.balance }).from(users).where(eq(users.id, userId));
  return row?.balance ?? Number.NaN;
}

describe('changeBalance', () => {
  it('keeps the sum of deltas equal to the balance through grants, reserves and releases', async () => {
    const { db } = database.handle;
    const { user } = await registerUser(db, { id: 5001, first_name: 'Ledger' }, { freePhotoshoots: 2 });
    expect(await changeBalance(db, { userId: user.id, delta: 10, reason: 'purchase', reference: 'order:1' })).toBe(12);
    expect(
      await changeBalance(db, { userId: user.id, delta: -1, reason: 'photoshoot_reserve', reference: 'ps:1' }),
    ).toBe(11);
    expect(
      await changeBalance(db, { userId: user.id, delta: 1, reason: 'photoshoot_release', reference: 'ps:1' }),
    ).toBe(12);
    expect(await balanceOf(user.id)).toBe(12);
    expect(await sumOfDeltas(user.id)).toBe(12);
    const entries = await recentLedgerEntries(db, user.id);
    expect(entries.map((e) => [e.reason, e.delta, e.balanceAfter])).toEqual([
      ['photoshoot_release', 1, 12],
      ['photoshoot_reserve', -1, 11],
      ['purchase', 10, 12],
      ['signup_bonus', 2, 2],
    ]);
  });

  it('refuses to go below zero and writes nothing', async () => {
    const { db } = database.handle;
    const { user } = await registerUser(db, { id: 5002, first_name: 'Broke' }, { freePhotoshoots: 1 });
    await expect(
      changeBalance(db, { userId: user.id, delta: -2, reason: 'photoshoot_reserve' }),
    ).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect(await balanceOf(user.id)).toBe(1);
    expect((await recentLedgerEntries(db, user.id)).length).toBe(1);
  });

  it('rejects a zero or fractional delta', async () => {
    const { db } = database.handle;
    await expect(changeBalance(db, { userId: 1, delta: 0, reason: 'admin_grant' })).rejects.toThrow(RangeError);
    await expect(changeBalance(db, { userId: 1, delta: 1.5, reason: 'admin_grant' })).rejects.toThrow(RangeError);
  });

  it('rolls back with the surrounding transaction', async () => {
    const { db } = database.handle;
    const { user } = await registerUser(db, { id: 5003, first_name: 'Rollback' }, { freePhotoshoots: 2 });
    await expect(
      db.transaction(async (tx) => {
        await changeBalance(tx, { userId: user.id, delta: 5, reason: 'admin_grant' });
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await balanceOf(user.id)).toBe(2);
    expect(await sumOfDeltas(user.id)).toBe(2);
  });

  it('stays exact under concurrent changes to one balance', async () => {
    const { db } = database.handle;
    const { user } = await registerUser(db, { id: 5004, first_name: 'Busy' }, { freePhotoshoots: 5 });
    // 20 reserves against a balance of 5 (+ 5 grants racing): exactly the affordable ones succeed.
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, () =>
        changeBalance(db, { userId: user.id, delta: -1, reason: 'photoshoot_reserve' }),
      ),
      ...Array.from({ length: 5 }, () => changeBalance(db, { userId: user.id, delta: 1, reason: 'admin_grant' })),
    ]);
    const reserved = results.slice(0, 20).filter((r) => r.status === 'fulfilled').length;
    expect(results.slice(20).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(reserved).toBeGreaterThanOrEqual(5);
    expect(reserved).toBeLessThanOrEqual(10);
    expect(await balanceOf(user.id)).toBe(10 - reserved);
    expect(await sumOfDeltas(user.id)).toBe(10 - reserved);
    const rows = await db.select().from(balanceLedger).where(eq(balanceLedger.userId, user.id));
    expect(rows.length).toBe(1 + 5 + reserved);
  });
});
