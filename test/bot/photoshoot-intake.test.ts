import { eq, sql } from 'drizzle-orm';
import type { Update } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyData } from '../../src/bot/callback-data/buy.js';
import { generateData, keepNameData, ratioData, saveData, sourceData } from '../../src/bot/callback-data/photoshoot.js';
import { cancelQuestionData } from '../../src/bot/callback-data/questions.js';
import { STYLE_NAME_MAX } from '../../src/bot/style-name.js';
import { savedStylesOf } from '../../src/db/saved-styles.js';
import { photoshootDrafts, photoshoots } from '../../src/db/schema.js';
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

/** The bot with the photoshoot flow; no model is called on these paths. */
const harness = (freePhotoshoots = 2) => createPhotoshootHarness({ db: database.handle.db, freePhotoshoots });

function document(from: number, mime: string, size = 1000): Update {
  return withId({
    message: {
      message_id: 5,
      date: 0,
      chat: { id: from, type: 'private', first_name: 'S' },
      from: { id: from, is_bot: false, first_name: 'S' },
      document: {
        file_id: `doc-${from}`,
        file_unique_id: `udoc-${from}`,
        mime_type: mime,
        file_size: size,
        file_name: 'x',
      },
    },
  });
}

const lastText = (h: ReturnType<typeof harness>) => String(h.sent().at(-1)?.payload.text);
const buttons = (call: { payload: Record<string, unknown> } | undefined) =>
  (
    (call?.payload.reply_markup as { inline_keyboard: { callback_data: string }[][] } | undefined)?.inline_keyboard ??
    []
  ).flat();

async function draftsOf(telegramId: number) {
  const user = await findUserByTelegramId(database.handle.db, telegramId);
  return database.handle.db
    .select()
    .from(photoshootDrafts)
    .where(eq(photoshootDrafts.userId, user?.id ?? -1));
}

describe('photo intake', () => {
  it('refuses files that are not images, unsupported formats and files over 20 MB, clearly', async () => {
    const h = harness();
    await h.handle(document(701, 'application/pdf'));
    expect(lastText(h)).toContain('This file is not an image');
    await h.handle(document(701, 'image/gif'));
    expect(lastText(h)).toContain('This image format is not supported');
    await h.handle(document(701, 'image/png', 25 * 1024 * 1024));
    expect(lastText(h)).toContain('larger than 20 MB');
    expect(await draftsOf(701)).toHaveLength(0);
  });

  it('takes the largest photo size and an image sent as a file, and asks for the aspect ratio', async () => {
    const h = harness();
    await h.handle(withId(photoMessage({ id: 702 }, { file_id: 'big', file_unique_id: 'ubig' })));
    expect(lastText(h)).toContain('aspect ratio');
    // The five ratios, and the marketplaces (each sets its own ratio).
    expect(buttons(h.sent().at(-1)).map((b) => b.callback_data)).toEqual([
      ...['1x1', '3x4', '4x3', '16x9', '9x16'].map((ratio) =>
        expect.stringMatching(new RegExp(`^ps-ratio:\\d+:${ratio}$`)),
      ),
      expect.stringMatching(/^ps-mkts:\d+$/),
    ]);
    await h.handle(document(702, 'image/webp'));
    const drafts = await draftsOf(702);
    expect(drafts.map((d) => d.photos[0]?.fileId)).toEqual(['big', 'doc-702']);
  });

  it("refuses buttons of someone else's draft, and keeps working for the owner after a restart", async () => {
    const before = harness();
    await before.handle(withId(photoMessage({ id: 703 }, { file_id: 'p703', file_unique_id: 'u703' })));
    const ratio = buttons(before.sent().at(-1))[0]?.callback_data ?? '';
    const stranger = harness();
    await stranger.handle(withId(callbackQuery({ id: 704 }, ratio)));
    expect(stranger.sent('answerCallbackQuery')[0]?.payload.text).toBe('This button is not yours.');
    // A new bot instance: the draft lives in the database, so the old keyboard still works.
    const after = harness();
    await after.handle(withId(callbackQuery({ id: 703 }, ratio)));
    expect(String(after.sent('editMessageText')[0]?.payload.text)).toContain('Where should the styles come from');
  });

  it('answers forged and unknown photoshoot buttons without an error', async () => {
    const h = harness();
    for (const data of [
      ratioData.pack({ draft: 999_999, ratio: '1x1' }),
      'ps-ratio:1:2x7',
      generateData.pack({ draft: 999_999 }),
      'ps-go:abc',
    ]) {
      await h.handle(withId(callbackQuery({ id: 705 }, data)));
    }
    const answers = h.sent('answerCallbackQuery').map((c) => c.payload.text);
    expect(answers).toEqual(Array(4).fill('This button is no longer active.'));
  });

  it('queues once, charges once, keeps a second photo as the next draft, and cancels with the credit back', async () => {
    const h = harness();
    await h.handle(withId(photoMessage({ id: 706 }, { file_id: 'p706', file_unique_id: 'u706' })));
    const [draft] = await draftsOf(706);
    const id = draft?.id ?? 0;
    await h.handle(withId(callbackQuery({ id: 706 }, ratioData.pack({ draft: id, ratio: '3x4' }))));
    await h.handle(withId(callbackQuery({ id: 706 }, sourceData.pack({ draft: id, source: 'random' }))));
    await h.handle(withId(callbackQuery({ id: 706 }, generateData.pack({ draft: id }))));
    expect(h.kicks()).toBe(1);
    expect((await findUserByTelegramId(database.handle.db, 706))?.balance).toBe(1);

    await h.handle(withId(photoMessage({ id: 706 }, { file_id: 'p706b', file_unique_id: 'u706b' })));
    expect(lastText(h)).toContain('Your current photoshoot is still running: set this one up now');
    expect(await draftsOf(706)).toHaveLength(2);
    expect((await findUserByTelegramId(database.handle.db, 706))?.balance).toBe(1);

    await h.handle(withId(textMessage({ id: 706 }, '/cancel')));
    expect(lastText(h)).toContain('Photoshoot cancelled.');
    expect(lastText(h)).toContain('Returned to your balance: 1. Balance now: 2.');
    expect((await findUserByTelegramId(database.handle.db, 706))?.balance).toBe(2);
    const user = await findUserByTelegramId(database.handle.db, 706);
    const jobs = await database.handle.db
      .select()
      .from(photoshoots)
      .where(eq(photoshoots.userId, user?.id ?? -1));
    expect(jobs.map((j) => [j.status, j.creditState])).toEqual([['canceled', 'released']]);

    await h.handle(withId(textMessage({ id: 706 }, '/cancel')));
    expect(lastText(h)).toContain('There is no photoshoot to cancel');
  });

  it('offers no photoshoot without a balance, and keeps the draft for later', async () => {
    const h = harness();
    await h.handle(withId(textMessage({ id: 707 }, '/start')));
    const user = await findUserByTelegramId(database.handle.db, 707);
    await database.handle.db.execute(sql`delete from balance_ledger where user_id = ${user?.id ?? -1}`);
    await database.handle.db.execute(sql`update users set balance = 0 where id = ${user?.id ?? -1}`);
    await h.handle(withId(photoMessage({ id: 707 }, { file_id: 'p707', file_unique_id: 'u707' })));
    const [draft] = await draftsOf(707);
    const id = draft?.id ?? 0;
    await h.handle(withId(callbackQuery({ id: 707 }, ratioData.pack({ draft: id, ratio: '1x1' }))));
    await h.handle(withId(callbackQuery({ id: 707 }, sourceData.pack({ draft: id, source: 'random' }))));
    await h.handle(withId(callbackQuery({ id: 707 }, generateData.pack({ draft: id }))));
    expect(lastText(h)).toContain('no photoshoots left');
    expect(buttons(h.sent().at(-1)).map((b) => b.callback_data)).toEqual([buyData.pack({})]);
    expect(h.kicks()).toBe(0);
    expect((await draftsOf(707))[0]?.submittedAt).toBeNull();
  });

  it('turns an album into a batch: one draft, one keyboard, one job per photo, each charged', async () => {
    const h = harness(5);
    const album = (n: number) =>
      withId(photoMessage({ id: 708 }, { file_id: `a${n}`, file_unique_id: `ua${n}` }, 'album-1'));
    await Promise.all([1, 2, 3].map((n) => h.handle(album(n))));
    expect(h.sent()).toHaveLength(1);
    expect(lastText(h)).toContain('Batch mode');
    const [draft] = await draftsOf(708);
    expect(draft?.photos.map((p) => p.fileId).sort()).toEqual(['a1', 'a2', 'a3']);
    const id = draft?.id ?? 0;
    await h.handle(withId(callbackQuery({ id: 708 }, ratioData.pack({ draft: id, ratio: '16x9' }))));
    await h.handle(withId(callbackQuery({ id: 708 }, sourceData.pack({ draft: id, source: 'random' }))));
    expect(String(h.sent('editMessageText').at(-1)?.payload.text)).toContain('Photos: 3. Cost: 3 photoshoots.');
    await h.handle(withId(callbackQuery({ id: 708 }, generateData.pack({ draft: id }))));
    const user = await findUserByTelegramId(database.handle.db, 708);
    expect(user?.balance).toBe(2);
    const jobs = await database.handle.db
      .select()
      .from(photoshoots)
      .where(eq(photoshoots.userId, user?.id ?? -1));
    expect(jobs.map((j) => [j.batchId, j.sourceFileId]).sort()).toEqual([
      [`draft-${id}`, 'a1'],
      [`draft-${id}`, 'a2'],
      [`draft-${id}`, 'a3'],
    ]);
  });

  it('queues nothing from a batch larger than the balance', async () => {
    const h = harness(2);
    for (const n of [1, 2, 3]) {
      await h.handle(withId(photoMessage({ id: 709 }, { file_id: `b${n}`, file_unique_id: `ub${n}` }, 'album-2')));
    }
    const [draft] = await draftsOf(709);
    const id = draft?.id ?? 0;
    await h.handle(withId(callbackQuery({ id: 709 }, ratioData.pack({ draft: id, ratio: '1x1' }))));
    await h.handle(withId(callbackQuery({ id: 709 }, sourceData.pack({ draft: id, source: 'random' }))));
    await h.handle(withId(callbackQuery({ id: 709 }, generateData.pack({ draft: id }))));
    expect(lastText(h)).toContain('no photoshoots left');
    const user = await findUserByTelegramId(database.handle.db, 709);
    expect(user?.balance).toBe(2);
    expect(
      await database.handle.db
        .select()
        .from(photoshoots)
        .where(eq(photoshoots.userId, user?.id ?? -1)),
    ).toHaveLength(0);
  });
});

describe('saving a style', () => {
  /** A delivered photoshoot of `telegramId` with styles A-D. */
  async function finishedPhotoshoot(telegramId: number) {
    const h = harness(3);
    await h.handle(withId(textMessage({ id: telegramId }, '/start')));
    const db = database.handle.db;
    const user = await findUserByTelegramId(db, telegramId);
    const job = await deliveredPhotoshoot(db, {
      userId: user?.id ?? -1,
      chatId: telegramId,
      styles: ['A', 'B', 'C', 'D'],
    });
    return { h, job, userId: user?.id ?? -1 };
  }

  it('asks for a name, refuses an empty or too long one, keeps the question open, and saves the name given', async () => {
    const { h, job, userId } = await finishedPhotoshoot(720);
    await h.handle(withId(callbackQuery({ id: 720 }, saveData.pack({ job: job.id, position: 1 }))));
    const prompt = h.sent().at(-1);
    expect(String(prompt?.payload.text)).toContain('What should I call this style?');
    expect(buttons(prompt).map((b) => b.callback_data)).toEqual([
      keepNameData.pack({ job: job.id, position: 1 }),
      cancelQuestionData.pack({ kind: 'style-name' }),
    ]);
    await h.handle(withId(textMessage({ id: 720 }, 'x'.repeat(STYLE_NAME_MAX + 1))));
    expect(lastText(h)).toContain(`1 to ${STYLE_NAME_MAX} characters`);
    await h.handle(withId(textMessage({ id: 720 }, '   ')));
    expect(lastText(h)).toContain(`1 to ${STYLE_NAME_MAX} characters`);
    await h.handle(withId(textMessage({ id: 720 }, ' My   summer\nlook ')));
    expect(lastText(h)).toContain('Saved “My summer look”');
    expect(await savedStylesOf(database.handle.db, userId)).toMatchObject([
      { name: 'My summer look', scene: 'scene B' },
    ]);
    // The question is answered: the next text is an ordinary message again.
    await h.handle(withId(textMessage({ id: 720 }, 'hello')));
    expect(lastText(h)).toContain('I did not understand that');
  });

  it("keeps the style's own name with one tap, refuses a fifth style and someone else's button", async () => {
    const { h, job, userId } = await finishedPhotoshoot(721);
    for (const position of [0, 1, 2, 3]) {
      await h.handle(withId(callbackQuery({ id: 721 }, keepNameData.pack({ job: job.id, position }))));
    }
    expect((await savedStylesOf(database.handle.db, userId)).map((s) => s.name)).toEqual(['A', 'B', 'C', 'D']);
    // A saved style again is refused as such; a fifth one as one too many.
    await h.handle(withId(callbackQuery({ id: 721 }, saveData.pack({ job: job.id, position: 0 }))));
    expect(h.sent('answerCallbackQuery').at(-1)?.payload.text).toBe('⭐ You already saved this style as “A”.');
    const fifth = await deliveredPhotoshoot(database.handle.db, { userId, chatId: 721, styles: ['E'] });
    await h.handle(withId(callbackQuery({ id: 721 }, saveData.pack({ job: fifth.id, position: 0 }))));
    expect(h.sent('answerCallbackQuery').at(-1)?.payload).toMatchObject({
      text: expect.stringContaining('already have 4 saved styles'),
      show_alert: true,
    });
    await h.handle(withId(callbackQuery({ id: 722 }, saveData.pack({ job: job.id, position: 0 }))));
    expect(h.sent('answerCallbackQuery').at(-1)?.payload.text).toBe('This button is not yours.');
  });
});
