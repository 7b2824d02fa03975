import { sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createI18n } from '../../src/bot/i18n.js';
import { type Database, queryRows } from '../../src/db/client.js';
import { logRecords, useBotProcesses } from '../support/bot-process.js';
import { usingPostgres } from '../support/db.js';
import { FakeBotApi, type RecordedCall } from '../support/fake-bot-api.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { exitWithin, type RunningProcess } from '../support/process.js';
import { button, buttonPresses } from '../support/telegram-buttons.js';
import { callbackQuery, textMessage } from '../support/updates.js';

/**
 * The real bot process with Telegram and the OpenAI-compatible provider replaced only at the
 * HTTP boundary (test/support/fake-bot-api.ts, fake-openai.ts): an OpenRouter-style image
 * backend end to end, and an account incident (invalid key) from first failure to recovery.
 */

const TOKEN = '7000000021:AAE-real_services_token_value_24680';
const SECRET = TOKEN.split(':')[1] ?? TOKEN;
const ADMINS = [52_901, 52_902];
/** Seconds between incident checks and trial calls while an upstream is out. */
const CHECK_EVERY_S = 2;
const i18n = createI18n('en');
const openai = useFakeOpenAi();
let telegram: FakeBotApi;
const bots = useBotProcesses('bot-real-services-', {
  BOT_TOKEN: TOKEN,
  OPENAI_API_KEY: 'sk-e2e-real-services',
  AI_BACKOFF_INITIAL_MS: '10',
  JOB_POLL_MS: '100',
});

// A Bot API fake of its own for each test.
beforeEach(async () => {
  telegram = await new FakeBotApi({ token: TOKEN }).start();
});
afterEach(() => telegram.close());

async function startBot(env: Record<string, string>) {
  const dbEnv = await bots.freshDatabaseEnv();
  const bot = bots.start({
    TELEGRAM_API_ROOT: telegram.apiRoot,
    OPENAI_BASE_URL: openai().baseUrl,
    ...dbEnv,
    ...env,
  });
  await bot.waitForOutput(/polling for updates/, 45_000);
  return { bot, dbEnv };
}

/** Stops the bot gracefully (the embedded database allows one process) and checks what it logged. */
async function stopBot(bot: RunningProcess) {
  bot.child.kill('SIGTERM');
  expect(await exitWithin(bot, 20_000)).toBe(0);
  // BOT_TOKEN is redacted everywhere, URLs (file downloads) included.
  expect(bot.output()).not.toContain(SECRET);
  expect(bot.output()).not.toContain('7000000021');
}

const presses = buttonPresses(() => telegram, { timeoutMs: 20_000, photoTimeoutMs: 30_000 });
const { pressForAnswer } = presses;

/** Photo -> ratio -> random styles: resolves with the confirm screen (the Generate button). */
async function toConfirm(seller: { id: number; first_name: string }, ratio: RegExp) {
  const confirm = await presses.toConfirm(seller, ratio);
  expect(String(confirm.payload.text)).toMatch(/Cost: 1 photoshoot\. Your balance: 2\./);
  return confirm;
}

/** Presses Generate (`data`) and resolves with the seller's album of PNG documents, once it has been sent. */
function generateForDocuments(seller: { id: number }, data: string, timeoutMs = 45_000) {
  const from = telegram.calls.length;
  telegram.pushUpdate(callbackQuery(seller, data, 1));
  return telegram.waitForCall(
    'sendMediaGroup',
    (c) => c.payload.chat_id === String(seller.id) && String(c.payload.media).includes('"document"'),
    { from, timeoutMs },
  );
}

/** Resolves with the final progress text of the seller's photoshoot matching `text`. */
function progressSaying(sellerId: number, text: string | RegExp, timeoutMs = 30_000) {
  // A finished photoshoot's text opens with the product's name on a line of its own.
  const matches = (s: string) => (typeof text === 'string' ? s === text || s.endsWith(`\n${text}`) : text.test(s));
  return telegram.waitForCall(
    'editMessageText',
    (c) => Number(c.payload.chat_id) === sellerId && matches(String(c.payload.text)),
    { timeoutMs },
  );
}

const messagesTo = (chatId: number) =>
  telegram.callsOf('sendMessage').filter((c) => Number(c.payload.chat_id) === chatId);

/** Balance, ledger sum, ledger reasons, photoshoots (and their states) and delivered images of a seller. */
async function account(db: Database, telegramId: number) {
  const [row] = await queryRows<Record<string, unknown>>(
    db,
    sql`select u.balance,
               (select coalesce(sum(delta), 0) from balance_ledger l where l.user_id = u.id) as ledger,
               (select string_agg(l.reason::text, ',' order by l.id) from balance_ledger l where l.user_id = u.id) as reasons,
               (select count(*) from photoshoots p where p.user_id = u.id) as jobs,
               (select string_agg(p.status::text, ',' order by p.id) from photoshoots p where p.user_id = u.id) as states,
               (select count(*) from processed_images i
                 where i.user_id = u.id and i.status = 'done' and i.result_file_id is not null) as delivered
          from users u where u.telegram_id = ${telegramId}`,
  );
  if (!row) throw new Error(`no user ${telegramId}`);
  return {
    balance: Number(row.balance),
    ledger: Number(row.ledger),
    reasons: String(row.reasons ?? ''),
    jobs: Number(row.jobs),
    states: String(row.states ?? ''),
    delivered: Number(row.delivered),
  };
}

type Account = Awaited<ReturnType<typeof account>>;

/** Stops the bot, opens its database after the exit and hands `check` a reader of sellers' accounts there. */
async function afterStop(
  bot: RunningProcess,
  dbEnv: Record<string, string>,
  check: (accountOf: (telegramId: number) => Promise<Account>) => Promise<void>,
) {
  await stopBot(bot);
  const read = await bots.openAfterExit(dbEnv);
  try {
    await check((telegramId) => account(read.db, telegramId));
  } finally {
    await read.close();
  }
}

describe('the real process against the real services’ contracts', () => {
  it('IMAGE_API=chat end to end: Gemini through chat completions renders the 4 styles, delivered as PNGs of the ratio, charged once', async () => {
    const { bot, dbEnv } = await startBot({
      IMAGE_API: 'chat',
      IMAGE_MODEL: 'google/gemini-2.5-flash-image',
      VISION_MODEL: 'google/gemini-2.5-flash',
      PROMPT_MODEL: 'google/gemini-2.5-flash',
    });
    const seller = { id: 52_001, first_name: 'Ann' };
    const confirm = await toConfirm(seller, /^3:4$/);
    const documents = await generateForDocuments(seller, button(confirm, /Generate/));
    await progressSaying(seller.id, i18n.t('en', 'progress-done', { count: 4 }));

    // The album of previews, then the 4 PNG files: real PNGs, exactly 3:4. Gemini renders 3:4 as
    // 864x1184; the bot pads it out (never crops) to the smallest exact 3:4 size, 888x1184.
    const previews = telegram
      .callsOf('sendMediaGroup')
      .filter((c) => c.payload.chat_id === String(seller.id) && String(c.payload.media).includes('"photo"'));
    expect(previews).toHaveLength(1);
    expect(JSON.parse(String(previews[0]?.payload.media))).toHaveLength(4);
    expect(documents.files).toHaveLength(4);
    for (const file of documents.files) {
      expect(file.data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      const meta = await sharp(file.data).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width * 4).toBe(meta.height * 3);
      expect([meta.width, meta.height]).toEqual([888, 1184]);
    }

    // Every image went through chat completions with image output, none through images.edit.
    const imageRequests = openai()
      .requestsTo('chat')
      .filter((r) => Array.isArray(r.body.modalities));
    expect(imageRequests).toHaveLength(4);
    for (const request of imageRequests) {
      expect(request.body.model).toBe('google/gemini-2.5-flash-image');
      expect(request.body.modalities).toEqual(['image', 'text']);
      expect(request.body.image_config).toEqual({ aspect_ratio: '3:4' });
      // The seller's photo goes with the prompt, as a data URL.
      const parts = (request.body.messages as { content: { type: string; image_url?: { url: string } }[] }[])[0]
        ?.content;
      expect(
        parts?.some((p) => p.type === 'image_url' && /^data:image\/(jpeg|png);base64,/.test(p.image_url?.url ?? '')),
      ).toBe(true);
    }
    expect(openai().requestsTo('edits')).toHaveLength(0);
    expect(openai().requestsTo('generations')).toHaveLength(0);
    expect(openai().answered).toEqual({ 200: openai().requests.length });

    await afterStop(bot, dbEnv, async (accountOf) => {
      expect(await accountOf(seller.id)).toEqual({
        balance: 1,
        ledger: 1,
        reasons: 'signup_bonus,photoshoot_reserve',
        jobs: 1,
        states: 'done',
        delivered: 4,
      });
    });
  }, 90_000);

  // A minute of waiting whatever the database: run on PostgreSQL only.
  it.runIf(usingPostgres)(
    'image answers slower than 60 s (a real gpt-image edit takes 20-120 s): each image requested once, delivered, charged once',
    async () => {
      // The default IMAGE_TIMEOUT_S (300): a 62 s answer is waited for, not abandoned and sent again.
      openai().latencyMs.edits = 62_000;
      const { bot, dbEnv } = await startBot({});
      const seller = { id: 52_002, first_name: 'Bo' };
      const confirm = await toConfirm(seller, /^1:1$/);
      const documents = await generateForDocuments(seller, button(confirm, /Generate/), 120_000);
      expect(documents.files).toHaveLength(4);
      await progressSaying(seller.id, i18n.t('en', 'progress-done', { count: 4 }));
      expect(openai().requestsTo('edits')).toHaveLength(4);
      expect(openai().answered).toEqual({ 200: openai().requests.length });

      await afterStop(bot, dbEnv, async (accountOf) => {
        expect(await accountOf(seller.id)).toMatchObject({
          balance: 1,
          ledger: 1,
          states: 'done',
          delivered: 4,
        });
      });
    },
    180_000,
  );

  it('invalid key: one failed photoshoot released, one alert per admin, later Generates refused before any charge, one recovery, then it works', async () => {
    openai().accountProblem = 'invalid_api_key';
    const { bot, dbEnv } = await startBot({
      ADMIN_IDS: ADMINS.join(','),
      BREAKER_HALF_OPEN_AFTER_S: String(CHECK_EVERY_S),
    });
    const first = { id: 52_101, first_name: 'Bea' };
    // The one who presses Generate again after the recovery, and two who do not.
    const retrying = { id: 52_102, first_name: 'Cal' };
    const later = [retrying, { id: 52_103, first_name: 'Dot' }, { id: 52_104, first_name: 'Eli' }];

    // The first photoshoot meets the invalid key: it fails, the seller is told in plain words.
    const confirmFirst = await toConfirm(first, /^1:1$/);
    telegram.pushUpdate(callbackQuery(first, button(confirmFirst, /Generate/), 1));
    const failed = await progressSaying(first.id, /could not generate/);
    expect(failed.payload.text).toBe(i18n.t('en', 'progress-failed'));
    expect(String(failed.payload.text)).not.toMatch(/Error|invalid_api_key|401|\bat .+:\d+/);
    expect(openai().answered[401]).toBeGreaterThanOrEqual(1);

    // The incident opens: each admin is told once, in the words of admin-upstream-incident.
    const [before, after] = i18n
      .t('en', 'admin-upstream-incident', { upstream: 'vision', reason: '\u0000', seconds: CHECK_EVERY_S })
      .split('\u0000');
    const isIncident = (c: RecordedCall) =>
      String(c.payload.text).startsWith(before ?? '') && String(c.payload.text).endsWith(after ?? '');
    for (const admin of ADMINS) {
      const alert = await telegram.waitForCall(
        'sendMessage',
        (c) => Number(c.payload.chat_id) === admin && isIncident(c),
        { timeoutMs: 15_000 },
      );
      expect(String(alert.payload.text)).toContain('401 invalid_api_key');
      expect(String(alert.payload.text)).not.toContain('sk-e2e-real-services');
    }

    // Every later Generate is refused at the button, before any charge; the choices are kept.
    const generates = new Map<number, string>();
    for (const seller of later) {
      const confirm = await toConfirm(seller, /^1:1$/);
      const generate = button(confirm, /Generate/);
      generates.set(seller.id, generate);
      const answer = await pressForAnswer(seller, generate);
      expect(answer.payload).toMatchObject({ text: i18n.t('en', 'generation-outage'), show_alert: true });
    }
    // A second press of the same button is refused the same way.
    const again = await pressForAnswer(retrying, generates.get(retrying.id) ?? '');
    expect(again.payload.text).toBe(i18n.t('en', 'generation-outage'));
    const balance = await telegram.exchange(textMessage(retrying, '/balance'), 20_000);
    expect(String(balance.payload.text)).toContain('2 photoshoots left');

    // Trials keep failing meanwhile (one per interval, on the key, not a photoshoot): no alert more.
    const trials = openai().answered[401] ?? 0;
    await expect
      .poll(() => openai().answered[401] ?? 0, { timeout: 20_000, interval: 200 })
      .toBeGreaterThanOrEqual(trials + 2);
    for (const admin of ADMINS) expect(messagesTo(admin).filter(isIncident)).toHaveLength(1);
    for (const admin of ADMINS) expect(messagesTo(admin)).toHaveLength(1);
    // Only the first photoshoot reached the provider: one vision call, no image call.
    const photoshootCalls = openai().requests.filter((r) => r.body.response_format !== undefined);
    expect(photoshootCalls).toHaveLength(1);
    expect(openai().requestsTo('edits')).toHaveLength(0);

    // The key is fixed: the next trial succeeds and each admin hears once that it recovered.
    openai().accountProblem = undefined;
    const recovered = i18n.t('en', 'admin-upstream-recovered', { upstream: 'vision', minutes: 1 });
    for (const admin of ADMINS) {
      await telegram.waitForCall(
        'sendMessage',
        (c) => Number(c.payload.chat_id) === admin && c.payload.text === recovered,
        { timeoutMs: 20_000 },
      );
    }
    // The refused seller presses the same Generate again: it is queued, charged and delivered.
    const documents = await generateForDocuments(retrying, generates.get(retrying.id) ?? '');
    expect(documents.files).toHaveLength(4);
    await progressSaying(retrying.id, i18n.t('en', 'progress-done', { count: 4 }));

    // One more interval: still one incident alert and one recovery per admin, nothing else.
    await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_S * 1000 + 500));
    for (const admin of ADMINS) {
      expect(messagesTo(admin).map((c) => isIncident(c) || c.payload.text === recovered)).toEqual([true, true]);
      expect(messagesTo(admin).filter((c) => c.payload.text === recovered)).toHaveLength(1);
    }
    const logged = logRecords(bot).map((r) => r.msg);
    expect(logged.filter((m) => m === 'upstream account failure: incident opened')).toHaveLength(1);
    expect(logged.filter((m) => m === 'upstream recovered: incident closed')).toHaveLength(1);
    // The seller's failure was logged for the operator, never sent to a chat with its stack.
    expect(telegram.calls.some((c) => /\n\s+at /.test(String(c.payload.text ?? '')))).toBe(false);

    await afterStop(bot, dbEnv, async (accountOf) => {
      // The first seller's credit was reserved and released: nothing charged.
      expect(await accountOf(first.id)).toEqual({
        balance: 2,
        ledger: 2,
        reasons: 'signup_bonus,photoshoot_reserve,photoshoot_release',
        jobs: 1,
        states: 'failed',
        delivered: 0,
      });
      // The refused sellers were never charged and nothing was queued for them.
      for (const seller of later.slice(1)) {
        expect(await accountOf(seller.id)).toEqual({
          balance: 2,
          ledger: 2,
          reasons: 'signup_bonus',
          jobs: 0,
          states: '',
          delivered: 0,
        });
      }
      // The one who pressed again after the recovery: charged once, for the photoshoot delivered.
      expect(await accountOf(retrying.id)).toEqual({
        balance: 1,
        ledger: 1,
        reasons: 'signup_bonus,photoshoot_reserve',
        jobs: 1,
        states: 'done',
        delivered: 4,
      });
    });
  }, 120_000);
});
