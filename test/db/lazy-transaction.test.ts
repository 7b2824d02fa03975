import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { PgDatabase, PgDialect, PgPreparedQuery, PgSession } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, queryRows } from '../../src/db/client.js';
import { DRIZZLE_ORM_VERSION, lazyTransaction } from '../../src/db/lazy-transaction.js';
import { orders, users } from '../../src/db/schema.js';
import { findUserByTelegramId, registerUser } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const txid = async (db: Database) =>
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
    // Nor does a statement after the commit reach the ended transaction.
    await expect(txid(transaction.db)).rejects.toThrow(/transaction is closed/);
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

  it('runs a prepared statement again with other values, and maps returned rows as drizzle does', async () => {
    const { user } = await registerUser(
      database.handle.db,
      { id: 8_100_004, first_name: 'Twice' },
      { freePhotoshoots: 0 },
    );
    const transaction = lazyTransaction(database.handle.db);
    // Built before the transaction exists: every execution runs it in the transaction.
    const byTelegramId = transaction.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.telegramId, sql.placeholder('telegramId')))
      .prepare('lazy_user_by_telegram_id');
    expect(await byTelegramId.execute({ telegramId: 8_100_004 })).toEqual([{ id: user.id }]);
    expect(await byTelegramId.execute({ telegramId: 8_100_999 })).toEqual([]);
    const [renamed] = await transaction.db
      .update(users)
      .set({ firstName: 'Renamed' })
      .where(eq(users.id, user.id))
      .returning();
    await transaction.commit();
    expect(renamed?.firstName).toBe('Renamed');
    expect(renamed?.createdAt).toBeInstanceOf(Date);
  });
});

const upgradeAdvice = (found: string) =>
  `src/db/lazy-transaction.ts builds on drizzle-orm ${DRIZZLE_ORM_VERSION}'s internals and found ${found}. ` +
  'Before moving to another release, read its pg-core/db.js and pg-core/session.js (and the ' +
  'postgres-js and pglite sessions): the fields PgDatabase keeps (dialect, session, _) and its ' +
  'constructor, the arguments of PgSession.prepareQuery and of the PgPreparedQuery constructor, ' +
  'setToken, mapResult and joinsNotNullableMap. Adapt lazy-transaction.ts, run this file on ' +
  'PostgreSQL and on PGlite, then set DRIZZLE_ORM_VERSION there and the exact version in package.json.';

describe('the drizzle-orm internals lazyTransaction builds on', () => {
  it('is the drizzle-orm release it was written against, pinned exactly', () => {
    const require = createRequire(import.meta.url);
    const installedManifest = path.join(path.dirname(require.resolve('drizzle-orm')), 'package.json');
    const installed = (JSON.parse(readFileSync(installedManifest, 'utf8')) as { version: string }).version;
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(installed, upgradeAdvice(`drizzle-orm ${installed} installed`)).toBe(DRIZZLE_ORM_VERSION);
    expect(manifest.dependencies['drizzle-orm'], upgradeAdvice('another version in package.json')).toBe(
      DRIZZLE_ORM_VERSION,
    );
  });

  it('is the only module that reaches into them', () => {
    const src = new URL('../../src/', import.meta.url);
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const reaching = files.filter(
      (file) =>
        file !== path.join('db', 'lazy-transaction.ts') &&
        /\b(PgSession|PgPreparedQuery|PgDialect|PreparedQueryConfig)\b/.test(readFileSync(new URL(file, src), 'utf8')),
    );
    expect(reaching, 'drizzle-orm internals belong in src/db/lazy-transaction.ts alone').toEqual([]);
  });

  it('finds the fields and signatures it reads', () => {
    const internals = database.handle.db as unknown as {
      dialect: unknown;
      session: PgSession;
      _: Record<string, unknown>;
    };
    const changed = upgradeAdvice('a change in them');
    expect(internals.dialect, changed).toBeInstanceOf(PgDialect);
    expect(internals.session, changed).toBeInstanceOf(PgSession);
    expect(Object.keys(internals._), changed).toEqual(
      expect.arrayContaining(['schema', 'fullSchema', 'tableNamesMap']),
    );
    expect(internals._.schema, changed).toHaveProperty('users');
    // (dialect, session, schema); (query, cache, queryMetadata, cacheConfig); and (query, fields,
    // name, isResponseInArrayMode, customResultMapper, queryMetadata, cacheConfig), of which
    // the deferred query passes on the 4th, 6th and 7th.
    expect(PgDatabase.length, changed).toBe(3);
    expect(PgPreparedQuery.length, changed).toBe(4);
    expect(internals.session.prepareQuery.length, changed).toBe(7);
    const preparedQuery = PgPreparedQuery.prototype as unknown as Record<string, unknown>;
    expect(typeof preparedQuery.setToken, changed).toBe('function');
    expect(typeof preparedQuery.mapResult, changed).toBe('function');
    // A select with a join tells the row mapper which joined tables may be null, on the prepared query.
    const prepared = database.handle.db
      .select()
      .from(users)
      .leftJoin(orders, eq(orders.userId, users.id))
      .prepare('lazy_internals_join');
    expect((prepared as unknown as { joinsNotNullableMap: unknown }).joinsNotNullableMap, changed).toEqual({
      users: true,
      orders: false,
    });
  });
});
