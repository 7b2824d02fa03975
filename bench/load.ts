/**
 * The whole bot under load: the real bot process against the local fake Bot API and fake
 * OpenAI (image latency BENCH_IMAGE_LATENCY_MS, default 2000), on PostgreSQL.
 *
 * 1. Update handling, side by side: a bare grammY runner bot doing one postgres.js
 *    transaction and a reply per update (the ceiling), our bot, and our bot polling with plain
 *    `bot.start()`, one update at a time (the floor).
 * 2. N simulated sellers (default 1000; --users N): /start, photo, ratio, style source,
 *    Generate, results. Updates/s, per-step reply latency, Generate -> results, errors, lost or
 *    duplicated messages, peak RSS, event-loop delay, database connections.
 * 3. Responsiveness: while 500 sellers set up, then while their photoshoots are in flight,
 *    others send /balance: reply latency for our bot and for the floor, per phase.
 */
import { sql } from 'drizzle-orm';
import { queryRows } from '../src/db/client.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../test/support/db.js';
import { FakeBotApi, type RecordedCall } from '../test/support/fake-bot-api.js';
import { FakeOpenAi } from '../test/support/fake-openai.js';
import { fixture } from '../test/support/fixtures.js';
import { exitWithin, freePort, type RunningProcess, startProcess } from '../test/support/process.js';
import { callbackQuery, photoMessage, type Sender, textMessage } from '../test/support/updates.js';
import { median, percentile, printTable, ratio, round1, writeResult } from './lib.js';

const TOKEN = '7100000001:AAE-benchmark_token_value_for_the_fake_api';
const quick = process.env.BENCH_QUICK === '1';
/** Sellers in the full-flow run: `npm run bench -- load --users 200`, else 1000 (100 with --quick). */
const users = () => Number(process.env.BENCH_USERS ?? (quick ? 100 : 1000));
const IMAGE_LATENCY_MS = Number(process.env.BENCH_IMAGE_LATENCY_MS ?? 2000);
const THROUGHPUT_UPDATES = quick ? 500 : 2000;
const RESPONSIVE_USERS = quick ? 100 : 500;
/** Rounds of the full flow in one process: the second shows whether memory is retained (--quick: one). */
const LOAD_ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? (quick ? 1 : 2));
const PHOTO = fixture('flowers.jpeg');

interface Running {
  telegram: FakeBotApi;
  openai: FakeOpenAi;
  database: TestDatabase;
  proc: RunningProcess;
  metricsPort: number;
  stop(): Promise<void>;
}

async function launch(kind: 'ours' | 'bare' | 'sequential', env: Record<string, string> = {}): Promise<Running> {
  const telegram = await new FakeBotApi({ token: TOKEN }).start();
  const openai = await new FakeOpenAi().start();
  openai.keepRequests = false;
  openai.latencyMs.edits = IMAGE_LATENCY_MS;
  openai.latencyMs.generations = IMAGE_LATENCY_MS;
  const database = await createTestDatabase(5);
  const metricsPort = await freePort();
  const script = { ours: 'src/main.ts', bare: 'bench/bare-bot.ts', sequential: 'bench/sequential-bot.ts' }[kind];
  const proc = startProcess(script, {
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    OPENAI_API_KEY: 'sk-benchmark',
    OPENAI_BASE_URL: openai.baseUrl,
    DATABASE_URL: database.url ?? '',
    METRICS_PORT: String(metricsPort),
    TELEGRAM_POLL_TIMEOUT_S: '1',
    LOG_LEVEL: 'warn',
    MALLOC_ARENA_MAX: '2',
    ...env,
  });
  try {
    if (kind === 'bare') await proc.waitForOutput(/polling for updates/, 60_000);
    else await healthy(metricsPort, proc, 60_000);
  } catch (err) {
    proc.child.kill('SIGKILL');
    throw err;
  }
  return {
    telegram,
    openai,
    database,
    proc,
    metricsPort,
    async stop() {
      proc.child.kill('SIGKILL');
      await exitWithin(proc, 10_000).catch(() => undefined);
      await telegram.close();
      await openai.close();
      await database.close();
    },
  };
}

/** Waits for /healthz to answer 200 (the bot logs at warn level here, so no startup line). */
async function healthy(port: number, proc: RunningProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`bot not healthy:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const chatOf = (call: RecordedCall) => Number(call.payload.chat_id);

function button(call: RecordedCall, text: RegExp): string {
  const markup = call.payload.reply_markup as
    | { inline_keyboard: { text: string; callback_data: string }[][] }
    | undefined;
  const found = markup?.inline_keyboard.flat().find((b) => text.test(b.text));
  if (!found) throw new Error(`no button ${text}`);
  return found.callback_data;
}

/** Sends an update and resolves with the reply that matches, timing it. */
async function exchange(
  run: Running,
  update: Parameters<FakeBotApi['pushUpdate']>[0],
  method: string,
  match: (call: RecordedCall) => boolean,
  timeoutMs = 60_000,
) {
  const reply = run.telegram.nextCall(method, match, timeoutMs);
  const started = performance.now();
  run.telegram.pushUpdate(update);
  const call = await reply;
  return { call, ms: performance.now() - started };
}

/**
 * One scrape of the bot's /metrics: unlabelled series by name. One scrape per sample, since
 * the event-loop figures cover the time since the previous scrape.
 */
async function scrapeOnce(run: Running): Promise<Map<string, number>> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${run.metricsPort}/metrics`)).text();
    return new Map(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#') && !l.includes('{'))
        .map((l) => [l.split(' ')[0] ?? '', Number(l.split(' ')[1])] as const),
    );
  } catch {
    return new Map();
  }
}

async function metric(run: Running, series: string): Promise<number> {
  return (await scrapeOnce(run)).get(series) ?? Number.NaN;
}

/** Samples RSS, event-loop delay and database connections every second while `work` runs. */
async function sampled<T>(run: Running, work: () => Promise<T>) {
  const samples = { rss: [] as number[], loopP99: [] as number[], connections: [] as number[] };
  let active = true;
  const db = run.database.url ? new URL(run.database.url).pathname.slice(1) : '';
  const sampler = (async () => {
    while (active) {
      const scrape = await scrapeOnce(run);
      samples.rss.push(scrape.get('process_resident_memory_bytes') ?? Number.NaN);
      samples.loopP99.push(scrape.get('nodejs_eventloop_lag_p99_seconds') ?? Number.NaN);
      const [row] = await queryRows<{ n: number }>(
        run.database.handle.db,
        sql`select count(*)::int as n from pg_stat_activity where datname = ${db} and application_name = 'photoshoot-bot'`,
      );
      samples.connections.push(Number(row?.n ?? 0));
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  try {
    return { result: await work(), samples };
  } finally {
    active = false;
    await sampler;
  }
}

/** One seller's whole flow; records each step's reply latency and Generate -> results. */
async function sellerFlow(
  run: Running,
  seller: Sender,
  record: (step: string, ms: number) => void,
  options: { results: boolean },
) {
  const mine = (c: RecordedCall) => chatOf(c) === seller.id;
  const start = await exchange(run, textMessage(seller, '/start'), 'sendMessage', mine);
  record('/start', start.ms);
  const file = run.telegram.addFile(PHOTO);
  const ratioPrompt = await exchange(run, photoMessage(seller, file), 'sendMessage', mine);
  record('photo', ratioPrompt.ms);
  const source = await exchange(run, callbackQuery(seller, button(ratioPrompt.call, /^1:1$/)), 'editMessageText', mine);
  record('ratio', source.ms);
  const confirm = await exchange(run, callbackQuery(seller, button(source.call, /Random/)), 'editMessageText', mine);
  record('style source', confirm.ms);
  const results = options.results
    ? run.telegram.nextCall(
        'sendMediaGroup',
        (c) => mine(c) && String(c.payload.media).includes('document'),
        30 * 60_000,
      )
    : undefined;
  results?.catch(() => undefined);
  const generated = await exchange(
    run,
    callbackQuery(seller, button(confirm.call, /Generate/)),
    'editMessageText',
    mine,
  );
  record('Generate', generated.ms);
  if (!options.results) return;
  const started = performance.now() - generated.ms;
  await results;
  record('Generate -> results', performance.now() - started);
}

/** 1. Updates/s handled by the ceiling, our bot and the floor, each in its own process. */
async function throughput() {
  const contenders: { name: string; kind: 'bare' | 'ours' | 'sequential' }[] = [
    { name: 'bare runner + 1 transaction (ceiling)', kind: 'bare' },
    { name: 'our bot', kind: 'ours' },
    { name: 'our bot with plain bot.start() (floor)', kind: 'sequential' },
  ];
  const rows = [];
  for (const contender of contenders) {
    process.stdout.write(`  ${contender.name}…\n`);
    const run = await launch(contender.kind);
    try {
      const senders = Array.from({ length: 500 }, (_, i) => ({ id: 300_000 + i, first_name: `T${i}` }));
      // Warm-up: every sender registered once.
      await Promise.all(
        senders.map((s) => exchange(run, textMessage(s, '/help'), 'sendMessage', (c) => chatOf(c) === s.id)),
      );
      const before = run.telegram.callsOf('sendMessage').length;
      const done = new Promise<void>((resolve) => {
        const check = () =>
          run.telegram.callsOf('sendMessage').length - before >= THROUGHPUT_UPDATES ? resolve() : setTimeout(check, 5);
        check();
      });
      const started = performance.now();
      for (let i = 0; i < THROUGHPUT_UPDATES; i++) {
        run.telegram.pushUpdate(textMessage(senders[i % senders.length] as Sender, '/help'));
      }
      await done;
      const seconds = (performance.now() - started) / 1000;
      rows.push({
        bot: contender.name,
        updates: THROUGHPUT_UPDATES,
        'updates/s': round1(THROUGHPUT_UPDATES / seconds),
      });
    } finally {
      await run.stop();
    }
  }
  const ceiling = rows[0]?.['updates/s'] ?? Number.NaN;
  const table = rows.map((r) => ({ ...r, 'of ceiling': `${Math.round((r['updates/s'] / ceiling) * 100)}%` }));
  printTable(
    `Update handling (reply to /help; ${THROUGHPUT_UPDATES} updates from 500 users; separate processes)`,
    table,
  );
  return table;
}

/** 2. N sellers run the whole flow at once. */
async function runRound(run: Running, round: number) {
  const USERS = users();
  {
    const steps = new Map<string, number[]>();
    const record = (step: string, ms: number) => steps.set(step, [...(steps.get(step) ?? []), ms]);
    const failures = new Map<string, number>();
    const sellers = Array.from({ length: USERS }, (_, i) => ({ id: 400_000 + round * USERS + i, first_name: `S${i}` }));
    const rssAt: { done: number; rss: number }[] = [];
    let finished = 0;
    const updatesBefore = run.telegram.confirmedOffset;
    const started = performance.now();
    const { samples } = await sampled(run, () =>
      Promise.all(
        sellers.map(async (seller, i) => {
          await new Promise((r) => setTimeout(r, (i / USERS) * 5000));
          try {
            await sellerFlow(run, seller, record, { results: true });
          } catch (err) {
            const step = String(err).slice(0, 60);
            failures.set(step, (failures.get(step) ?? 0) + 1);
          }
          finished += 1;
          if (finished % Math.max(1, Math.floor(USERS / 4)) === 0) {
            rssAt.push({ done: finished, rss: await metric(run, 'process_resident_memory_bytes') });
          }
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const updates = run.telegram.confirmedOffset - updatesBefore;
    const byChat = (method: string, match: (c: RecordedCall) => boolean) => {
      const counts = new Map<number, number>();
      for (const c of run.telegram.callsOf(method))
        if (match(c)) counts.set(chatOf(c), (counts.get(chatOf(c)) ?? 0) + 1);
      return counts;
    };
    const ours = new Set(sellers.map((s) => s.id));
    const welcomes = byChat('sendMessage', (c) => ours.has(chatOf(c)) && /Welcome/.test(String(c.payload.text)));
    const albums = byChat('sendMediaGroup', (c) => ours.has(chatOf(c)) && String(c.payload.media).includes('document'));
    const duplicated = [...welcomes.values(), ...albums.values()].filter((n) => n > 1).length;
    const lost = sellers.filter((s) => !albums.has(s.id)).length;
    const stepRows = [...steps].map(([step, values]) => ({
      step,
      replies: values.length,
      'p50 ms': round1(percentile(values, 50)),
      'p99 ms': round1(percentile(values, 99)),
    }));
    const mb = (b: number) => round1(b / 1024 / 1024);
    const summary = {
      sellers: USERS,
      seconds: round1(seconds),
      'updates/s': round1(updates / seconds),
      errors: [...failures.values()].reduce((a, b) => a + b, 0),
      'lost results': lost,
      duplicated,
      'peak RSS MB': mb(Math.max(...samples.rss.filter(Number.isFinite))),
      'event-loop p99 ms (median / max of 1 s samples)': `${round1(median(samples.loopP99) * 1000)} / ${round1(Math.max(...samples.loopP99.filter(Number.isFinite)) * 1000)}`,
      'DB connections (max)': Math.max(...samples.connections),
    };
    printTable(
      `Whole flow, round ${round + 1}: ${USERS} sellers at once, image model ${IMAGE_LATENCY_MS} ms (our bot, defaults)`,
      stepRows,
    );
    printTable('Totals', [summary]);
    printTable(
      'RSS as photoshoots complete (leak check)',
      rssAt.map((r) => ({ 'sellers done': r.done, 'RSS MB': mb(r.rss) })),
    );
    for (const [error, count] of failures) process.stdout.write(`  ${count} x ${error}\n`);
    return { steps: stepRows, summary, rssAt };
  }
}

/** 2. N sellers through the whole flow, twice in the same process (the second round is the leak check). */
async function fullLoad() {
  const run = await launch('ours');
  try {
    const rounds = [];
    for (let round = 0; round < LOAD_ROUNDS; round++) rounds.push(await runRound(run, round));
    printTable(
      `RSS after each round of ${users()} sellers, same process (leak check)`,
      rounds.map((r, i) => ({
        round: i + 1,
        'RSS at the end MB': round1((r.rssAt.at(-1)?.rss ?? Number.NaN) / 1024 / 1024),
        'peak RSS MB': r.summary['peak RSS MB'],
      })),
    );
    return rounds;
  } finally {
    await run.stop();
  }
}

/** 3. /balance latency while sellers set up and run photoshoots: ours vs the floor. */
async function responsiveness() {
  const rows = [];
  const contenders: [string, 'ours' | 'sequential'][] = [
    ['our bot', 'ours'],
    ['plain bot.start() (floor)', 'sequential'],
  ];
  for (const [name, kind] of contenders) {
    const run = await launch(kind);
    try {
      const sellers = Array.from({ length: RESPONSIVE_USERS }, (_, i) => ({ id: 500_000 + i, first_name: `R${i}` }));
      const observers = Array.from({ length: 5 }, (_, i) => ({ id: 590_000 + i, first_name: `O${i}` }));
      const latencies = { setup: [] as number[], 'in flight': [] as number[] };
      let phase: keyof typeof latencies = 'setup';
      let flowsDone = false;
      const probes = observers.map(async (observer) => {
        while (!flowsDone) {
          const asked = phase;
          const { ms } = await exchange(
            run,
            textMessage(observer, '/balance'),
            'sendMessage',
            (c) => chatOf(c) === observer.id,
            600_000,
          );
          latencies[asked].push(ms);
          await new Promise((r) => setTimeout(r, 100));
        }
      });
      await Promise.all(
        sellers.map((s, i) =>
          new Promise((r) => setTimeout(r, (i / sellers.length) * 3000)).then(() =>
            sellerFlow(run, s, () => undefined, { results: false }).catch(() => undefined),
          ),
        ),
      );
      // Every seller has pressed Generate: the photoshoots are queued or running; keep asking.
      phase = 'in flight';
      const inFlightAtStart = await metric(run, 'photoshoot_queue_length');
      await new Promise((r) => setTimeout(r, 10_000));
      const inFlight = await metric(run, 'photoshoot_queue_length');
      flowsDone = true;
      await Promise.all(probes);
      for (const [when, values] of Object.entries(latencies)) {
        rows.push({
          bot: name,
          while: when === 'setup' ? `${RESPONSIVE_USERS} sellers set up` : 'their photoshoots run',
          '/balance replies': values.length,
          'p50 ms': round1(percentile(values, 50)),
          'p99 ms': round1(percentile(values, 99)),
          'queued (start / end)': when === 'setup' ? '' : `${inFlightAtStart} / ${inFlight}`,
        });
      }
    } finally {
      await run.stop();
    }
  }
  printTable(
    `/balance from 5 other users while ${RESPONSIVE_USERS} sellers set up, then while their photoshoots run`,
    rows,
  );
  return rows;
}

export async function benchLoad(): Promise<void> {
  if (!usingPostgres) {
    process.stdout.write('\nLoad: needs PostgreSQL (skipped on PGlite)\n');
    return;
  }
  const handling = await throughput();
  const load = await fullLoad();
  const responsive = await responsiveness();
  process.stdout.write(
    `  -> ${writeResult('load', { users: users(), imageLatencyMs: IMAGE_LATENCY_MS, handling, load, responsive })}\n`,
  );
  const ratioToCeiling = ratio(Number(handling[1]?.['updates/s']), Number(handling[0]?.['updates/s']));
  process.stdout.write(`  our bot handles ${Math.round(ratioToCeiling * 100)}% of the ceiling's updates/s\n`);
  const errors = load.reduce((n, r) => n + r.summary.errors, 0);
  const duplicated = load.reduce((n, r) => n + r.summary.duplicated, 0);
  const lost = load.reduce((n, r) => n + r.summary['lost results'], 0);
  if (errors + lost + duplicated > 0) {
    process.stderr.write(`load: ${errors} errors, ${lost} lost results, ${duplicated} duplicated messages\n`);
    process.exitCode = 1;
  }
}
