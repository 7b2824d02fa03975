import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateData, ratioData, sourceData } from '../../src/bot/callback-data/photoshoot.js';
import { photoshootDrafts, photoshoots } from '../../src/db/schema.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { fixture } from '../support/fixtures.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import { callbackQuery, photoMessage, type Sender, withId } from '../support/updates.js';

let database: TestDatabase;
let fake: FakeBotApi;
beforeAll(async () => {
  database = await createTestDatabase();
  fake = await new FakeBotApi().start();
});
afterAll(async () => {
  await fake.close();
  await database.close();
});

let nextUser = 760_000;
const seller = (locale: 'en' | 'ru'): Sender => ({ id: nextUser++, language_code: locale });
/** The bot over the fake Bot API (getFile and downloads are real HTTP). */
const harness = () => createPhotoshootHarness({ db: database.handle.db, apiRoot: fake.apiRoot });

const textsTo = (chatId: number) =>
  fake.calls
    .filter((c) => /^(sendMessage|editMessageText)$/.test(c.method) && Number(c.payload.chat_id) === chatId)
    .map((c) => String(c.payload.text));

async function draftsOf(telegramId: number) {
  const user = await findUserByTelegramId(database.handle.db, telegramId);
  return database.handle.db
    .select()
    .from(photoshootDrafts)
    .where(eq(photoshootDrafts.userId, user?.id ?? -1))
    .orderBy(photoshootDrafts.id);
}

async function jobsOf(telegramId: number) {
  const user = await findUserByTelegramId(database.handle.db, telegramId);
  return database.handle.db
    .select()
    .from(photoshoots)
    .where(eq(photoshoots.userId, user?.id ?? -1));
}

/** A photo message whose largest size is width x height, with an optional caption. */
function photo(from: Sender, size: { width: number; height: number }, caption?: string) {
  const update = photoMessage(from, { file_id: `p-${from.id}-${nextUser++}`, file_unique_id: `u-${nextUser}` });
  const message = update.message as unknown as { photo: { width: number; height: number }[]; caption?: string };
  Object.assign(message.photo[1] ?? {}, size);
  if (caption !== undefined) message.caption = caption;
  return withId(update);
}

/** An image sent as a file: its bytes are on the fake Bot API for the probe. */
function imageFile(from: Sender, data: Buffer, mime = 'image/jpeg') {
  const file = fake.addFile(data);
  return withId({
    message: {
      message_id: nextUser++,
      date: 0,
      chat: { id: from.id, type: 'private', first_name: 'S' },
      from: { id: from.id, is_bot: false, first_name: 'S', language_code: from.language_code },
      document: { ...file, mime_type: mime, file_size: data.length, file_name: 'product.jpg' },
    },
  });
}

const TIPS = {
  en: 'Tip for the best results: good, even light, a plain background, and the whole product in the frame.',
  ru: 'Совет для лучшего результата: хороший ровный свет, однотонный фон и весь товар в кадре.',
};
const RATIO = { en: 'Choose the aspect ratio', ru: 'Выберите соотношение сторон' };

describe('photo intake, as the seller reads it', () => {
  for (const locale of ['en', 'ru'] as const) {
    it(`gives the photo tips with the first photo only, and records the photo and set-up messages (${locale})`, async () => {
      const h = harness();
      const from = seller(locale);
      const first = photo(from, { width: 1280, height: 960 });
      await h.handle(first);
      const [tips] = textsTo(from.id);
      expect(tips).toContain(TIPS[locale]);
      expect(tips).toContain(RATIO[locale]);
      expect(tips).not.toMatch(/soft|нечёткими/);
      await h.handle(photo(from, { width: 1280, height: 960 }));
      const second = textsTo(from.id)[1];
      expect(second).toContain(RATIO[locale]);
      expect(second).not.toContain(TIPS[locale]);
      const drafts = await draftsOf(from.id);
      expect(drafts).toHaveLength(2);
      expect(drafts[0]?.photos[0]?.messageId).toBe(first.message?.message_id);
      // The set-up message is the bot's reply with the ratio keyboard.
      const setUp = fake.calls.filter((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === from.id);
      expect(setUp).toHaveLength(2);
      expect(drafts.every((d) => typeof d.messageId === 'number')).toBe(true);
    });

    it(`accepts a 400x300 photo with a warning that the results will be soft (${locale})`, async () => {
      const h = harness();
      const from = seller(locale);
      await h.handle(photo(from, { width: 1280, height: 960 }));
      await h.handle(photo(from, { width: 400, height: 300 }));
      const text = textsTo(from.id).at(-1);
      expect(text).toContain(
        locale === 'en'
          ? 'This photo is small (400×300 px), so the results will be soft.'
          : 'Фото маленькое (400×300 пкс), поэтому результаты будут нечёткими.',
      );
      expect(text).toContain(RATIO[locale]);
      expect(await draftsOf(from.id)).toHaveLength(2);
    });

    it(`refuses a truncated or garbage image file on arrival, queueing nothing (${locale})`, async () => {
      const h = harness();
      const from = seller(locale);
      await h.handle(imageFile(from, fixture('truncated.jpg')));
      await h.handle(imageFile(from, fixture('corrupt-header.jpg')));
      await h.handle(imageFile(from, Buffer.from('%PDF-1.7 not a picture at all'), 'image/png'));
      const damaged = locale === 'en' ? 'This image is damaged or incomplete.' : 'Изображение повреждено';
      const notImage = locale === 'en' ? 'This file is not an image.' : 'Это не изображение.';
      const texts = textsTo(from.id);
      expect(texts).toHaveLength(3);
      expect(texts[0]).toContain(damaged);
      expect(texts[1]).toContain(damaged);
      expect(texts[2]).toContain(notImage);
      expect(await draftsOf(from.id)).toHaveLength(0);
      expect(await jobsOf(from.id)).toHaveLength(0);
      // A sound file, small on its short side: accepted with the warning, from its probed header.
      const small = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#c08040' } })
        .jpeg()
        .toBuffer();
      await h.handle(imageFile(from, small));
      expect(textsTo(from.id).at(-1)).toContain(locale === 'en' ? '(400×300 px)' : '(400×300 пкс)');
      expect(await draftsOf(from.id)).toHaveLength(1);
    });
  }

  it('downloads the file for its header with no transaction open', async () => {
    const h = harness();
    const from = seller('en');
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    fake.holdNext('getFile', held);
    const handled = h.handle(imageFile(from, fixture('flowers.jpeg')));
    await expect.poll(() => fake.calls.some((c) => c.method === 'getFile')).toBe(true);
    // The update waits for Telegram: it holds no transaction (nor a pooled connection) meanwhile.
    expect(h.transactionStats().active).toBe(0);
    release();
    await handled;
    expect(await draftsOf(from.id)).toHaveLength(1);
    expect(h.transactionStats().active).toBe(0);
  });

  it("keeps the photo's caption as the draft's wish: trimmed, bounded, storable", async () => {
    const h = harness();
    const from = seller('en');
    await h.handle(photo(from, { width: 1280, height: 960 }, '  white background,\n for a marketplace\u0000  '));
    await h.handle(photo(from, { width: 1280, height: 960 }, 'x'.repeat(1000)));
    await h.handle(photo(from, { width: 1280, height: 960 }, '   '));
    const wishes = (await draftsOf(from.id)).map((d) => d.wish);
    expect(wishes[0]).toBe('white background, for a marketplace');
    expect(wishes[1]).toHaveLength(300);
    expect(wishes[2]).toBeNull();
  });

  for (const locale of ['en', 'ru'] as const) {
    it(`keeps a photo sent while a photoshoot runs as the next draft; Generate makes it wait, charging nothing (${locale})`, async () => {
      const h = harness();
      const from = seller(locale);
      const setUp = async (draftId: number) => {
        await h.handle(withId(callbackQuery(from, ratioData.pack({ draft: draftId, ratio: '1x1' }))));
        await h.handle(withId(callbackQuery(from, sourceData.pack({ draft: draftId, source: 'random' }))));
      };
      await h.handle(photo(from, { width: 1280, height: 960 }));
      const [current] = await draftsOf(from.id);
      await setUp(current?.id ?? 0);
      await h.handle(withId(callbackQuery(from, generateData.pack({ draft: current?.id ?? 0 }))));
      expect((await findUserByTelegramId(database.handle.db, from.id))?.balance).toBe(1);

      await h.handle(photo(from, { width: 1280, height: 960 }));
      expect(textsTo(from.id).at(-1)).toContain(
        locale === 'en'
          ? "Your current photoshoot is still running: set this one up now, and I'll start it when the current one is done."
          : 'Текущая фотосессия ещё идёт: настройте эту сейчас, и я запущу её, когда текущая закончится.',
      );
      const next = (await draftsOf(from.id))[1];
      await setUp(next?.id ?? 0);
      const before = fake.calls.length;
      await h.handle(withId(callbackQuery(from, generateData.pack({ draft: next?.id ?? 0 }))));
      await h.handle(withId(callbackQuery(from, generateData.pack({ draft: next?.id ?? 0 }))));
      const waiting =
        locale === 'en'
          ? "I'll start this one when the current photoshoot is done."
          : 'Запущу эту фотосессию, когда закончится текущая.';
      const answers = fake.calls.slice(before).filter((c) => c.method === 'answerCallbackQuery');
      expect(answers.map((a) => String(a.payload.text))).toEqual([
        expect.stringContaining(waiting),
        expect.stringContaining(waiting),
      ]);
      // The set-up message says so once; the second tap changes nothing.
      const edits = fake.calls.slice(before).filter((c) => c.method === 'editMessageText');
      expect(edits.map((e) => String(e.payload.text))).toEqual([expect.stringContaining(waiting)]);
      // Generate stays under it, for after a purchase.
      expect(JSON.stringify(edits[0]?.payload.reply_markup)).toContain(generateData.pack({ draft: next?.id ?? 0 }));
      const waited = (await draftsOf(from.id))[1];
      expect(waited?.waitingSince).toBeInstanceOf(Date);
      expect(waited?.submittedAt).toBeNull();
      expect(await jobsOf(from.id)).toHaveLength(1);
      expect((await findUserByTelegramId(database.handle.db, from.id))?.balance).toBe(1);
    });
  }
});
