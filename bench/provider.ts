/**
 * The bot against a realistic image provider: the real bot process and the fake Bot API, with
 * the fake OpenAI taking 20-90 s per image (drawn uniformly for each request; the real service
 * takes 20-120 s) and limiting images to 120 a minute (a token bucket, 429 past it), the bot's
 * IMAGE_RATE_PER_MINUTE set to the same limit and enough worker slots that the budget, not the
 * slots, decides the pace. 60 sellers go through /start, photo, ratio, style source and Generate
 * within 5 s (--quick: 12 sellers, 60 images a minute, 5-15 s per image). Two sellers go first
 * and are not counted: the bot then has measured image answers to estimate with, as a
 * deployment that has run before has (a new one starts from a fixed guess).
 *
 * Figures: images a minute the provider accepted while images were still to be requested, vs
 * its limit; 429s the bot received; photoshoots that failed; for each seller, the wait shown at
 * Generate (the minutes of the queue message) vs the time from Generate to their album.
 * On PostgreSQL only (the image budget is a row every worker shares).
 */
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../src/db/client.js';
import { createTestDatabase, usingPostgres } from '../test/support/db.js';
import { FakeBotApi, type RecordedCall } from '../test/support/fake-bot-api.js';
import { FakeOpenAi } from '../test/support/fake-openai.js';
import { fixture } from '../test/support/fixtures.js';
import { exitWithin, freePort, startProcess } from '../test/support/process.js';
import { callbackQuery, photoMessage, type Sender, textMessage } from '../test/support/updates.js';
import { fakeServicesEnv, percentile, printTable, round1, writeResult } from './lib.js';

const TOKEN = '7100000002:AAE-provider_benchmark_token_for_the_fake';
const quick = process.env.BENCH_QUICK === '1';
const SELLERS = quick ? 12 : 60;
/** The provider's images a minute, and the bot's IMAGE_RATE_PER_MINUTE. */
const LIMIT = quick ? 60 : 120;
/** Seconds one image takes at the provider, drawn uniformly from this range for each request. */
const LATENCY_S: [number, number] = quick ? [5, 15] : [20, 90];
/** The product analysis (chat completions) takes a few seconds too. */
const VISION_MS = 2000;
/**
 * Worker slots: the images in flight at the limit (rate x the longest latency) over the 4 of a
 * photoshoot, doubled, since a photoshoot holds its slot until its slowest image lands.
 */
const CONCURRENCY = Math.min(256, Math.ceil(((LIMIT / 60) * LATENCY_S[1] * 2) / 4));
/** Sellers whose photoshoots run first, not counted. */
const WARM_UP = 2;
/** Seconds over which the sellers press Generate. */
const ARRIVAL_S = 5;
const PHOTO = fixture('flowers.jpeg');

interface SellerResult {
  shownMin: number;
  actualS: number;
  /** Largest "waiting for the image service, about N min" shown while it ran (0 when none). */
  budgetWaitMin: number;
}

const minutesIn = (text: unknown) => Number(/about (\d+(?:\.\d+)?) min/.exec(String(text))?.[1] ?? Number.NaN);

function button(call: RecordedCall, text: RegExp): string {
  const markup = call.payload.reply_markup as
    | { inline_keyboard: { text: string; callback_data: string }[][] }
    | undefined;
  const found = markup?.inline_keyboard.flat().find((b) => text.test(b.text));
  if (!found) throw new Error(`no button ${text} in ${JSON.stringify(call.payload)}`);
  return found.callback_data;
}

export async function benchProvider(): Promise<void> {
  if (!usingPostgres) {
    process.stdout.write('\nProvider: needs PostgreSQL (skipped on PGlite)\n');
    return;
  }
  const telegram = await new FakeBotApi({ token: TOKEN }).start();
  const openai = await new FakeOpenAi().start();
  openai.keepRequests = false;
  openai.imageLimit = { perMinute: LIMIT };
  const imageArrivals: number[] = [];
  openai.latencyFor = (endpoint) => {
    if (endpoint === 'chat') return VISION_MS;
    imageArrivals.push(Date.now());
    const [low, high] = LATENCY_S;
    return (low + Math.random() * (high - low)) * 1000;
  };
  const database = await createTestDatabase(2);
  const metricsPort = await freePort();
  const proc = startProcess('src/main.ts', {
    ...fakeServicesEnv({
      token: TOKEN,
      telegramApiRoot: telegram.apiRoot,
      openaiBaseUrl: openai.baseUrl,
      databaseUrl: database.url,
      metricsPort,
    }),
    IMAGE_RATE_PER_MINUTE: String(LIMIT),
    PHOTOSHOOT_CONCURRENCY: String(CONCURRENCY),
  });
  try {
    await healthy(metricsPort, () => proc.child.exitCode !== null, proc.output);
    process.stdout.write(
      `  ${SELLERS} sellers, provider limit ${LIMIT} images/min, image latency ${LATENCY_S[0]}-${LATENCY_S[1]} s, ` +
        `PHOTOSHOOT_CONCURRENCY=${CONCURRENCY}…\n`,
    );
    const warmUp = Array.from({ length: WARM_UP }, (_, i) => ({ id: 699_000 + i, first_name: `W${i}` }));
    await Promise.all(warmUp.map((seller) => sellerFlow(telegram, seller)));
    imageArrivals.length = 0;
    openai.answers.length = 0;

    const started = performance.now();
    const failures: string[] = [];
    const sellers = Array.from({ length: SELLERS }, (_, i) => ({ id: 700_000 + i, first_name: `P${i}` }));
    const results = await Promise.all(
      sellers.map(async (seller, i) => {
        await new Promise((r) => setTimeout(r, (i / SELLERS) * ARRIVAL_S * 1000));
        try {
          return await sellerFlow(telegram, seller);
        } catch (err) {
          failures.push(String(err).slice(0, 120));
          return undefined;
        }
      }),
    );
    const totalS = (performance.now() - started) / 1000;
    const done = results.filter((r): r is SellerResult => r !== undefined);

    const statuses = await settled(database.handle.db);
    const failed = statuses.filter((s) => s.status !== 'done').reduce((n, s) => n + Number(s.n), 0);
    const imageAnswers = openai.answers.filter((a) => a.endpoint === 'edits');
    const accepted = imageAnswers.filter((a) => a.status === 200).length;
    const tooMany = openai.answers.filter((a) => a.status === 429).length;
    // While images were still to be requested: from the first image request to the last.
    const windowMin = ((imageArrivals.at(-1) ?? 0) - (imageArrivals[0] ?? 0)) / 60_000;
    const perMinute = windowMin > 0 ? (accepted - 1) / windowMin : Number.NaN;
    // Shown vs actual: positive when the shown wait was longer than the real one.
    const errors = done.map((r) => (r.shownMin * 60 - r.actualS) / r.actualS);
    const absErrors = errors.map(Math.abs);
    const pct = (n: number) => `${Math.round(n * 100)}%`;
    const summary = {
      sellers: SELLERS,
      'images/min (limit)': `${round1(perMinute)} (${LIMIT})`,
      'of the limit': pct(perMinute / LIMIT),
      '429s / image requests': `${tooMany} / ${imageAnswers.length}`,
      'photoshoots failed': failed + failures.length,
      'wait error p50 / p90 (|shown - actual| / actual)': `${pct(percentile(absErrors, 50))} / ${pct(percentile(absErrors, 90))}`,
      'total s': round1(totalS),
    };
    printTable(
      `Realistic provider: ${SELLERS} sellers, ${LIMIT} images/min limit (bot paced to it), image latency ${LATENCY_S[0]}-${LATENCY_S[1]} s`,
      [summary],
    );
    const waits = done.map((r) => r.actualS);
    printTable('Wait shown at Generate vs actual Generate -> album', [
      {
        'shown min (p50 / p90 / max)': `${percentile(
          done.map((r) => r.shownMin),
          50,
        )} / ${percentile(
          done.map((r) => r.shownMin),
          90,
        )} / ${Math.max(...done.map((r) => r.shownMin))}`,
        'actual s (p50 / p90 / max)': `${round1(percentile(waits, 50))} / ${round1(percentile(waits, 90))} / ${round1(Math.max(...waits))}`,
        'signed error p10 / p50 / p90': `${pct(percentile(errors, 10))} / ${pct(percentile(errors, 50))} / ${pct(percentile(errors, 90))}`,
        'sellers told "waiting for the image service"': done.filter((r) => r.budgetWaitMin > 0).length,
      },
    ]);
    for (const failure of failures) process.stdout.write(`  failed: ${failure}\n`);
    process.stdout.write(
      `  -> ${writeResult('provider', {
        sellers: SELLERS,
        limitPerMinute: LIMIT,
        latencyS: LATENCY_S,
        concurrency: CONCURRENCY,
        summary,
        photoshoots: statuses,
        perSeller: done,
      })}\n`,
    );
    const goals = [
      [perMinute >= 0.9 * LIMIT, `images/min ${round1(perMinute)} below 90% of ${LIMIT}`],
      [tooMany <= 0.01 * imageAnswers.length, `${tooMany} 429s`],
      [failed + failures.length === 0, `${failed + failures.length} photoshoots failed`],
      [percentile(absErrors, 90) <= 0.3, `wait error p90 ${pct(percentile(absErrors, 90))}`],
    ] as const;
    for (const [met, message] of goals) if (!met) process.stdout.write(`  goal missed: ${message}\n`);
  } finally {
    proc.child.kill('SIGKILL');
    await exitWithin(proc, 10_000).catch(() => undefined);
    await telegram.close();
    await openai.close();
    await database.close();
  }
}

/** One seller through Generate; the wait shown then, and the time until their album arrives. */
async function sellerFlow(telegram: FakeBotApi, seller: Sender): Promise<SellerResult> {
  const mine = (c: RecordedCall) => Number(c.payload.chat_id) === seller.id;
  const exchange = (update: Parameters<FakeBotApi['pushUpdate']>[0], method: string) => {
    const reply = telegram.nextCall(method, mine, 60_000);
    telegram.pushUpdate(update);
    return reply;
  };
  await exchange(textMessage(seller, '/start'), 'sendMessage');
  const ratioPrompt = await exchange(photoMessage(seller, telegram.addFile(PHOTO)), 'sendMessage');
  const source = await exchange(callbackQuery(seller, button(ratioPrompt, /^1:1$/)), 'editMessageText');
  const confirm = await exchange(callbackQuery(seller, button(source, /Random/)), 'editMessageText');
  const album = telegram.nextCall(
    'sendMediaGroup',
    (c) => mine(c) && String(c.payload.media).includes('document'),
    30 * 60_000,
  );
  album.catch(() => undefined);
  const pressed = performance.now();
  const queued = await exchange(callbackQuery(seller, button(confirm, /Generate/)), 'editMessageText');
  const shownMin = minutesIn(queued.payload.text);
  if (!Number.isFinite(shownMin)) throw new Error(`no wait shown at Generate: ${String(queued.payload.text)}`);
  await album;
  const actualS = (performance.now() - pressed) / 1000;
  const budgetWaits = telegram
    .callsOf('editMessageText')
    .filter((c) => mine(c) && /Waiting for the image service/.test(String(c.payload.text)))
    .map((c) => minutesIn(c.payload.text));
  return { shownMin, actualS, budgetWaitMin: Math.max(0, ...budgetWaits) };
}

/** Photoshoots by status, once none is queued or running (the album lands before the job is settled). */
async function settled(db: Database) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const statuses = await queryRows<{ status: string; n: number }>(
      db,
      sql`select status, count(*)::int as n from photoshoots group by status`,
    );
    const open = statuses.some((s) => s.status === 'queued' || s.status === 'running');
    if (!open || Date.now() > deadline) return statuses;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits for /healthz to answer 200 (the bot logs at warn level, so there is no startup line). */
async function healthy(port: number, exited: () => boolean, output: () => string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline || exited()) throw new Error(`bot not healthy:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
