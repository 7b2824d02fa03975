import { eq } from 'drizzle-orm';
import { Api, GrammyError, InputFile } from 'grammy';
import type { Update } from 'grammy/types';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notifyAdmins } from '../../src/bot/admins.js';
import { backData } from '../../src/bot/callback-data/photoshoot.js';
import { historyPageData, resendData } from '../../src/bot/features/history.js';
import { createI18n } from '../../src/bot/i18n.js';
import { telegramError } from '../../src/bot/telegram-error.js';
import { createDraft } from '../../src/db/drafts.js';
import { findPhotoshoot } from '../../src/db/photoshoots.js';
import { balanceLedger, photoshoots } from '../../src/db/schema.js';
import { findUserByTelegramId, markUserBlocked, markUserUnblocked, sellerBlocked } from '../../src/db/users.js';
import { TEST_TOKEN } from '../support/bot-harness.js';
import { chargePhotoshoot, deliveredPhotoshoot } from '../support/credits.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  BLOCKED_BY_USER,
  FAKE_BOT_INFO,
  FakeBotApi,
  NOT_MODIFIED,
  QUERY_TOO_OLD,
  type RecordedCall,
} from '../support/fake-bot-api.js';
import { fixture } from '../support/fixtures.js';
import { balanceAndLedger } from '../support/ledger.js';
import { captureLogger } from '../support/logger.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import { callbackQuery, textMessage, withId } from '../support/updates.js';

const JPEG = fixture('320x240.jpg');
const EMOJI = '😀'; // two UTF-16 code units
const i18n = createI18n('en');
const APOLOGY = i18n.t('en', 'error-generic');

let fake: FakeBotApi;
/** The real grammY client, with no retries or other transformers: what Telegram answers is what it throws. */
let api: Api;
beforeEach(async () => {
  fake = await new FakeBotApi().start();
  api = new Api(TEST_TOKEN, { apiRoot: fake.apiRoot });
});
afterEach(() => fake.close());

/** The GrammyError a call fails with (the test fails if it succeeds). */
async function refusal(call: Promise<unknown>): Promise<GrammyError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrammyError);
  return err as GrammyError;
}

describe('the fake Bot API holds the Telegram contract (real grammY client over HTTP)', () => {
  it('answers a callback query once; a second answer is 400 "query is too old"', async () => {
    expect(await api.answerCallbackQuery('q-1', { text: 'ok' })).toBe(true);
    const err = await refusal(api.answerCallbackQuery('q-1'));
    expect({ code: err.error_code, description: err.description }).toEqual({
      code: 400,
      description: `Bad Request: ${QUERY_TOO_OLD}`,
    });
    expect(await api.answerCallbackQuery('q-2')).toBe(true);
  });

  it('refuses an edit to identical text and markup with 400 "message is not modified", and accepts any real change', async () => {
    const keyboard = { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] };
    const sent = await api.sendMessage(5, 'Hello', { reply_markup: keyboard });
    const same = await refusal(api.editMessageText(5, sent.message_id, 'Hello', { reply_markup: keyboard }));
    expect({ code: same.error_code, description: same.description }).toEqual({
      code: 400,
      description: `Bad Request: ${NOT_MODIFIED}`,
    });
    // Other text, or the same text without the keyboard, or another keyboard: each a change.
    await api.editMessageText(5, sent.message_id, 'Hello again', { reply_markup: keyboard });
    await api.editMessageText(5, sent.message_id, 'Hello again');
    await expect(api.editMessageText(5, sent.message_id, 'Hello again')).rejects.toMatchObject({ error_code: 400 });
    const other = { inline_keyboard: [[{ text: 'B', callback_data: 'b' }]] };
    await api.editMessageReplyMarkup(5, sent.message_id, { reply_markup: other });
    const markup = await refusal(api.editMessageReplyMarkup(5, sent.message_id, { reply_markup: other }));
    expect(markup.description).toBe(`Bad Request: ${NOT_MODIFIED}`);
    // Parse mode is part of the content.
    await api.editMessageText(5, sent.message_id, 'Hello again', { parse_mode: 'HTML', reply_markup: other });

    const photo = await api.sendPhoto(5, new InputFile(JPEG, 'p.jpg'), { caption: 'Studio' });
    const caption = await refusal(api.editMessageCaption(5, photo.message_id, { caption: 'Studio' }));
    expect(caption.description).toBe(`Bad Request: ${NOT_MODIFIED}`);
    const edited = await api.editMessageCaption(5, photo.message_id, { caption: 'Beach' });
    expect(edited).toMatchObject({ caption: 'Beach' });
  });

  it('answers flood control on demand: 429 "Too Many Requests: retry after N" with parameters.retry_after, then serves again', async () => {
    const calls: [string, () => Promise<unknown>][] = [
      ['sendMessage', () => api.sendMessage(6, 'hi')],
      ['sendPhoto', () => api.sendPhoto(6, new InputFile(JPEG, 'p.jpg'))],
      ['sendDocument', () => api.sendDocument(6, new InputFile(JPEG, 'p.jpg'))],
      [
        'sendMediaGroup',
        () =>
          api.sendMediaGroup(6, [
            { type: 'photo', media: new InputFile(JPEG, 'a.jpg') },
            { type: 'photo', media: new InputFile(JPEG, 'b.jpg') },
          ]),
      ],
    ];
    for (const [method, call] of calls) {
      fake.floodWait(method, 15);
      const err = await refusal(call());
      expect({ method, code: err.error_code, description: err.description, parameters: err.parameters }).toEqual({
        method,
        code: 429,
        description: 'Too Many Requests: retry after 15',
        parameters: { retry_after: 15 },
      });
      await call();
    }
    fake.floodWait('sendMediaGroup', 60, 2);
    await expect(calls[3]?.[1]()).rejects.toMatchObject({ parameters: { retry_after: 60 } });
    await expect(calls[3]?.[1]()).rejects.toMatchObject({ parameters: { retry_after: 60 } });
  });

  it('answers every send to a user who blocked the bot with 403, queues my_chat_member kicked, and the reverse on unblock', async () => {
    await api.sendMessage(7, 'before');
    const blocked = fake.block(7, { first_name: 'Ann', username: 'ann' });
    for (const call of [
      () => api.sendMessage(7, 'hi'),
      () => api.sendPhoto(7, new InputFile(JPEG, 'p.jpg')),
      () => api.sendDocument(7, new InputFile(JPEG, 'p.jpg')),
      () => api.editMessageText(7, 1, 'edit'),
      () => api.sendChatAction(7, 'typing'),
    ]) {
      const err = await refusal(call());
      expect({ code: err.error_code, description: err.description }).toEqual({
        code: 403,
        description: BLOCKED_BY_USER,
      });
      expect(telegramError(err)).toEqual({
        code: 403,
        description: BLOCKED_BY_USER,
        retryAfterS: undefined,
        blocked: true,
      });
    }
    // Other chats are untouched.
    await api.sendMessage(8, 'hi');
    // The update as Telegram sends it (ChatMemberUpdated): the bot's own membership changed.
    const [update] = await api.getUpdates({ offset: 0, timeout: 0 });
    expect(update).toEqual(blocked);
    expect(update?.my_chat_member).toEqual({
      chat: { id: 7, type: 'private', first_name: 'Ann', username: 'ann' },
      from: { id: 7, is_bot: false, first_name: 'Ann', username: 'ann' },
      date: expect.any(Number),
      old_chat_member: { status: 'member', user: expect.objectContaining({ id: FAKE_BOT_INFO.id, is_bot: true }) },
      new_chat_member: {
        status: 'kicked',
        until_date: 0,
        user: expect.objectContaining({ id: FAKE_BOT_INFO.id, is_bot: true }),
      },
    });

    const back = fake.unblock(7);
    expect(back.my_chat_member).toMatchObject({
      old_chat_member: { status: 'kicked' },
      new_chat_member: { status: 'member' },
    });
    await api.sendMessage(7, 'welcome back');
    expect(
      telegramError(
        new GrammyError(
          'x',
          { ok: false, error_code: 403, description: 'Forbidden: user is deactivated' },
          'sendMessage',
          {},
        ),
      )?.blocked,
    ).toBe(false);
  });

  it('serves sendPhoto and sendDocument with uploads and file ids, as Telegram answers them', async () => {
    const photo = await api.sendPhoto(9, new InputFile(JPEG, 'product.jpg'), { caption: 'Studio' });
    expect(photo.caption).toBe('Studio');
    // Several sizes, smallest first; each its own file, downloadable.
    expect(photo.photo.length).toBeGreaterThan(1);
    const largest = photo.photo.at(-1);
    expect(largest?.width).toBeGreaterThan(photo.photo[0]?.width ?? 0);
    const file = await api.getFile(largest?.file_id ?? '');
    const download = await fetch(`${fake.apiRoot}/file/bot${TEST_TOKEN}/${file.file_path}`);
    expect(Buffer.from(await download.arrayBuffer()).equals(JPEG)).toBe(true);

    const document = await api.sendDocument(9, new InputFile(JPEG, '1-studio.png'));
    expect(document.document).toMatchObject({
      file_name: '1-studio.png',
      mime_type: 'image/png',
      file_size: JPEG.length,
    });
    // Sent again by file id: nothing uploaded.
    const again = await api.sendDocument(9, document.document.file_id);
    expect(again.document.file_id).toBe(document.document.file_id);
    const unknown = await refusal(api.sendPhoto(9, 'no-such-file'));
    expect(unknown.description).toBe('Bad Request: wrong file identifier/HTTP URL specified');
  });

  it('refuses a text over 4,096 and a caption over 1,024 UTF-16 units on every method that carries one', async () => {
    await api.sendMessage(10, 'a'.repeat(4096));
    expect((await refusal(api.sendMessage(10, EMOJI.repeat(2049)))).description).toBe(
      'Bad Request: message is too long',
    );
    const long = EMOJI.repeat(513); // 1,026 units
    const tooLong = 'Bad Request: message caption is too long';
    await api.sendPhoto(10, new InputFile(JPEG, 'p.jpg'), { caption: 'a'.repeat(1024) });
    expect((await refusal(api.sendPhoto(10, new InputFile(JPEG, 'p.jpg'), { caption: long }))).description).toBe(
      tooLong,
    );
    expect((await refusal(api.sendDocument(10, new InputFile(JPEG, 'p.png'), { caption: long }))).description).toBe(
      tooLong,
    );
    const album = await refusal(
      api.sendMediaGroup(10, [
        { type: 'photo', media: new InputFile(JPEG, 'a.jpg'), caption: long },
        { type: 'photo', media: new InputFile(JPEG, 'b.jpg') },
      ]),
    );
    expect(album.description).toBe(tooLong);
    const photo = await api.sendPhoto(10, new InputFile(JPEG, 'p.jpg'));
    expect((await refusal(api.editMessageCaption(10, photo.message_id, { caption: long }))).description).toBe(tooLong);
  });
});

describe('the bot keeps the contract', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());
  const db = () => database.handle.db;
  let nextSeller = 995_000;

  function harness(extra: { stopJobs?: (ids: readonly number[]) => void } = {}) {
    return createPhotoshootHarness({
      db: db(),
      apiRoot: fake.apiRoot,
      ...(extra.stopJobs && { stopJobs: extra.stopJobs }),
    });
  }

  /** A seller who has opened the bot (2 free photoshoots). */
  async function seller(h: ReturnType<typeof harness>) {
    const id = nextSeller++;
    await h.handle(withId(textMessage({ id }, '/start')));
    const user = await findUserByTelegramId(db(), id);
    if (!user) throw new Error('not registered');
    return user;
  }

  /** The fake's update with an id from the harness's own sequence (the two count separately). */
  const fresh = (update: Update) => withId({ my_chat_member: update.my_chat_member });

  const callsFor = (queryId: string) =>
    fake.callsOf('answerCallbackQuery').filter((c: RecordedCall) => c.payload.callback_query_id === queryId);

  it('answers a callback once when its handler answered and then failed, and sends the apology as a message', async () => {
    const h = harness();
    const user = await seller(h);
    // Resending a photoshoot whose files Telegram does not know: answered first, then the album is refused.
    const job = await deliveredPhotoshoot(db(), { userId: user.id, chatId: user.telegramId, styles: ['A', 'B'] });
    const press = callbackQuery({ id: user.telegramId }, resendData.pack({ job: job.id }));
    const queryId = (press as { callback_query: { id: string } }).callback_query.id;
    const from = fake.calls.length;
    await h.handle(withId(press));
    expect(callsFor(queryId)).toHaveLength(1);
    const apologies = fake
      .callsOf('sendMessage')
      .filter((c) => fake.calls.indexOf(c) >= from && c.payload.chat_id === user.telegramId);
    expect(apologies.map((c) => c.payload.text)).toEqual([APOLOGY]);
  });

  it('answers the callback with the apology when the handler failed before its answer went through', async () => {
    const h = harness();
    const user = await seller(h);
    const press = callbackQuery({ id: user.telegramId }, historyPageData.pack({ page: 0 }));
    const queryId = (press as { callback_query: { id: string } }).callback_query.id;
    // The handler's own answer is refused (not as "too old"): the query is still unanswered.
    fake.failNext('answerCallbackQuery', { error_code: 400, description: 'Bad Request: MESSAGE_TOO_LONG' });
    await h.handle(withId(press));
    const answers = callsFor(queryId);
    expect(answers).toHaveLength(2);
    expect(answers[1]?.payload).toMatchObject({ text: APOLOGY });
    expect(fake.callsOf('sendMessage').at(-1)?.payload).toMatchObject({ chat_id: user.telegramId, text: APOLOGY });
  });

  it('takes an edit to identical content as done, for handlers and for direct calls alike', async () => {
    const h = harness();
    const user = await seller(h);
    const draft = await createDraft(db(), {
      userId: user.id,
      chatId: user.telegramId,
      photos: [{ fileId: 'photo', fileUniqueId: 'photo-u' }],
    });
    const from = fake.calls.length;
    // The same "back" pressed twice: the second edit changes nothing.
    for (let i = 0; i < 2; i++) {
      const back = backData.pack({ draft: draft.id, to: 'ratio' });
      await h.handle(withId(callbackQuery({ id: user.telegramId }, back, 4242)));
    }
    const edits = fake.calls.slice(from).filter((c) => c.method === 'editMessageText');
    expect(edits).toHaveLength(2);
    expect(edits[1]?.payload).toEqual(edits[0]?.payload);
    const sent = fake.calls.slice(from).filter((c) => c.method === 'sendMessage');
    expect(sent).toEqual([]);
    // The fake did refuse it (the raw client sees the 400), and the bot's API took it as done.
    await expect(
      api.editMessageText(user.telegramId, 4242, String(edits[0]?.payload.text), {
        reply_markup: JSON.parse(JSON.stringify(edits[0]?.payload.reply_markup)),
      }),
    ).rejects.toMatchObject({ error_code: 400, description: `Bad Request: ${NOT_MODIFIED}` });
    const message = await h.bot.api.sendMessage(user.telegramId, 'Progress 50%');
    expect(await h.bot.api.editMessageText(user.telegramId, message.message_id, 'Progress 50%')).toBe(true);
    const photo = await h.bot.api.sendPhoto(user.telegramId, new InputFile(JPEG, 'p.jpg'), { caption: 'A' });
    expect(await h.bot.api.editMessageCaption(user.telegramId, photo.message_id, { caption: 'A' })).toBe(true);
    expect(await h.bot.api.editMessageReplyMarkup(user.telegramId, photo.message_id)).toBe(true);
    // Any other refusal of an edit still fails.
    fake.failNext('editMessageText', { error_code: 400, description: 'Bad Request: message to edit not found' });
    await expect(h.bot.api.editMessageText(user.telegramId, 1, 'x')).rejects.toMatchObject({ error_code: 400 });
  });

  it('on my_chat_member kicked: blocked_at set, the active photoshoot cancelled and stopped, its credit released', async () => {
    const stopped: number[][] = [];
    const h = harness({ stopJobs: (ids) => stopped.push([...ids]) });
    const user = await seller(h);
    const job = await chargePhotoshoot(db(), user.id, { chatId: user.telegramId });
    expect(await balanceAndLedger(db(), user.telegramId)).toEqual({ balance: 1, ledgerSum: 1 });
    const from = fake.calls.length;

    await h.handle(fresh(fake.block(user.telegramId)));

    const after = await findUserByTelegramId(db(), user.telegramId);
    expect(after?.blockedAt).toBeInstanceOf(Date);
    expect((await findPhotoshoot(db(), job.id))?.status).toBe('canceled');
    expect(stopped).toEqual([[job.id]]);
    expect(await balanceAndLedger(db(), user.telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
    const ledger = await db().select().from(balanceLedger).where(eq(balanceLedger.userId, user.id));
    expect(ledger.map((row) => [row.reason, row.delta, row.reference])).toEqual(
      expect.arrayContaining([
        ['photoshoot_reserve', -1, expect.anything()],
        ['photoshoot_release', 1, `photoshoot:${job.id}`],
      ]),
    );
    // Nothing is sent to someone who blocked the bot.
    expect(fake.calls.slice(from).filter((c) => c.method.startsWith('send'))).toEqual([]);

    // Told again (Telegram may repeat it): the first time is kept, nothing is released twice.
    const firstBlock = after?.blockedAt;
    await h.handle(fresh(fake.block(user.telegramId)));
    expect((await findUserByTelegramId(db(), user.telegramId))?.blockedAt).toEqual(firstBlock);
    expect(await balanceAndLedger(db(), user.telegramId)).toEqual({ balance: 2, ledgerSum: 2 });

    // Unblocked: reachable again.
    await h.handle(fresh(fake.unblock(user.telegramId)));
    expect((await findUserByTelegramId(db(), user.telegramId))?.blockedAt).toBeNull();
  });

  it('does not sign up a stranger who blocks the bot, and clears blocked_at when a blocked user writes again', async () => {
    const h = harness();
    const stranger = nextSeller++;
    await h.handle(fresh(fake.block(stranger)));
    expect(await findUserByTelegramId(db(), stranger)).toBeUndefined();

    const user = await seller(h);
    await markUserBlocked(db(), user.telegramId);
    expect((await findUserByTelegramId(db(), user.telegramId))?.blockedAt).toBeInstanceOf(Date);
    await h.handle(withId(textMessage({ id: user.telegramId }, '/balance')));
    expect((await findUserByTelegramId(db(), user.telegramId))?.blockedAt).toBeNull();
    await markUserUnblocked(db(), user.telegramId); // a no-op on a reachable user
  });

  it('sellerBlocked (for a send answered 403) cancels what has not begun delivering and leaves a delivering job alone', async () => {
    const h = harness();
    const user = await seller(h);
    const waiting = await chargePhotoshoot(db(), user.id);
    const outcome = await sellerBlocked(db(), user.telegramId);
    expect(outcome).toMatchObject({ canceled: [waiting.id], released: 1, delivering: [] });
    expect((await findUserByTelegramId(db(), user.telegramId))?.blockedAt).toBeInstanceOf(Date);
    expect(await balanceAndLedger(db(), user.telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
    // A job already sending its images is its worker's to finish (its sends now fail with 403).
    const other = await seller(h);
    const sending = await chargePhotoshoot(db(), other.id);
    await db()
      .update(photoshoots)
      .set({ status: 'running', deliveringAt: new Date() })
      .where(eq(photoshoots.id, sending.id));
    expect(await sellerBlocked(db(), other.telegramId)).toMatchObject({ canceled: [], delivering: [sending.id] });
    expect((await findPhotoshoot(db(), sending.id))?.status).toBe('running');
    expect(await balanceAndLedger(db(), other.telegramId)).toEqual({ balance: 1, ledgerSum: 1 });
    // Nobody to cancel for an unknown user.
    expect(await sellerBlocked(db(), 1)).toEqual({ canceled: [], released: 0, delivering: [], unattended: [] });
  });

  it('notifies the admins who can be reached and notes quietly one who blocked the bot', async () => {
    const capture = captureLogger();
    fake.block(991_500);
    const delivered = await notifyAdmins(api, [991_500, 991_501], 'Heads up', capture.logger);
    expect(delivered).toBe(1);
    const records = capture.records();
    expect(records.filter((r) => r.level === 40 || r.level === 50)).toEqual([]);
    expect(records).toEqual([
      expect.objectContaining({ admin_id: 991_500, reason: BLOCKED_BY_USER, msg: 'an admin cannot be reached' }),
    ]);
  });
});
