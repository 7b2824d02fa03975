import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { languageData } from '../../src/bot/features/language.js';
import { balanceLedger } from '../../src/db/schema.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { createBotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { callbackQuery, textMessage, withId } from '../support/updates.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const textOf = (call: { payload: Record<string, unknown> } | undefined) => String(call?.payload.text ?? '');

async function signupBonuses(telegramId: number) {
  const user = await findUserByTelegramId(database.handle.db, telegramId);
  const rows = await database.handle.db
    .select()
    .from(balanceLedger)
    .where(and(eq(balanceLedger.userId, user?.id ?? -1), eq(balanceLedger.reason, 'signup_bonus')));
  return { user, rows };
}

describe('/start', () => {
  it('registers a new user, grants the free photoshoots and welcomes them', async () => {
    const h = createBotHarness({ db: database.handle.db, freePhotoshoots: 2 });
    await h.handle(withId(textMessage({ id: 101, first_name: 'Ann', language_code: 'en' }, '/start')));
    const [reply] = h.sent();
    expect(reply?.payload.chat_id).toBe(101);
    expect(textOf(reply)).toContain('Welcome, Ann!');
    expect(textOf(reply)).toContain('Your first 2 photoshoots are free.');
    const { user, rows } = await signupBonuses(101);
    expect(user?.balance).toBe(2);
    expect(rows).toHaveLength(1);
  });

  it('welcomes a returning user back without a second bonus', async () => {
    const h = createBotHarness({ db: database.handle.db, freePhotoshoots: 2 });
    await h.handle(withId(textMessage({ id: 102, first_name: 'Bo' }, '/start')));
    await h.handle(withId(textMessage({ id: 102, first_name: 'Bo' }, '/start')));
    expect(textOf(h.sent()[1])).toContain('Welcome back, Bo!');
    const { user, rows } = await signupBonuses(102);
    expect(user?.balance).toBe(2);
    expect(rows).toHaveLength(1);
  });

  it('gives exactly one bonus when /start arrives 10 times at once', async () => {
    const h = createBotHarness({ db: database.handle.db, freePhotoshoots: 2 });
    await Promise.all(
      Array.from({ length: 10 }, () => h.handle(withId(textMessage({ id: 103, first_name: 'Cy' }, '/start')))),
    );
    const { user, rows } = await signupBonuses(103);
    expect(user?.balance).toBe(2);
    expect(rows).toHaveLength(1);
    expect(h.sent()).toHaveLength(10);
    expect(h.sent().filter((c) => textOf(c).startsWith('Welcome, Cy!'))).toHaveLength(1);
  });

  it('gives exactly one bonus when one new user writes in 10 chats at once (no per-chat ordering helps)', async () => {
    const h = createBotHarness({ db: database.handle.db, freePhotoshoots: 2 });
    const updates = Array.from({ length: 10 }, (_, i) => {
      const body = textMessage({ id: 104, first_name: 'Di' }, 'hello') as { message: { chat: { id: number } } };
      body.message.chat = { id: -1000 - i, type: 'group', title: `g${i}` } as never;
      return withId(body);
    });
    await Promise.all(updates.map((u) => h.handle(u)));
    const { user, rows } = await signupBonuses(104);
    expect(user?.balance).toBe(2);
    expect(rows).toHaveLength(1);
  });

  it('stores the deep-link payload verbatim, hostile characters included', async () => {
    const h = createBotHarness({ db: database.handle.db });
    const payload = `ref_'; DROP TABLE users;-- "😀" مرحبا`;
    await h.handle(withId(textMessage({ id: 105, first_name: "O'Brien 😀", last_name: 'שלום' }, `/start ${payload}`)));
    const user = await findUserByTelegramId(database.handle.db, 105);
    expect(user?.startPayload).toBe(payload);
    expect(user?.firstName).toBe("O'Brien 😀");
    expect(textOf(h.sent()[0])).toContain("Welcome, O'Brien 😀!");
  });

  it('speaks Russian to a Russian client', async () => {
    const h = createBotHarness({ db: database.handle.db, freePhotoshoots: 2 });
    await h.handle(withId(textMessage({ id: 106, first_name: 'Иван', language_code: 'ru' }, '/start')));
    expect(textOf(h.sent()[0])).toContain('Добро пожаловать, Иван!');
    expect(textOf(h.sent()[0])).toContain('2 фотосессии');
  });
});

describe('/language', () => {
  it('switches the language and remembers it', async () => {
    const h = createBotHarness({ db: database.handle.db });
    const from = { id: 201, first_name: 'Eve', language_code: 'en' };
    await h.handle(withId(textMessage(from, '/language')));
    const keyboard = h.sent()[0]?.payload.reply_markup as { inline_keyboard: { callback_data: string }[][] };
    const buttons = keyboard.inline_keyboard.flat().map((b) => b.callback_data);
    expect(buttons).toEqual(['lang:en', 'lang:ru']);
    await h.handle(withId(callbackQuery(from, languageData.pack({ locale: 'ru' }))));
    expect(h.sent('answerCallbackQuery')).toHaveLength(1);
    expect(textOf(h.sent('editMessageText')[0])).toBe('Язык переключён на русский.');
    await h.handle(withId(textMessage(from, '/help')));
    expect(textOf(h.sent().at(-1))).toContain('Как это работает');
    expect((await findUserByTelegramId(database.handle.db, 201))?.locale).toBe('ru');
  });
});

describe('anything else', () => {
  it('answers /help and guides plain text, including 4096-character texts', async () => {
    const h = createBotHarness({ db: database.handle.db });
    await h.handle(withId(textMessage({ id: 301 }, '/help')));
    await h.handle(withId(textMessage({ id: 301 }, 'x'.repeat(4096))));
    await h.handle(withId(textMessage({ id: 301 }, '/nosuchcommand')));
    const texts = h.sent().map(textOf);
    expect(texts[0]).toContain('How it works');
    expect(texts[1]).toContain('Send me a photo of your product');
    expect(texts[2]).toContain('Send me a photo of your product');
  });

  it('answers buttons it does not know, and forged language buttons, without an error', async () => {
    const h = createBotHarness({ db: database.handle.db });
    await h.handle(withId(callbackQuery({ id: 302 }, 'something-old:42')));
    await h.handle(withId(callbackQuery({ id: 302 }, 'lang:xx')));
    await h.handle(withId(callbackQuery({ id: 302 }, 'lang:ru:extra')));
    const answers = h.sent('answerCallbackQuery');
    expect(answers).toHaveLength(3);
    for (const a of answers) expect(a.payload.text).toBe('This button is no longer active.');
    expect((await findUserByTelegramId(database.handle.db, 302))?.locale).toBeNull();
  });

  it('ignores updates of unknown types and updates without a sender, without crashing', async () => {
    const h = createBotHarness({ db: database.handle.db });
    await h.handle(withId({ some_future_update: { id: 1 } }));
    await h.handle(
      withId({
        channel_post: { message_id: 1, date: 0, chat: { id: -100, type: 'channel', title: 'c' }, text: 'hi' },
      }),
    );
    await h.handle(
      withId({
        message: { message_id: 2, date: 0, chat: { id: 303, type: 'private', first_name: 'x' }, text: 'no from' },
      }),
    );
    // Only the private message gets the guidance reply; nothing else is sent.
    expect(h.calls.map((c) => [c.method, c.payload.chat_id])).toEqual([['sendMessage', 303]]);
    expect(h.transactionStats().failed).toBe(0);
  });

  it('replies with a friendly message when the database fails, and does not throw', async () => {
    const broken = await createTestDatabase();
    await broken.close();
    const h = createBotHarness({ db: broken.handle.db });
    await expect(h.handle(withId(textMessage({ id: 304, language_code: 'ru' }, '/start')))).resolves.toBeUndefined();
    const [reply] = h.sent();
    expect(textOf(reply)).toBe(
      'Извините, у нас что-то пошло не так. Ничего не списано. Попробуйте ещё раз чуть позже.',
    );
    expect(textOf(reply)).not.toMatch(/error|stack|at /i);
  });
});
