import { eq } from 'drizzle-orm';
import { Api } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { treatUnchangedEditAsDone } from '../../src/bot/api-policy.js';
import { buyData } from '../../src/bot/callback-data/buy.js';
import { generateData, ratioData, sourceData } from '../../src/bot/callback-data/photoshoot.js';
import { createI18n } from '../../src/bot/i18n.js';
import { createTelegramPreviewReporter } from '../../src/bot/preview-report.js';
import { queuePhotoshoot } from '../../src/db/queue.js';
import { photoshootDrafts, photoshoots } from '../../src/db/schema.js';
import { findUserByTelegramId, registerUser } from '../../src/db/users.js';
import { createPreviewWorker, type PreviewWorker } from '../../src/photoshoot/preview.js';
import { TEST_TOKEN } from '../support/bot-harness.js';
import type { RecordedCall } from '../support/fake-bot-api.js';
import { FAKE_ANALYSIS, useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { balanceAndLedger } from '../support/ledger.js';
import { silentLogger } from '../support/logger.js';
import { callbackQuery, photoMessage, type Sender, textMessage, withId } from '../support/updates.js';
import { useWorkerTestbed } from '../support/worker-testbed.js';

// The bot and the worker share one token, as in app.ts.
const TOKEN = TEST_TOKEN;
const openai = useFakeOpenAi();
const bed = useWorkerTestbed(TOKEN, openai);
let nextUser = 48_000;
const previews: PreviewWorker[] = [];
afterEach(async () => {
  await Promise.all(previews.splice(0).map((p) => p.stop(5000)));
});

/** The worker, the style-preview worker and the bot, over the same fake Bot API and OpenAI, as app.ts wires them. */
function start(freePhotoshoots = 2) {
  const { worker, ai, photos, config, bot: botFor } = bed.build();
  const db = bed.database.handle.db;
  const api = new Api(TOKEN, { apiRoot: bed.telegram.apiRoot });
  api.config.use(treatUnchangedEditAsDone);
  const preview = createPreviewWorker({
    db,
    photos,
    vision: ai.vision,
    prompts: ai.prompts,
    reporter: createTelegramPreviewReporter({ db, api, i18n: createI18n('en'), logger: silentLogger }),
    logger: silentLogger,
    config: { ...config.worker, pollMs: 50 },
  });
  previews.push(preview);
  void preview.start();
  return { worker, bot: botFor({ freePhotoshoots, kickPreviews: () => preview.kick() }) };
}

type Bot = ReturnType<typeof start>['bot'];
const seller = (locale: 'en' | 'ru' = 'en'): Sender => ({ id: nextUser++, language_code: locale });

/** The seller sends a product photo (a real one, on the fake Bot API); returns its message id. */
async function sendPhoto(bot: Bot, from: Sender, options: { caption?: string; album?: string } = {}) {
  const update = photoMessage(from, bed.telegram.addFile(fixture('flowers.jpeg')), options.album);
  const message = update.message as unknown as { message_id: number; caption?: string };
  if (options.caption) message.caption = options.caption;
  bed.telegram.userSent(from.id, message.message_id);
  await bot.handle(withId(update));
  return message.message_id;
}

async function draftsOf(telegramId: number) {
  const user = await findUserByTelegramId(bed.database.handle.db, telegramId);
  return bed.database.handle.db
    .select()
    .from(photoshootDrafts)
    .where(eq(photoshootDrafts.userId, user?.id ?? -1))
    .orderBy(photoshootDrafts.id);
}

async function jobsOf(telegramId: number) {
  const user = await findUserByTelegramId(bed.database.handle.db, telegramId);
  return bed.database.handle.db
    .select()
    .from(photoshoots)
    .where(eq(photoshoots.userId, user?.id ?? -1))
    .orderBy(photoshoots.id);
}

/** Ratio and style source on the seller's latest draft; the analysis waits for the preview. */
async function setUp(bot: Bot, from: Sender, source: 'random' | 'analysis' = 'random') {
  const draft = (await draftsOf(from.id)).at(-1);
  const id = draft?.id ?? 0;
  await bot.handle(withId(callbackQuery(from, ratioData.pack({ draft: id, ratio: '1x1' }))));
  await bot.handle(withId(callbackQuery(from, sourceData.pack({ draft: id, source }))));
  if (source === 'analysis') {
    await expect
      .poll(async () => (await draftsOf(from.id)).find((d) => d.id === id)?.styles?.length, { timeout: 10_000 })
      .toBe(4);
  }
  return id;
}

const generate = (bot: Bot, from: Sender, draft: number) =>
  bot.handle(withId(callbackQuery(from, generateData.pack({ draft }))));

async function allSettled(telegramId: number, count: number) {
  await expect
    .poll(async () => (await jobsOf(telegramId)).map((j) => j.status).join(','), { timeout: 20_000, interval: 50 })
    .toBe(Array(count).fill('done').join(','));
}

const callsTo = (chatId: number, method: string) =>
  bed.telegram.calls.filter((c) => c.method === method && Number(c.payload.chat_id) === chatId);
const textsTo = (chatId: number) =>
  bed.telegram.calls
    .filter((c) => /^(sendMessage|editMessageText)$/.test(c.method) && Number(c.payload.chat_id) === chatId)
    .map((c) => String(c.payload.text));
const replyOf = (call: RecordedCall) => {
  const raw = call.payload.reply_parameters;
  return (typeof raw === 'string' ? JSON.parse(raw) : raw) as
    | { message_id: number; allow_sending_without_reply?: boolean }
    | undefined;
};
/** The style-prompt requests the fake OpenAI received (chat completions with that schema). */
const promptRequests = () =>
  openai()
    .requestsTo('chat')
    .filter(
      (r) => (r.body.response_format as { json_schema?: { name?: string } })?.json_schema?.name === 'style_prompts',
    );
const messagesOf = (request: { body: Record<string, unknown> }) =>
  (request.body.messages as { role: string; content: string }[]).map((m) => m.content);

/** A photoshoot queued (the worker not yet started), then a second photo set up and Generate pressed: it waits. */
async function queuedAndWaiting(bot: Bot, from: Sender) {
  await sendPhoto(bot, from);
  await generate(bot, from, await setUp(bot, from));
  await sendPhoto(bot, from);
  const next = await setUp(bot, from);
  await generate(bot, from, next);
  return next;
}

describe('the next photoshoot, set up while one runs', () => {
  it('waits for the running one and starts when it is done: each charged once, the set-up message becomes its progress', async () => {
    const { worker, bot } = start(2);
    const from = seller();
    const next = await queuedAndWaiting(bot, from);
    await generate(bot, from, next);
    expect(await jobsOf(from.id)).toHaveLength(1);
    void worker.start();
    await allSettled(from.id, 2);
    const [, second] = await jobsOf(from.id);
    const draft = (await draftsOf(from.id)).find((d) => d.id === next);
    expect(draft?.submittedAt).toBeInstanceOf(Date);
    expect(second?.progressMessageId).toBe(draft?.messageId);
    expect(await balanceAndLedger(bed.database.handle.db, from.id)).toEqual({ balance: 0, ledgerSum: 0 });
    expect((await jobsOf(from.id)).map((j) => j.creditState)).toEqual(['committed', 'committed']);
    // Its results end in the message the seller set it up in.
    await expect
      .poll(() =>
        callsTo(from.id, 'editMessageText')
          .filter((c) => c.payload.message_id === draft?.messageId)
          .map((c) => String(c.payload.text))
          .at(-1),
      )
      .toBe('📦 ceramic coffee mug\n✅ Your photoshoot is ready: 4 images above, as previews and as PNG files.');
  });

  it('starts a waiting draft whose running photoshoot was cancelled while queued, when the worker sweeps', async () => {
    const { worker, bot } = start(2);
    const from = seller();
    await queuedAndWaiting(bot, from);
    await bot.handle(withId(textMessage(from, '/cancel')));
    expect((await jobsOf(from.id)).map((j) => j.status)).toEqual(['canceled']);
    // The worker's first pass sweeps: the draft no longer has anything to wait for.
    void worker.start();
    await expect
      .poll(async () => (await jobsOf(from.id)).map((j) => j.status).join(','), { timeout: 20_000, interval: 50 })
      .toBe('canceled,done');
    expect(await balanceAndLedger(bed.database.handle.db, from.id)).toEqual({ balance: 1, ledgerSum: 1 });
  });

  for (const locale of ['en', 'ru'] as const) {
    it(`with no balance left when the running one ends, tells the seller with a buy button and keeps the draft open (${locale})`, async () => {
      const { worker, bot } = start(1);
      const from = seller(locale);
      const next = await queuedAndWaiting(bot, from);
      void worker.start();
      await allSettled(from.id, 1);
      const told = await bed.telegram.waitForCall(
        'sendMessage',
        (c) => Number(c.payload.chat_id) === from.id && /no photoshoots left|не осталось/.test(String(c.payload.text)),
        { timeoutMs: 10_000 },
      );
      expect(String(told.payload.text)).toContain(
        locale === 'en'
          ? 'you have no photoshoots left to start the next one you set up'
          : 'фотосессий на балансе не осталось, чтобы запустить следующую',
      );
      const markup = told.payload.reply_markup as { inline_keyboard: { callback_data: string }[][] };
      expect(markup.inline_keyboard.flat().map((b) => b.callback_data)).toEqual([buyData.pack({})]);
      const draft = (await draftsOf(from.id)).find((d) => d.id === next);
      expect(draft?.submittedAt).toBeNull();
      expect(draft?.waitingSince).toBeNull();
      expect(await jobsOf(from.id)).toHaveLength(1);
      expect(await balanceAndLedger(bed.database.handle.db, from.id)).toEqual({ balance: 0, ledgerSum: 0 });
    });
  }
});

describe('results the seller can tell apart', () => {
  for (const locale of ['en', 'ru'] as const) {
    it(`replies to each batch photo with its own results, names the product, and puts the caption in every image prompt (${locale})`, async () => {
      const { worker, bot } = start(2);
      const from = seller(locale);
      const album = `album-${from.id}`;
      const first = await sendPhoto(bot, from, { album, caption: 'white background, for a marketplace' });
      const second = await sendPhoto(bot, from, { album });
      // A photo deleted before its results arrive: they go out all the same, as no reply.
      bed.telegram.userDeleted(from.id, second);
      const before = openai().requestsTo('edits').length;
      await generate(bot, from, await setUp(bot, from));
      void worker.start();
      await allSettled(from.id, 2);
      const jobs = await jobsOf(from.id);
      expect(jobs.map((j) => j.sourceMessageId)).toEqual([first, second]);
      const groups = callsTo(from.id, 'sendMediaGroup');
      expect(groups).toHaveLength(4);
      // The two jobs run at once: their albums may interleave.
      expect(groups.map((g) => replyOf(g)).sort((a, b) => (a?.message_id ?? 0) - (b?.message_id ?? 0))).toEqual(
        [first, first, second, second]
          .map((id) => ({ message_id: id, allow_sending_without_reply: true }))
          .sort((a, b) => a.message_id - b.message_id),
      );
      await expect
        .poll(
          () =>
            textsTo(from.id).filter((t) =>
              t.includes(
                `📦 ${FAKE_ANALYSIS.product_name[locale]}\n${
                  locale === 'en'
                    ? '✅ Your photoshoot is ready: 4 images above'
                    : '✅ Фотосессия готова: выше 4 изображения'
                }`,
              ),
            ).length,
        )
        .toBe(2);
      const prompts = openai()
        .requestsTo('edits')
        .slice(before)
        .map((r) => String(r.body.prompt));
      expect(prompts).toHaveLength(8);
      for (const prompt of prompts) expect(prompt).toContain('white background, for a marketplace');
    });
  }

  it('asks for the analysed style names in the seller language with their wish, and names the files in ASCII', async () => {
    const { worker, bot } = start(2);
    const ru = seller('ru');
    const en = seller('en');
    const names = ['Студийный софбокс', 'Утренняя кухня', 'Тёмная студия', 'Щётка и ёлка'];
    // The first chat request is the analysis; the second, the style prompts, answered in Russian.
    openai().queue(
      'chat',
      { delayMs: 1 },
      {
        content: JSON.stringify({
          styles: names.map((name) => ({ name, scene: `The mug on a surface, ${name.length} props, soft light` })),
        }),
      },
    );
    await sendPhoto(bot, ru, { caption: 'на белом фоне, для маркетплейса' });
    const draft = await setUp(bot, ru, 'analysis');
    const [asked] = promptRequests().slice(-1);
    const [system, user] = messagesOf(asked ?? { body: { messages: [] } });
    expect(system).toContain('written in Russian');
    expect(user).toContain('на белом фоне, для маркетплейса');
    // The styles are the draft's before the message shows them.
    await expect.poll(() => textsTo(ru.id).at(-1)).toContain('Студийный софбокс');

    await generate(bot, ru, draft);
    void worker.start();
    await allSettled(ru.id, 1);
    const files = callsTo(ru.id, 'sendMediaGroup').flatMap((c) => c.files.map((f) => f.filename));
    expect(files).toEqual([
      '1-studiynyy-sofboks.png',
      '2-utrennyaya-kukhnya.png',
      '3-temnaya-studiya.png',
      '4-shchetka-i-elka.png',
      '1-studiynyy-sofboks.png',
      '2-utrennyaya-kukhnya.png',
      '3-temnaya-studiya.png',
      '4-shchetka-i-elka.png',
    ]);
    for (const name of files) expect(name).toMatch(/^[a-z0-9.-]+$/);

    // Another seller, in English and with no wish: asked in English, not served the Russian names from the cache.
    await sendPhoto(bot, en);
    await setUp(bot, en, 'analysis');
    const [system2, user2] = messagesOf(promptRequests().at(-1) ?? { body: { messages: [] } });
    expect(system2).toContain('written in English');
    expect(user2).not.toContain("seller's wish");
    await expect.poll(() => textsTo(en.id).at(-1)).toContain('Marble studio');
  });

  it('answers a repeat under the photo of the photoshoot it repeats', async () => {
    const db = bed.database.handle.db;
    const { user } = await registerUser(db, { id: nextUser++, first_name: 'S' }, { freePhotoshoots: 2 });
    const base = {
      userId: user.id,
      chatId: user.telegramId,
      sourceFileId: 'f',
      sourceFileUniqueId: 'u',
      aspectRatio: '1:1',
    };
    const styles = [{ name: 'Studio', prompt: 'The product in a studio' }];
    const first = await queuePhotoshoot(db, { ...base, styleSource: 'random', styles, sourceMessageId: 4242 });
    await db.update(photoshoots).set({ status: 'done' }).where(eq(photoshoots.id, first.id));
    const repeat = await queuePhotoshoot(db, { ...base, styleSource: 'same', styles, parentId: first.id, free: true });
    expect(repeat.sourceMessageId).toBe(4242);
  });
});

describe('the fake Bot API, on replies', () => {
  it('refuses a reply to a message the chat does not have, unless allow_sending_without_reply, as Telegram does', async () => {
    const chat = nextUser++;
    const send = async (reply_parameters: Record<string, unknown>) => {
      const response = await fetch(`${bed.telegram.apiRoot}/bot${TOKEN}/sendMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: chat, text: 'Results', reply_parameters }),
      });
      return (await response.json()) as { ok: boolean; error_code?: number; description?: string };
    };
    expect(await send({ message_id: 77 })).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: message to be replied not found',
    });
    expect((await send({ message_id: 77, allow_sending_without_reply: true })).ok).toBe(true);
    bed.telegram.userSent(chat, 77);
    expect((await send({ message_id: 77 })).ok).toBe(true);
    bed.telegram.userDeleted(chat, 77);
    expect((await send({ message_id: 77 })).ok).toBe(false);
  });
});
