import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { queryRows } from '../../src/db/client.js';
import { queuePhotoshoot } from '../../src/db/queue.js';
import { registerUser } from '../../src/db/users.js';
import { useBotProcesses } from '../support/bot-process.js';
import { usingPostgres } from '../support/db.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { exitWithin } from '../support/process.js';

const TOKEN = '7000000005:AAE-worker_durability_token_value_97531';
const PHOTOSHOOTS = 8;
const STYLES = ['Studio', 'Kitchen', 'Loft', 'Pop'].map((name) => ({ name, prompt: `The product in a ${name} scene` }));
const SHUTDOWN_TIMEOUT_S = 2;
const FIRST_SELLER = 61_000;

const openai = useFakeOpenAi();
let telegram: FakeBotApi;
beforeAll(async () => {
  telegram = await new FakeBotApi({ token: TOKEN }).start();
});
afterAll(() => telegram.close());

const bots = useBotProcesses('bot-durability-', {
  BOT_TOKEN: TOKEN,
  OPENAI_API_KEY: 'sk-e2e-test',
  AI_BACKOFF_INITIAL_MS: '10',
  JOB_POLL_MS: '100',
  TELEGRAM_POLL_TIMEOUT_S: '1',
  PHOTOSHOOT_CONCURRENCY: String(PHOTOSHOOTS),
  SHUTDOWN_TIMEOUT_S: String(SHUTDOWN_TIMEOUT_S),
});

/** Sellers with 2 photoshoots each and one queued, as Generate leaves it. */
function queueSellers(db: Database) {
  return Promise.all(
    Array.from({ length: PHOTOSHOOTS }, async (_, i) => {
      const telegramId = FIRST_SELLER + i;
      const { user } = await registerUser(db, { id: telegramId, first_name: 'Seller' }, { freePhotoshoots: 2 });
      const file = telegram.addFile(fixture('flowers.jpeg'));
      await queuePhotoshoot(db, {
        userId: user.id,
        chatId: telegramId,
        sourceFileId: file.file_id,
        sourceFileUniqueId: file.file_unique_id,
        aspectRatio: '1:1',
        styleSource: 'random',
        styles: STYLES,
      });
    }),
  );
}

interface JobRow {
  status: string;
  owner: string | null;
  kept: number;
  delivered: number;
  balance: number;
  ledger: number;
}

function jobs(db: Database): Promise<JobRow[]> {
  return queryRows<Record<string, string | number | null>>(
    db,
    sql`select p.status, p.owner,
               (select count(*) from processed_images i where i.photoshoot_id = p.id and i.rendered is not null) as kept,
               (select count(*) from processed_images i where i.photoshoot_id = p.id and i.status = 'done') as delivered,
               u.balance, (select coalesce(sum(delta), 0) from balance_ledger l where l.user_id = u.id) as ledger
          from photoshoots p join users u on u.id = p.user_id order by p.id`,
  ).then((rows) =>
    rows.map((r) => ({
      status: String(r.status),
      owner: r.owner === null ? null : String(r.owner),
      kept: Number(r.kept),
      delivered: Number(r.delivered),
      balance: Number(r.balance),
      ledger: Number(r.ledger),
    })),
  );
}

/** Sellers told their photoshoot is ready (the worker's last word, after the files). */
const readySellers = () =>
  new Set(
    telegram.calls
      .filter(
        (c) => /^(sendMessage|editMessageText)$/.test(c.method) && /photoshoot is ready/.test(String(c.payload.text)),
      )
      .map((c) => Number(c.payload.chat_id)),
  ).size;

const report = (line: string) => {
  if (process.env.REPORT_FIGURES) process.stdout.write(`\n${line}\n`);
};

describe('a deploy (SIGTERM) while photoshoots render', () => {
  it('hands them back at once and the next start delivers them from what was kept', async () => {
    const env = { ...(await bots.freshDatabaseEnv()), TELEGRAM_API_ROOT: telegram.apiRoot };
    await bots.withDatabase(env, queueSellers);
    // Every other image call answers at once; the rest take far longer than the shutdown may.
    const total = PHOTOSHOOTS * STYLES.length;
    openai().queue('edits', ...Array.from({ length: total }, (_, i) => ({ delayMs: i % 2 === 0 ? 200 : 60_000 })));
    const first = bots.start({ ...env, OPENAI_BASE_URL: openai().baseUrl });
    await first.waitForOutput(/polling for updates/, 30_000);
    await expect.poll(() => openai().requestsTo('edits').length, { timeout: 20_000 }).toBe(total);
    // The quick half is rendered and kept before the deploy.
    await new Promise((r) => setTimeout(r, 1500));

    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await exitWithin(first, (SHUTDOWN_TIMEOUT_S + 3) * 1000)).toBe(0);
    const shutdownMs = Date.now() - stoppedAt;
    const inFlight = openai()
      .requestsTo('edits')
      .filter((r) => r.closedByClient).length;
    expect(first.output()).toContain('handed running photoshoots back to the queue');

    const left = await bots.withDatabase(env, jobs);
    const unfinished = left.filter((j) => j.status !== 'done');
    // Back in the queue at once, not 'running' until JOB_STALE_AFTER_S; the paid images kept, the credit reserved.
    expect(unfinished.length).toBeGreaterThan(0);
    for (const job of unfinished) expect(job).toMatchObject({ status: 'queued', owner: null, delivered: 0 });
    expect(unfinished.reduce((n, j) => n + j.kept, 0)).toBeGreaterThan(0);
    for (const job of left) expect([job.balance, job.ledger]).toEqual([1, 1]);

    const restartedAt = Date.now();
    const second = bots.start({ ...env, OPENAI_BASE_URL: openai().baseUrl });
    await second.waitForOutput(/polling for updates/, 30_000);
    await expect.poll(readySellers, { timeout: 30_000, interval: 100 }).toBe(PHOTOSHOOTS);
    const deliveredMs = Date.now() - restartedAt;
    // The embedded database is read once the bot has exited (it allows one process).
    if (!usingPostgres) {
      second.child.kill('SIGTERM');
      expect(await exitWithin(second, 10_000)).toBe(0);
    }
    const done = await bots.withDatabase(env, jobs);
    expect(deliveredMs).toBeLessThan(30_000);
    for (const job of done) expect(job).toMatchObject({ status: 'done', kept: 0, delivered: 4, balance: 1, ledger: 1 });
    const calls = openai().requestsTo('edits').length;
    expect(calls).toBeLessThanOrEqual(total + inFlight);
    report(
      `SIGTERM with ${PHOTOSHOOTS} photoshoots rendering: shutdown ${shutdownMs} ms, ${unfinished.length} handed back, ` +
        `${inFlight} image calls in flight aborted; after the restart all delivered in ${deliveredMs} ms; ` +
        `${calls} image calls in all (bound ${total} + ${inFlight})`,
    );
  }, 60_000);
});
