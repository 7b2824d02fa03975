import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { lazyTransaction } from '../../src/db/lazy-transaction.js';
import { orders, users } from '../../src/db/schema.js';
import { findUserByTelegramId, registerUser } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const txid = async (db: TestDatabase['handle']['db']) =>
  (await queryRows<{ id: string }>(db, sql`select txid_current()::text as id`))[0]?.id;

describe('lazyTransaction', () => {
  it('begins nothing until a statement runs, then runs every statement in one transaction', async () => {
    const events: string[] = [];
    const transaction = lazyTransaction(database.handle.db, {
      begin: () => events.push('begin'),
      end: () => events.push('end'),
    });
    expect(transaction.begun).toBe(false);
    const first = await txid(transaction.db);
    await registerUser(transaction.db, { id: 8_100_001, first_name: 'Lazy' }, { freePhotoshoots: 1 });
    expect(await txid(transaction.db)).toBe(first);
    expect(transaction.begun).toBe(true);
    // Not visible outside until committed (embedded PGlite has one connection: that read would wait).
    if (usingPostgres) expect(await findUserByTelegramId(database.handle.db, 8_100_001)).toBeUndefined();
    await transaction.commit();
    expect(events).toEqual(['begin', 'end']);
    expect((await findUserByTelegramId(database.handle.db, 8_100_001))?.balance).toBe(1);
    expect(await txid(database.handle.db)).not.toBe(first);
  });

  it('commits and rolls back nothing when no statement ran', async () => {
    const events: string[] = [];
    const transaction = lazyTransaction(database.handle.db, { begin: () => events.push('begin') });
    await transaction.commit();
    await lazyTransaction(database.handle.db).rollback(new Error('unused'));
    // A statement after the end fails instead of beginning a transaction that nobody ends.
    await expect(txid(transaction.db)).rejects.toThrow(/transaction is closed/);
    expect(events).toEqual([]);
  });

  it('rolls back every statement, savepoints included', async () => {
    const transaction = lazyTransaction(database.handle.db);
    await registerUser(transaction.db, { id: 8_100_002, first_name: 'Gone' }, { freePhotoshoots: 1 });
    await transaction.db.transaction(async (inner) => {
      await inner.update(users).set({ firstName: 'Inner' }).where(eq(users.telegramId, 8_100_002));
    });
    const savepointFailed = transaction.db.transaction(async (inner) => {
      await inner.update(users).set({ firstName: 'Undone' }).where(eq(users.telegramId, 8_100_002));
      throw new Error('undo this savepoint');
    });
    await expect(savepointFailed).rejects.toThrow('undo this savepoint');
    expect((await findUserByTelegramId(transaction.db, 8_100_002))?.firstName).toBe('Inner');
    await transaction.rollback(new Error('handler failed'));
    expect(await findUserByTelegramId(database.handle.db, 8_100_002)).toBeUndefined();
  });

  it('maps joined rows as drizzle does: a left join with no match gives null', async () => {
    const { user } = await registerUser(
      database.handle.db,
      { id: 8_100_003, first_name: 'Solo' },
      { freePhotoshoots: 0 },
    );
    const transaction = lazyTransaction(database.handle.db);
    const rows = await transaction.db
      .select({ user: users, order: orders })
      .from(users)
      .leftJoin(orders, eq(orders.userId, users.id))
      .where(eq(users.id, user.id));
    const relational = await transaction.db.query.users.findFirst({ where: eq(users.id, user.id) });
    await transaction.commit();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.user.firstName).toBe('Solo');
    expect(rows[0]?.order).toBeNull();
    expect(relational?.telegramId).toBe(8_100_003);
  });
});
