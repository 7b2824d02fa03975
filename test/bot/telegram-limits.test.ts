import { Api } from 'grammy';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createI18n } from '../../src/bot/i18n.js';
import { createPhotoSource } from '../../src/bot/photo-source.js';
import { announceMissingGeneration } from '../../src/bot/startup-notices.js';
import { clip, TELEGRAM_LIMITS } from '../../src/bot/telegram-text.js';
import { parseConfig } from '../../src/config/index.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { PhotoTooBigError } from '../../src/photoshoot/photos.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { DOWNLOAD_MAX_BYTES, FakeBotApi } from '../support/fake-bot-api.js';
import { captureLogger } from '../support/logger.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import { textMessage, withId } from '../support/updates.js';

const EMOJI = '😀'; // two UTF-16 code units, one character
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ADMIN = 991_001;

let database: TestDatabase;
let fake: FakeBotApi;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());
beforeEach(async () => {
  fake = await new FakeBotApi().start();
});
afterEach(() => fake.close());

/** Calls the fake Bot API the way grammY does, returning Telegram's JSON answer. */
async function call(method: string, payload: Record<string, unknown>) {
  const response = await fetch(`${fake.apiRoot}/bot1:x/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return (await response.json()) as { ok: boolean; error_code?: number; description?: string };
}

describe('clip', () => {
  it('cuts to Telegram units, ends with an ellipsis and never splits an emoji', () => {
    const text = EMOJI.repeat(5000);
    for (const max of [4096, 4095, 1024, 200, 32]) {
      const clipped = clip(text, max);
      expect(clipped.length).toBeLessThanOrEqual(max);
      expect(clipped.length).toBeGreaterThanOrEqual(max - 2);
      expect(clipped.endsWith('…')).toBe(true);
      expect(LONE_SURROGATE.test(clipped)).toBe(false);
    }
    expect(clip('short', 4096)).toBe('short');
    expect(clip('x'.repeat(4096), 4096)).toBe('x'.repeat(4096));
  });
});

describe('the fake Bot API holds Telegram limits', () => {
  it('refuses texts, captions and callback answers over the limit, in UTF-16 units, as Telegram answers', async () => {
    expect(await call('sendMessage', { chat_id: 1, text: 'a'.repeat(4096) })).toMatchObject({ ok: true });
    // 2,049 characters, but 4,098 UTF-16 units: too long for Telegram.
    expect(await call('sendMessage', { chat_id: 1, text: EMOJI.repeat(2049) })).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: message is too long',
    });
    expect(await call('editMessageText', { chat_id: 1, message_id: 1, text: 'a'.repeat(4097) })).toMatchObject({
      description: 'Bad Request: message is too long',
    });
    expect(await call('sendMessage', { chat_id: 1, text: '' })).toMatchObject({
      description: 'Bad Request: message text is empty',
    });
    const media = [
      { type: 'photo', media: 'x', caption: EMOJI.repeat(513) },
      { type: 'photo', media: 'y' },
    ];
    expect(await call('sendMediaGroup', { chat_id: 1, media })).toMatchObject({
      error_code: 400,
      description: 'Bad Request: message caption is too long',
    });
    expect(await call('answerCallbackQuery', { callback_query_id: 'q', text: 'a'.repeat(201) })).toMatchObject({
      error_code: 400,
      description: 'Bad Request: MESSAGE_TOO_LONG',
    });
  });

  it('answers getFile for a file over 20 MB with "file is too big"', async () => {
    const big = fake.addFile(Buffer.alloc(DOWNLOAD_MAX_BYTES + 1));
    expect(await call('getFile', { file_id: big.file_id })).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: file is too big',
    });
  });
});

describe('texts the bot sends', () => {
  it('clips a /paysupport message of 5,000 emoji and delivers it to the admin', async () => {
    const h = createPhotoshootHarness({ db: database.handle.db, adminIds: [ADMIN], apiRoot: fake.apiRoot });
    await h.handle(withId(textMessage({ id: 811 }, `/paysupport ${EMOJI.repeat(5000)}`)));
    const toAdmin = await fake.waitForCall('sendMessage', (c) => c.payload.chat_id === ADMIN);
    const text = String(toAdmin.payload.text);
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_LIMITS.message);
    expect(text).toContain(EMOJI.repeat(100));
    expect(text).toContain('…');
    const toSeller = await fake.waitForCall('sendMessage', (c) => c.payload.chat_id === 811);
    expect(String(toSeller.payload.text)).toContain('Sent to our team');
  });

  it("clips an admin's /reply and any outgoing text to Telegram's limits", async () => {
    const h = createPhotoshootHarness({ db: database.handle.db, adminIds: [ADMIN], apiRoot: fake.apiRoot });
    await h.handle(withId(textMessage({ id: 812 }, '/start')));
    await h.handle(withId(textMessage({ id: ADMIN }, `/reply 812 ${EMOJI.repeat(2047)}`)));
    const toUser = await fake.waitForCall(
      'sendMessage',
      (c) => c.payload.chat_id === 812 && c.payload.text !== undefined && String(c.payload.text).includes(EMOJI),
    );
    expect(String(toUser.payload.text).length).toBeLessThanOrEqual(TELEGRAM_LIMITS.message);
    expect(String(toUser.payload.text)).toMatch(/^💬 Our team: 😀/);
    await fake.waitForCall(
      'sendMessage',
      (c) => c.payload.chat_id === ADMIN && String(c.payload.text) === 'Sent to Seller (812).',
    );
    // Every other method the bot calls is clipped on the way out as well.
    await h.bot.api.answerCallbackQuery('q', { text: 'a'.repeat(500) });
    expect(String(fake.callsOf('answerCallbackQuery').at(-1)?.payload.text).length).toBe(200);
  });
});

describe('a photo Telegram will not let the bot download', () => {
  it('getFile "file is too big" is the photo-too-big outcome', async () => {
    const big = fake.addFile(Buffer.alloc(DOWNLOAD_MAX_BYTES + 1));
    const photos = createPhotoSource({
      api: new Api('1:x', { apiRoot: fake.apiRoot }),
      fileUrl: (path) => `${fake.apiRoot}/file/bot1:x/${path}`,
      converter: { normalise: () => Promise.reject(new Error('never reached')) },
      maxBytes: 50 * 1024 * 1024,
    });
    await expect(photos.load(big.file_id)).rejects.toBeInstanceOf(PhotoTooBigError);
    expect(fake.downloads).toBe(0);
  });

  it('tells the seller the 20 MB limit on arrival when the file came without a size', async () => {
    const h = createPhotoshootHarness({ db: database.handle.db, apiRoot: fake.apiRoot });
    const big = fake.addFile(Buffer.alloc(DOWNLOAD_MAX_BYTES + 1));
    // Telegram's file_size is optional: the metadata check cannot see it, the probe's getFile refuses.
    await h.handle(
      withId({
        message: {
          message_id: 9,
          date: 0,
          chat: { id: 813, type: 'private', first_name: 'S' },
          from: { id: 813, is_bot: false, first_name: 'S' },
          document: { ...big, mime_type: 'image/jpeg', file_name: 'huge.jpg' },
        },
      }),
    );
    const told = await fake.waitForCall('sendMessage', (c) => c.payload.chat_id === 813);
    expect(String(told.payload.text)).toContain('larger than 20 MB');
    expect(told.payload.reply_markup).toBeUndefined();
    expect(fake.downloads).toBe(0);
    expect((await findUserByTelegramId(database.handle.db, 813))?.balance).toBe(2);
  });
});

describe('startup without OPENAI_API_KEY', () => {
  it('tells each admin once, in the default language; an admin who never opened the bot is logged and skipped', async () => {
    const NEVER_STARTED = 991_002;
    // Telegram cannot deliver to a user who never opened the bot (observed answer: chat not found).
    fake.on('sendMessage', (payload) => {
      if (payload.chat_id === NEVER_STARTED) throw new Error('chat not found');
      return { message_id: 1, date: 0, chat: { id: payload.chat_id, type: 'private' }, text: payload.text };
    });
    const { logger, records } = captureLogger();
    const deps = {
      api: new Api('1:x', { apiRoot: fake.apiRoot }),
      i18n: createI18n('ru'),
      logger,
    };
    const told = await announceMissingGeneration({
      ...deps,
      config: parseConfig({ BOT_TOKEN: '1:x', ADMIN_IDS: `${NEVER_STARTED},${ADMIN}`, DEFAULT_LOCALE: 'ru' }),
    });
    expect(told).toBe(1);
    const sent = fake.callsOf('sendMessage');
    expect(sent.map((c) => c.payload.chat_id)).toEqual([NEVER_STARTED, ADMIN]);
    expect(String(sent[1]?.payload.text)).toContain('OPENAI_API_KEY');
    expect(String(sent[1]?.payload.text)).toContain('Фотосессии не генерируются');
    expect(records()).toContainEqual(
      expect.objectContaining({ admin_id: NEVER_STARTED, reason: expect.stringContaining('chat not found') }),
    );

    // With the key set, nobody is bothered.
    const before = fake.calls.length;
    await announceMissingGeneration({
      ...deps,
      config: parseConfig({
        BOT_TOKEN: '1:x',
        ADMIN_IDS: String(ADMIN),
        DEFAULT_LOCALE: 'ru',
        OPENAI_API_KEY: 'sk-set',
      }),
    });
    expect(fake.calls.length).toBe(before);
  });
});
