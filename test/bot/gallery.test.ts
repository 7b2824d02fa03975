import { desc, eq, sql } from 'drizzle-orm';
import type { Api } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPhotoSource } from '../../src/bot/photo-source.js';
import { parseConfig } from '../../src/config/index.js';
import { galleryExamples } from '../../src/db/gallery.js';
import { photoshootDrafts } from '../../src/db/schema.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { createGalleryBuilder } from '../../src/photoshoot/gallery.js';
import { createAiServices } from '../../src/services/ai.js';
import { createMemoryCache } from '../../src/services/cache.js';
import { STYLE_CATALOGUE } from '../../src/services/style-catalogue.js';
import { TEST_TOKEN } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeBotApi, type RecordedCall } from '../support/fake-bot-api.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { silentLogger } from '../support/logger.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import { button } from '../support/telegram-buttons.js';
import { callbackQuery, photoMessage, type Sender, textMessage, withId } from '../support/updates.js';

const ADMIN = 9501;
const openai = useFakeOpenAi();
let database: TestDatabase;
let telegram: FakeBotApi;

beforeAll(async () => {
  database = await createTestDatabase();
  telegram = await new FakeBotApi({ token: TEST_TOKEN }).start();
});
afterAll(async () => {
  await telegram.close();
  await database.close();
});

const db = () => database.handle.db;
const TOTAL = STYLE_CATALOGUE.length;

/** The gallery's builder as app.ts builds it: the real SDK against the fake OpenAI, the photo fetched from the fake Bot API. */
function builder(api: Api) {
  const config = parseConfig({
    BOT_TOKEN: TEST_TOKEN,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai().baseUrl,
    AI_RETRIES: '0',
  });
  const ai = createAiServices({ config, logger: silentLogger, cache: createMemoryCache({ maxEntries: 10 }) });
  const photos = createPhotoSource({
    api,
    fileUrl: (path) => `${telegram.apiRoot}/file/bot${TEST_TOKEN}/${path}`,
    converter: ai.converter,
    maxBytes: config.images.maxPhotoBytes,
  });
  return createGalleryBuilder({ db: db(), photos, ai, logger: silentLogger });
}

const harness = (configured = true) =>
  createPhotoshootHarness({
    db: db(),
    adminIds: [ADMIN],
    apiRoot: telegram.apiRoot,
    ...(configured && { gallery: builder }),
  });

/** A photo with `caption` as its caption, a leading /command marked as Telegram marks it. */
function captionedPhoto(from: Sender, caption: string) {
  const update = photoMessage(from, telegram.addFile(fixture('flowers.jpeg')));
  const command = /^\/\w+/.exec(caption);
  Object.assign(update.message as object, {
    caption,
    ...(command && { caption_entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] }),
  });
  return withId(update);
}

const to = (chatId: number, method: string, from: number) =>
  telegram.calls.slice(from).filter((c) => c.method === method && Number(c.payload.chat_id) === chatId);
const textsTo = (chatId: number, from: number) => to(chatId, 'sendMessage', from).map((c) => String(c.payload.text));

/** Waits for the build's last word in the admin's chat. */
const result = (from: number) =>
  telegram.waitForCall(
    'sendMessage',
    (c) => Number(c.payload.chat_id) === ADMIN && /^(✅|❌|⏹)/.test(String(c.payload.text)),
    { from, timeoutMs: 30_000 },
  );

const stored = async () => new Map((await galleryExamples(db())).map((e) => [e.styleKey, e.fileId]));

const SELLERS = { en: { id: 9601, first_name: 'Sam' }, ru: { id: 9602, first_name: 'Оля', language_code: 'ru' } };
const GALLERY_BUTTON = { en: /^🖼 Style gallery$/, ru: /^🖼 Галерея стилей$/ };
const RANDOM_BUTTON = { en: /Random/, ru: /Случайные/ };
const EXAMPLES_BUTTON = { en: /^🖼 Examples$/, ru: /^🖼 Примеры$/ };

/** A seller's photo, walked to the style-source step; resolves with that step's message. */
async function toSource(h: ReturnType<typeof harness>, seller: Sender): Promise<RecordedCall> {
  const from = telegram.calls.length;
  await h.handle(withId(photoMessage(seller, telegram.addFile(fixture('flowers.jpeg')))));
  const ratio = to(seller.id, 'sendMessage', from).at(-1) as RecordedCall;
  await h.handle(withId(callbackQuery(seller, button(ratio, /^1:1$/))));
  return to(seller.id, 'editMessageText', from).at(-1) as RecordedCall;
}

/** Presses a button; resolves with the albums, single photos and texts sent in answer. */
async function press(h: ReturnType<typeof harness>, seller: Sender, data: string) {
  const from = telegram.calls.length;
  await h.handle(withId(callbackQuery(seller, data)));
  const albums = to(seller.id, 'sendMediaGroup', from).map(
    (c) =>
      (typeof c.payload.media === 'string' ? JSON.parse(c.payload.media) : c.payload.media) as {
        media: string;
        caption: string;
      }[],
  );
  return { albums, photos: to(seller.id, 'sendPhoto', from), texts: textsTo(seller.id, from) };
}

/** The catalogue as a seller reads it, one "• name — description" line per style. */
const catalogueLines = (language: 'en' | 'ru') =>
  STYLE_CATALOGUE.map((s) => `• ${s.name[language]} — ${s.description[language]}`).join('\n');

describe('the style gallery for sellers, before it is built', () => {
  it("lists every style with its description, in the seller's language", async () => {
    const h = harness();
    for (const language of ['en', 'ru'] as const) {
      const seller = SELLERS[language];
      const source = await toSource(h, seller);
      const shown = await press(h, seller, button(source, GALLERY_BUTTON[language]));
      expect(shown.albums).toEqual([]);
      const header =
        language === 'en'
          ? '🎲 The random creative styles (you get 4 of them). Example pictures are coming soon:'
          : '🎲 Случайные креативные стили (вам достанутся 4 из них). Примеры картинок скоро появятся:';
      expect(shown.texts).toEqual([`${header}\n\n${catalogueLines(language)}`]);
      if (language === 'ru') expect(shown.texts[0]).not.toMatch(/[A-Za-z]/);

      // The confirm step of random styles: the 4 chosen ones, named and described.
      const from = telegram.calls.length;
      await h.handle(withId(callbackQuery(seller, button(source, RANDOM_BUTTON[language]))));
      const confirm = to(seller.id, 'editMessageText', from).at(-1) as RecordedCall;
      const examples = await press(h, seller, button(confirm, EXAMPLES_BUTTON[language]));
      expect(examples.albums).toEqual([]);
      const [text = ''] = examples.texts;
      expect(text.split('\n\n')[0]).toBe(language === 'en' ? '🎲 Your styles:' : '🎲 Ваши стили:');
      const lines = text.split('\n\n')[1]?.split('\n') ?? [];
      expect(lines).toHaveLength(4);
      for (const line of lines) expect(catalogueLines(language).split('\n')).toContain(line);
      if (language === 'ru') expect(text).not.toMatch(/[A-Za-z]/);
    }
  });
});

describe('/gallery for admins', () => {
  it('builds one example per style on a product photo, keeps a failed style for the next run, rebuilds on demand', async () => {
    const h = harness();
    const admin = { id: ADMIN, first_name: 'Ann' };
    await h.handle(withId(textMessage(admin, '/gallery')));
    expect(h.sent().at(-1)?.payload.text).toMatch(new RegExp(`^🖼 Style gallery: examples for 0 of ${TOTAL} styles\\.`));
    // Without a photo: the usage, and nothing generated.
    await h.handle(withId(textMessage(admin, '/gallery build')));
    expect(h.sent().at(-1)?.payload.text).toMatch(/^Usage: send a product photo with the caption \/gallery build/);

    // One style's image is refused: the others are kept.
    openai().queue('edits', { status: 400 });
    let from = telegram.calls.length;
    const photo = captionedPhoto(admin, '/gallery build');
    await h.handle(photo);
    const first = await result(from);
    expect(String(first.payload.text)).toMatch(
      new RegExp(
        `^✅ Style gallery: ${TOTAL - 1} new examples; examples for ${TOTAL - 1} of ${TOTAL} styles now\\.\\n⚠️ One style failed: .+\\. Send /gallery build`,
      ),
    );
    const photos = to(ADMIN, 'sendPhoto', from);
    expect(photos).toHaveLength(TOTAL - 1);
    const captions = photos.map((c) => String(c.payload.caption));
    expect(captions).toContain('Holiday gift — Wrapped gifts and warm fairy lights, festive but uncluttered.');
    expect(openai().requestsTo('edits')).toHaveLength(TOTAL);
    // The progress message counted up to every style, in place.
    const progress = to(ADMIN, 'editMessageText', from).map((c) => String(c.payload.text));
    expect(progress.at(-1)).toBe(`⏳ Building the style gallery: ${TOTAL} of ${TOTAL} examples done…`);
    const afterFirst = await stored();
    expect(afterFirst.size).toBe(TOTAL - 1);
    const admins = await findUserByTelegramId(db(), ADMIN);
    expect((await galleryExamples(db())).every((e) => e.builtBy === admins?.id)).toBe(true);

    // Again, as a reply to the photo: only the missing style is made.
    from = telegram.calls.length;
    const reply = textMessage(admin, '/gallery build');
    Object.assign(reply.message as object, { reply_to_message: photo.message });
    await h.handle(withId(reply));
    expect(String((await result(from)).payload.text)).toBe(
      `✅ Style gallery: 1 new example; examples for ${TOTAL} of ${TOTAL} styles now.`,
    );
    expect(to(ADMIN, 'sendPhoto', from)).toHaveLength(1);
    expect(openai().requestsTo('edits')).toHaveLength(TOTAL + 1);
    const afterSecond = await stored();
    expect(afterSecond.size).toBe(TOTAL);
    for (const [key, fileId] of afterFirst) expect(afterSecond.get(key)).toBe(fileId);

    // Nothing is missing: nothing is made.
    from = telegram.calls.length;
    await h.handle(captionedPhoto(admin, '/gallery build'));
    expect(textsTo(ADMIN, from)).toEqual(['Every style already has an example. /gallery rebuild remakes them all.']);
    expect(openai().requestsTo('edits')).toHaveLength(TOTAL + 1);

    // Rebuild, by an admin who reads Russian: every style made again, captioned in Russian.
    from = telegram.calls.length;
    await h.handle(captionedPhoto({ ...admin, language_code: 'ru' }, '/gallery rebuild'));
    expect(String((await result(from)).payload.text)).toBe(
      `✅ Галерея стилей: ${TOTAL} новых примеров; стилей с примером теперь ${TOTAL} из ${TOTAL}.`,
    );
    const ru = to(ADMIN, 'sendPhoto', from).map((c) => String(c.payload.caption));
    expect(ru).toHaveLength(TOTAL);
    expect(ru).toContain('Студийный софтбокс — Светло-серый студийный фон, мягкий ровный свет и лёгкая тень.');
    for (const caption of ru) expect(caption).not.toMatch(/[A-Za-z]/);
    const afterRebuild = await stored();
    for (const [key, fileId] of afterSecond) expect(afterRebuild.get(key)).not.toBe(fileId);

    await h.handle(withId(textMessage(admin, '/gallery')));
    expect(h.sent().at(-1)?.payload.text).toMatch(
      new RegExp(
        `^🖼 Style gallery: examples for ${TOTAL} of ${TOTAL} styles, the last made \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\.\\n`,
      ),
    );
  });

  it('says so when the photo cannot be used or images cannot be generated', async () => {
    const admin = { id: ADMIN };
    const unconfigured = harness(false);
    let from = telegram.calls.length;
    await unconfigured.handle(captionedPhoto(admin, '/gallery rebuild'));
    expect(textsTo(ADMIN, from)).toEqual([
      'The gallery cannot be built: image generation is not configured (OPENAI_API_KEY is not set).',
    ]);
    const h = harness();
    from = telegram.calls.length;
    const gone = textMessage(admin, '/gallery rebuild');
    Object.assign(gone.message as object, {
      reply_to_message: photoMessage(admin, { file_id: 'gone', file_unique_id: 'ugone' }).message,
    });
    await h.handle(withId(gone));
    expect(String((await result(from)).payload.text)).toMatch(
      /^❌ The gallery was not built: the photo could not be used/,
    );
    // The product cannot be analysed: no image is asked for.
    openai().queue('chat', { status: 400 });
    from = telegram.calls.length;
    await h.handle(captionedPhoto(admin, '/gallery rebuild'));
    expect(String((await result(from)).payload.text)).toMatch(
      /^❌ The gallery was not built: the product could not be analysed \(.+\)\. No image was generated; try again later\.$/,
    );
    expect(to(ADMIN, 'sendPhoto', from)).toHaveLength(0);
    expect(openai().requestsTo('edits')).toHaveLength(0);
  });

  it('answers anyone else exactly like an unknown command, and makes nothing', async () => {
    const h = harness();
    const seller = { id: 9502 };
    await h.handle(withId(textMessage(seller, '/nonsense')));
    const unknown = h.sent().at(-1)?.payload.text;
    for (const command of ['/gallery', '/gallery build', '/gallery rebuild']) {
      const before = h.sent().length;
      await h.handle(withId(textMessage(seller, command)));
      expect(
        h
          .sent()
          .slice(before)
          .map((c) => c.payload.text),
      ).toEqual([unknown]);
    }
    expect(openai().requestsTo('edits')).toHaveLength(0);
  });
});

describe('the style gallery for sellers, once built', () => {
  it("shows every example as albums captioned in the seller's language", async () => {
    const h = harness();
    const examples = await stored();
    for (const language of ['en', 'ru'] as const) {
      const seller = SELLERS[language];
      const shown = await press(h, seller, button(await toSource(h, seller), GALLERY_BUTTON[language]));
      // 12 examples: two albums of 6 (an album holds at most 10), sent by file id.
      expect(shown.albums.map((a) => a.length)).toEqual([6, 6]);
      expect(shown.texts).toEqual([]);
      const media = shown.albums.flat();
      expect(media.map((m) => m.media)).toEqual(STYLE_CATALOGUE.map((s) => examples.get(s.key)));
      expect(media.map((m) => m.caption)).toEqual(
        STYLE_CATALOGUE.map((s) => `${s.name[language]} — ${s.description[language]}`),
      );
      if (language === 'ru') for (const m of media) expect(m.caption).not.toMatch(/[A-Za-z]/);
    }
  });

  it("names random styles in the seller's language and shows the 4 chosen ones' examples", async () => {
    const h = harness();
    const examples = await stored();
    for (const language of ['en', 'ru'] as const) {
      const seller = SELLERS[language];
      const source = await toSource(h, seller);
      const from = telegram.calls.length;
      await h.handle(withId(callbackQuery(seller, button(source, RANDOM_BUTTON[language]))));
      const confirm = to(seller.id, 'editMessageText', from).at(-1) as RecordedCall;
      const user = await findUserByTelegramId(db(), seller.id);
      const [draft] = await db()
        .select()
        .from(photoshootDrafts)
        .where(eq(photoshootDrafts.userId, user?.id ?? -1))
        .orderBy(desc(photoshootDrafts.id))
        .limit(1);
      const chosen = (draft?.styles ?? []).map((s) => STYLE_CATALOGUE.find((c) => c.key === s.key));
      expect(chosen).toHaveLength(4);
      expect(draft?.styles?.map((s) => s.name)).toEqual(chosen.map((c) => c?.name[language]));
      for (const style of chosen) expect(String(confirm.payload.text)).toContain(style?.name[language]);
      if (language === 'ru') for (const s of draft?.styles ?? []) expect(s.name).not.toMatch(/[A-Za-z]/);

      const shown = await press(h, seller, button(confirm, EXAMPLES_BUTTON[language]));
      expect(shown.albums).toHaveLength(1);
      expect(shown.albums[0]?.map((m) => m.media)).toEqual(chosen.map((c) => examples.get(c?.key ?? '')));
      expect(shown.albums[0]?.map((m) => m.caption)).toEqual(
        chosen.map((c) => `${c?.name[language]} — ${c?.description[language]}`),
      );
    }
  });

  it("shows a seller's saved styles that have an example picture, as an album", async () => {
    const h = harness();
    const seller = SELLERS.ru;
    const source = await toSource(h, seller);
    const user = await findUserByTelegramId(db(), seller.id);
    const [a, b] = [...(await stored()).values()];
    await db().execute(sql`insert into saved_styles (user_id, slot, name, scene, example_file_id) values
      (${user?.id}, 1, 'Мрамор', 'marble', ${a}), (${user?.id}, 2, 'Кухня', 'kitchen', null), (${user?.id}, 3, 'Лофт', 'loft', ${b})`);
    const shown = await press(h, seller, button(source, /Мои сохранённые/));
    expect(shown.albums).toEqual([
      [
        { type: 'photo', media: a, caption: 'Мрамор' },
        { type: 'photo', media: b, caption: 'Лофт' },
      ],
    ]);
  });
});
