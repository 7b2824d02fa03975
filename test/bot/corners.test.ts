import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateData, ratioData, saveData, sourceData } from '../../src/bot/callback-data/photoshoot.js';
import { historyPageData, resendData } from '../../src/bot/features/history.js';
import { STYLE_NAME_MAX } from '../../src/bot/style-name.js';
import { openDraft } from '../../src/db/drafts.js';
import { savedStylesOf } from '../../src/db/saved-styles.js';
import { photoshootDrafts, photoshoots, users } from '../../src/db/schema.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { deliveredPhotoshoot } from '../support/credits.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import { callbackQuery, photoMessage, textMessage, withId } from '../support/updates.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const ADMIN = 990_001;

const harness = (options: { generationConfigured: boolean }) =>
  createPhotoshootHarness({ db: database.handle.db, adminIds: [ADMIN], ...options });

const lastText = (h: ReturnType<typeof harness>) => String(h.sent().at(-1)?.payload.text);
const lastAnswer = (h: ReturnType<typeof harness>) => h.sent('answerCallbackQuery').at(-1)?.payload;
const userOf = (telegramId: number) => findUserByTelegramId(database.handle.db, telegramId);
const jobsOf = async (telegramId: number) =>
  database.handle.db
    .select()
    .from(photoshoots)
    .where(eq(photoshoots.userId, (await userOf(telegramId))?.id ?? -1));
const draftsOf = async (telegramId: number) =>
  database.handle.db
    .select()
    .from(photoshootDrafts)
    .where(eq(photoshootDrafts.userId, (await userOf(telegramId))?.id ?? -1));

describe('a bot without OPENAI_API_KEY', () => {
  it('tells the seller at the photo, before any draft or charge', async () => {
    const h = harness({ generationConfigured: false });
    await h.handle(withId(photoMessage({ id: 801 }, { file_id: 'p801', file_unique_id: 'u801' })));
    expect(lastText(h)).toContain('Photoshoots cannot be made right now');
    expect(lastText(h)).toContain('Nothing was charged');
    expect(await draftsOf(801)).toHaveLength(0);
    expect((await userOf(801))?.balance).toBe(2);
  });

  it('answers Generate with the message, charges nothing, queues nothing and keeps the draft', async () => {
    // The draft was set up while generation worked; the bot restarted without the key.
    const before = harness({ generationConfigured: true });
    await before.handle(withId(photoMessage({ id: 802 }, { file_id: 'p802', file_unique_id: 'u802' })));
    const [draft] = await draftsOf(802);
    const id = draft?.id ?? 0;
    await before.handle(withId(callbackQuery({ id: 802 }, ratioData.pack({ draft: id, ratio: '1x1' }))));
    await before.handle(withId(callbackQuery({ id: 802 }, sourceData.pack({ draft: id, source: 'random' }))));

    const h = harness({ generationConfigured: false });
    await h.handle(withId(callbackQuery({ id: 802 }, generateData.pack({ draft: id }))));
    expect(lastAnswer(h)).toMatchObject({
      text: expect.stringContaining('Photoshoots cannot be made right now'),
      show_alert: true,
    });
    expect((await userOf(802))?.balance).toBe(2);
    expect(await jobsOf(802)).toHaveLength(0);
    expect(h.kicks()).toBe(0);
    const userId = (await userOf(802))?.id ?? -1;
    expect(await openDraft(database.handle.db, id, userId)).toMatchObject({ id, styleSource: 'random' });
    // The analysis preview would call a model: it is refused the same way.
    await h.handle(withId(callbackQuery({ id: 802 }, sourceData.pack({ draft: id, source: 'analysis' }))));
    expect(String(lastAnswer(h)?.text)).toContain('Photoshoots cannot be made right now');

    // With the key back, the same button works: one charge, one job.
    const after = harness({ generationConfigured: true });
    await after.handle(withId(callbackQuery({ id: 802 }, generateData.pack({ draft: id }))));
    expect((await userOf(802))?.balance).toBe(1);
    expect(await jobsOf(802)).toHaveLength(1);
  });
});

describe('ids out of the database range', () => {
  it('answers forged buttons with ids past int4 as expired, not as an error', async () => {
    const h = harness({ generationConfigured: true });
    await h.handle(withId(textMessage({ id: 803 }, '/start')));
    const forged = [
      'ps-go:2147483648',
      'ps-ratio:99999999999:1x1',
      'ps-again:2147483648',
      'ps-retry:9007199254740993',
      'ps-save:2147483648:0',
      'hist-send:2147483648',
      'hist-page:1e3',
      'ps-go:012',
    ];
    for (const data of forged) await h.handle(withId(callbackQuery({ id: 803 }, data)));
    expect(h.sent('answerCallbackQuery').map((c) => c.payload.text)).toEqual(
      Array(forged.length).fill('This button is no longer active.'),
    );
    expect(h.sent().some((c) => String(c.payload.text).includes('something went wrong'))).toBe(false);
    // The largest id that fits is still an ordinary (unknown) button.
    await h.handle(withId(callbackQuery({ id: 803 }, generateData.pack({ draft: 2_147_483_647 }))));
    await h.handle(withId(callbackQuery({ id: 803 }, resendData.pack({ job: 2_147_483_647 }))));
    expect(h.sent('answerCallbackQuery').at(-1)?.payload.text).toBe('This button is no longer active.');
    expect(historyPageData.unpack('hist-page:3')).toEqual({ page: 3 });
  });

  it('answers admin commands with numbers out of range with their usage', async () => {
    const h = harness({ generationConfigured: true });
    const admin = { id: ADMIN };
    const replies: string[] = [];
    for (const command of [
      '/orders 999999',
      '/orders 0',
      '/user 99999999999999999999',
      '/grant 99999999999999999999 1',
      '/reply 99999999999999999999 hello',
    ]) {
      await h.handle(withId(textMessage(admin, command)));
      replies.push(lastText(h));
    }
    expect(replies[0]).toMatch(/^Usage: \/orders/);
    expect(replies[1]).toMatch(/^Usage: \/orders/);
    expect(replies[2]).toMatch(/^Usage: \/user/);
    expect(replies[3]).toMatch(/^Usage: \/grant/);
    expect(replies[4]).toMatch(/^Usage: \/reply/);
    // A reference holding a NUL (PostgreSQL text cannot) matches no order instead of failing.
    await h.handle(withId(textMessage(admin, '/refund ch\u0000arge')));
    expect(lastText(h)).toMatch(/^No order matches/);
    // The last page a button can reach is accepted (and empty).
    await h.handle(withId(textMessage(admin, '/orders 100000')));
    expect(lastText(h)).toContain('on page 100,000');
  });
});

describe('text PostgreSQL cannot store', () => {
  it('registers a user whose name holds NUL and a lone surrogate, and serves them', async () => {
    const h = harness({ generationConfigured: true });
    const sender = { id: 804, first_name: 'Ann\u0000a', last_name: 'X\uD800', username: 'nul_user' };
    await h.handle(withId(textMessage(sender, '/start')));
    expect(lastText(h)).not.toContain('something went wrong');
    await h.handle(withId(textMessage(sender, '/balance')));
    expect(lastText(h)).toContain('2');
    const [row] = await database.handle.db.select().from(users).where(eq(users.telegramId, 804));
    expect(row).toMatchObject({ firstName: 'Anna', lastName: 'X\uFFFD' });
  });
});

describe('style names', () => {
  async function savePrompt(telegramId: number) {
    const h = harness({ generationConfigured: true });
    await h.handle(withId(textMessage({ id: telegramId }, '/start')));
    const db = database.handle.db;
    const user = await userOf(telegramId);
    const job = await deliveredPhotoshoot(db, { userId: user?.id ?? -1, chatId: telegramId, styles: ['A', 'B'] });
    await h.handle(withId(callbackQuery({ id: telegramId }, saveData.pack({ job: job.id, position: 0 }))));
    expect(lastText(h)).toContain('What should I call this style?');
    return { h, userId: user?.id ?? -1 };
  }

  it('refuses invisible and direction-overriding names and keeps the question open', async () => {
    const { h, userId } = await savePrompt(805);
    for (const name of [
      '\u200B\u200B',
      '\u200D\uFEFF \u2060',
      '\u3164',
      'evil\u202Egnp.exe',
      'a\u2066b\u2069',
      'shop\u200Fname',
      'A\u0000B',
    ]) {
      await h.handle(withId(textMessage({ id: 805 }, name)));
      expect(lastText(h), JSON.stringify(name)).toContain('nothing visible in it');
    }
    expect(await savedStylesOf(database.handle.db, userId)).toHaveLength(0);
    // A family emoji is built with zero-width joiners: a fine name.
    await h.handle(withId(textMessage({ id: 805 }, 'Family 👨\u200D👩\u200D👧')));
    expect(lastText(h)).toContain('Saved “Family 👨\u200D👩\u200D👧”');
    expect((await savedStylesOf(database.handle.db, userId)).map((s) => s.name)).toEqual(['Family 👨\u200D👩\u200D👧']);
  });

  it('still counts the length in characters', async () => {
    const { h } = await savePrompt(806);
    await h.handle(withId(textMessage({ id: 806 }, '😀'.repeat(STYLE_NAME_MAX))));
    expect(lastText(h)).toContain('Saved');
  });
});
