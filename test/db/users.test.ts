import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceLedger, users } from '../../src/db/schema.js';
import { findUserByTelegramId, registerUser, rememberStartPayload } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const HOSTILE = [
  "Robert'); DROP TABLE users;--",
  'שלום עולם مرحبا',
  '😀👩‍👩‍👧‍👦 "quoted" \\backslash\\ $1 %s',
  '\u202Ereversed\u202C',
];

describe('registerUser', () => {
  it('creates a user once and grants the signup bonus once, under 10 concurrent first contacts', async () => {
    const { db } = database.handle;
    const profile = { id: 7_000_000_001, first_name: 'Racer', language_code: 'en' };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => db.transaction((tx) => registerUser(tx, profile, { freePhotoshoots: 2 }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const user = await findUserByTelegramId(db, profile.id);
    expect(user?.balance).toBe(2);
    const bonuses = await db
      .select()
      .from(balanceLedger)
      .where(and(eq(balanceLedger.userId, user?.id ?? -1), eq(balanceLedger.reason, 'signup_bonus')));
    expect(bonuses).toHaveLength(1);
  });

  it('refreshes the profile and last_seen_at without a second bonus', async () => {
    const { db } = database.handle;
    const first = await registerUser(db, { id: 7001, first_name: 'Old', username: 'old' }, { freePhotoshoots: 3 });
    await new Promise((r) => setTimeout(r, 5));
    const second = await registerUser(db, { id: 7001, first_name: 'New', username: 'new' }, { freePhotoshoots: 3 });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.user.firstName).toBe('New');
    expect(second.user.balance).toBe(3);
    expect(second.user.lastSeenAt.getTime()).toBeGreaterThan(first.user.lastSeenAt.getTime());
    expect(second.user.updatedAt.getTime()).toBeGreaterThan(first.user.updatedAt.getTime());
  });

  it('grants nothing when FREE_PHOTOSHOOTS is 0', async () => {
    const { db } = database.handle;
    const { user } = await registerUser(db, { id: 7002, first_name: 'Zero' }, { freePhotoshoots: 0 });
    expect(user.balance).toBe(0);
    expect(await db.select().from(balanceLedger).where(eq(balanceLedger.userId, user.id))).toHaveLength(0);
  });

  it.each(HOSTILE.map((text, i) => [i, text] as const))('stores hostile text %i verbatim', async (i, text) => {
    const { db } = database.handle;
    const { user } = await registerUser(
      db,
      { id: 7100 + i, first_name: text, last_name: text, username: `u${i}` },
      { freePhotoshoots: 1 },
    );
    await rememberStartPayload(db, user.id, text);
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row?.firstName).toBe(text);
    expect(row?.lastName).toBe(text);
    expect(row?.startPayload).toBe(text);
  });

  it('keeps the first deep-link payload and caps its length without splitting characters', async () => {
    const { db } = database.handle;
    const { user } = await registerUser(db, { id: 7200, first_name: 'Link' }, { freePhotoshoots: 1 });
    await rememberStartPayload(db, user.id, `${'😀'.repeat(300)}`);
    await rememberStartPayload(db, user.id, 'second');
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(Array.from(row?.startPayload ?? '')).toHaveLength(256);
    expect(row?.startPayload).toBe('😀'.repeat(256));
  });
});
