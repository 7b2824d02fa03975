import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { sellerWithHistory } from '../support/history.js';
import { textMessage, withId } from '../support/updates.js';

/** 17:40 UTC is 20:40 in Moscow: a time said in the wrong zone shows. */
const AT = '2026-11-29T17:40:00Z';
const ADMIN = 9601;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

/** A seller with two delivered photoshoots, the seller and every row of them made at AT. */
async function sellerAt(telegramId: number, languageCode: string) {
  const db = database.handle.db;
  const from = { id: telegramId, first_name: 'T', language_code: languageCode };
  const { user } = await sellerWithHistory(db, from, 2);
  await db.execute(sql`update processed_images set created_at = ${AT} where user_id = ${user.id}`);
  await db.execute(sql`update photoshoots set created_at = ${AT} where user_id = ${user.id}`);
  await db.execute(sql`update balance_ledger set created_at = ${AT} where user_id = ${user.id}`);
  await db.execute(sql`update users set created_at = ${AT} where id = ${user.id}`);
  return from;
}

async function answer(h: ReturnType<typeof createBotHarness>, from: { id: number }, text: string) {
  const before = h.sent().length;
  await h.handle(withId(textMessage(from, text)));
  return h
    .sent()
    .slice(before)
    .map((c) => String(c.payload.text))
    .join('\n');
}

describe('times in messages', () => {
  it.each([
    ['en', 9611, '4 images'],
    ['ru', 9612, '4 изображения'],
  ])('a seller (%s) reads /history and /balance in UTC, said as UTC', async (locale, id, images) => {
    const seller = await sellerAt(id, locale);
    // The admins' zone is not the sellers'.
    const h = createBotHarness({ db: database.handle.db, timeZone: 'Europe/Moscow' });
    expect(await answer(h, seller, '/history')).toMatch(
      new RegExp(`· 2026-11-29 17:40 UTC · 1:1 · A, B, C, D · ${images}`),
    );
    expect(await answer(h, seller, '/balance')).toContain('2026-11-29 17:40 UTC · +2 · ');
  });

  it('an admin reads /user in STATS_TIME_ZONE, with the zone named', async () => {
    await sellerAt(9613, 'en');
    const h = createBotHarness({ db: database.handle.db, timeZone: 'Europe/Moscow', adminIds: [ADMIN] });
    const text = await answer(h, { id: ADMIN }, '/user 9613');
    expect(text).toContain('Joined 2026-11-29 20:40 Europe/Moscow · last seen ');
    expect(text).toContain('2026-11-29 20:40 Europe/Moscow · +2 · ');
    expect(text).not.toMatch(/\d\d:\d\d(?! [A-Z][\w/]+)/);
  });
});
