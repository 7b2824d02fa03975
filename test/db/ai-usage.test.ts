import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, parseOperatorConfig } from '../../src/config/index.js';
import { photoshootUsage } from '../../src/db/ai-usage.js';
import { createDb, type Database, queryRows } from '../../src/db/client.js';
import { queueLoad } from '../../src/db/queue-pace.js';
import { registerUser } from '../../src/db/users.js';
import { estimateWaitSeconds, toMinutes } from '../../src/photoshoot/queue-estimate.js';
import { createMetrics } from '../../src/services/metrics.js';
import { type AiUsageReport, usageScope } from '../../src/services/usage.js';
import { createUsageRecorder, usageCost } from '../../src/services/usage-recorder.js';
import { usageRows } from '../support/ai-usage.js';
import { chargePhotoshoot } from '../support/credits.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { captureLogger, silentLogger } from '../support/logger.js';

let database: TestDatabase;
let photoshootId: number;
beforeAll(async () => {
  database = await createTestDatabase();
  const { user } = await registerUser(database.handle.db, { id: 7001, first_name: 'S' }, { freePhotoshoots: 5 });
  photoshootId = (await chargePhotoshoot(database.handle.db, user.id)).id;
});
afterAll(() => database.close());
beforeEach(async () => {
  await database.handle.db.execute(sql`delete from ai_usage`);
});

const db = () => database.handle.db;
const defaults = parseConfig({ BOT_TOKEN: '1:test' }).ai.prices;
const vision: AiUsageReport = {
  upstream: 'vision',
  model: 'gpt-4o-mini',
  images: 0,
  inputTokens: 1200,
  outputTokens: 300,
};
const image: AiUsageReport = {
  upstream: 'images',
  model: 'gpt-image-1',
  images: 1,
  inputTokens: 500,
  outputTokens: 1056,
};

const rows = (on: Database = db()) => usageRows(on);

describe('the price table', () => {
  it('prices tokens per 1M at each upstream rate; an image answer without tokens per image', () => {
    // OpenAI's list prices: gpt-4o-mini 0.15/0.60, gpt-image-1 10/40 (1056 output tokens: a medium 1024x1024).
    expect(usageCost(vision, defaults)).toBeCloseTo((1200 * 0.15 + 300 * 0.6) / 1e6, 12);
    expect(usageCost(image, defaults)).toBeCloseTo(0.005 + 0.04224, 12);
    expect(usageCost({ ...image, images: 2, inputTokens: 0, outputTokens: 0 }, defaults)).toBeCloseTo(0.084, 12);
    const custom = parseConfig({ BOT_TOKEN: '1:test', PROMPT_TOKEN_PRICES_USD: '2/8', IMAGE_PRICE_USD: '0.039' }).ai
      .prices;
    expect(usageCost({ ...vision, upstream: 'prompts' }, custom)).toBeCloseTo((1200 * 2 + 300 * 8) / 1e6, 12);
    expect(usageCost({ ...image, inputTokens: 0, outputTokens: 0 }, custom)).toBeCloseTo(0.039, 12);
  });

  it('refuses a price that is not input/output or a negative per-image price, naming the key', () => {
    expect(() => parseConfig({ BOT_TOKEN: '1:test', VISION_TOKEN_PRICES_USD: '0.15' })).toThrow(
      'VISION_TOKEN_PRICES_USD "0.15" is not input/output USD per 1M tokens, e.g. 0.15/0.60',
    );
    expect(() => parseConfig({ BOT_TOKEN: '1:test', IMAGE_TOKEN_PRICES_USD: '-1/40' })).toThrow(
      'IMAGE_TOKEN_PRICES_USD',
    );
    expect(() => parseConfig({ BOT_TOKEN: '1:test', IMAGE_PRICE_USD: '-0.1' })).toThrow(
      'IMAGE_PRICE_USD must not be negative',
    );
  });
});

describe('the usage recorder', () => {
  it("records one row per report under the scope's photoshoot, null outside it, priced from the table", async () => {
    const metrics = createMetrics();
    const recorder = createUsageRecorder({ db: db(), prices: defaults, logger: silentLogger, metrics });
    recorder.record(vision);
    await usageScope.run({ photoshootId }, async () => {
      recorder.record(vision);
      // A later step of the same run keeps its photoshoot.
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (let i = 0; i < 4; i++) recorder.record(image);
    });
    expect(await recorder.flush(5000)).toBe(true);
    const recorded = await rows();
    expect(recorded.map((r) => [r.photoshoot_id, r.upstream, r.images, r.input_tokens, r.output_tokens])).toEqual([
      [null, 'vision', 0, 1200, 300],
      [photoshootId, 'vision', 0, 1200, 300],
      ...Array.from({ length: 4 }, () => [photoshootId, 'images', 1, 500, 1056]),
    ]);
    expect(recorded[1]?.model).toBe('gpt-4o-mini');
    for (const r of recorded) {
      expect(r.cost_usd).toBeCloseTo(usageCost(r.upstream === 'vision' ? vision : image, defaults), 12);
    }
    const usage = await photoshootUsage(db(), photoshootId);
    expect(usage).toMatchObject({ answers: 5, images: 4, inputTokens: 1200 + 4 * 500, outputTokens: 300 + 4 * 1056 });
    expect(usage.costUsd).toBeCloseTo(usageCost(vision, defaults) + 4 * usageCost(image, defaults), 12);
    expect(recorder.stats()).toEqual({ pending: 0, recorded: 6, lost: 0 });

    const text = await metrics.registry.metrics();
    expect(text).toContain('ai_images_total{upstream="images"} 4');
    expect(text).toContain('ai_tokens_total{upstream="vision",direction="input"} 2400');
    const spend = Number(/ai_spend_usd_total\{upstream="images"\} (\S+)/.exec(text)?.[1]);
    expect(spend).toBeCloseTo(4 * usageCost(image, defaults), 9);
  });

  it('keeps how long each answer took; the queue estimate reads the 80th percentile of the last 20 images from any process', async () => {
    const recorder = createUsageRecorder({ db: db(), prices: defaults, logger: silentLogger });
    expect((await queueLoad(db())).slowImageS).toBeUndefined();
    // Older images answered in 200 s, the last 20 in 30-68 s; vision answers and unmeasured ones do not count.
    for (let i = 0; i < 5; i++) recorder.record({ ...image, seconds: 200 });
    for (let i = 0; i < 20; i++) {
      recorder.record({ ...image, seconds: 30 + 2 * i });
      recorder.record({ ...vision, seconds: 900 });
      recorder.record(image);
    }
    recorder.record({ ...image, seconds: Number.NaN });
    expect(await recorder.flush(5000)).toBe(true);
    const durations = await queryRows<{ duration_ms: number | null }>(
      db(),
      sql`select duration_ms from ai_usage where upstream = 'images' order by id limit 6`,
    );
    expect(durations.map((r) => r.duration_ms)).toEqual([200_000, 200_000, 200_000, 200_000, 200_000, 30_000]);
    const load = await queueLoad(db());
    // The 80th percentile of 30, 32, ..., 68 (continuous: 30 + 2 * 15.2).
    expect(load.slowImageS).toBeCloseTo(60.4, 6);

    // Position 3 behind 2 running images at 12 a minute: 14 images take 70 s, then the slowest one's 60.4 s.
    const estimate = estimateWaitSeconds(
      3,
      { ...load, running: 1, runningImages: 2, medianPhotoshootS: undefined },
      {
        imagesPerMinute: 12,
        concurrency: 4,
      },
    );
    expect(estimate).toBeCloseTo(70 + 60.4, 6);
    expect(toMinutes(estimate)).toBe(2);
    expect([20, 100, 160, 280, 310, 400].map(toMinutes)).toEqual([1, 1.5, 2.5, 4.5, 5, 7]);
    // Slots, not the budget, bound it when the photoshoots ahead fill them: 2 rounds of 100 s.
    expect(
      estimateWaitSeconds(
        3,
        { ...load, running: 5, runningImages: 2, medianPhotoshootS: 100 },
        {
          imagesPerMinute: 600,
          concurrency: 4,
        },
      ),
    ).toBe(200);
  });

  it('records what a provider reported, clamped to what a column holds', async () => {
    const recorder = createUsageRecorder({ db: db(), prices: defaults, logger: silentLogger });
    recorder.record({ ...image, model: '', images: Number.NaN, inputTokens: -5, outputTokens: 1e12 });
    expect(await recorder.flush(5000)).toBe(true);
    expect(await rows()).toMatchObject([
      { model: 'unknown', images: 0, input_tokens: 0, output_tokens: 2_147_483_647 },
    ]);
  });

  it('returns at once while the insert waits; flush waits for it; the queue keeps the newest rows', async () => {
    const recorder = createUsageRecorder({ db: db(), prices: defaults, logger: silentLogger, maxPending: 3 });
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // The table held under an exclusive lock by another transaction: every insert waits.
    const holder = db().transaction(async (tx) => {
      await tx.execute(sql`lock table ai_usage in access exclusive mode`);
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await isLocked;
    const started = performance.now();
    await usageScope.run({ photoshootId }, async () => {
      for (let i = 1; i <= 5; i++) recorder.record({ ...vision, inputTokens: i });
    });
    expect(performance.now() - started).toBeLessThan(50);
    expect(await recorder.flush(200)).toBe(false);
    expect(recorder.stats().pending).toBeGreaterThan(0);
    release();
    await holder;
    expect(await recorder.flush(5000)).toBe(true);
    const recorded = await rows();
    // At most 3 wait: the first may already be in flight when the rest queue; the oldest queued are dropped.
    const kept = recorded.map((r) => r.input_tokens);
    expect(kept.slice(-3)).toEqual([3, 4, 5]);
    expect(recorder.stats().recorded + recorder.stats().lost).toBe(5);
    expect(recorder.stats().recorded).toBe(kept.length);
  });

  it('drops only the row the database refuses; the others of its batch are recorded', async () => {
    const { logger, records } = captureLogger();
    const recorder = createUsageRecorder({ db: db(), prices: defaults, logger });
    recorder.record(vision);
    // A photoshoot that does not exist: the foreign key refuses this row for good.
    usageScope.run({ photoshootId: 987_654 }, () => recorder.record(vision));
    recorder.record(image);
    expect(await recorder.flush(5000)).toBe(true);
    expect((await rows()).map((r) => [r.photoshoot_id, r.upstream])).toEqual([
      [null, 'vision'],
      [null, 'images'],
    ]);
    expect(recorder.stats()).toEqual({ pending: 0, recorded: 2, lost: 1 });
    const warnings = records().filter((r) => r.msg === 'the database refused AI usage rows; they were dropped');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.lost).toBe(1);
  });

  it('never throws into the caller when the database is gone; retries quietly, logs once a minute', async () => {
    // A server that refuses connections (nothing listens on port 9).
    const gone = await createDb(
      parseOperatorConfig({
        DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
        DB_POOL_MAX: '1',
        DB_IDLE_TIMEOUT_S: '0',
        DB_MAX_LIFETIME_S: '0',
        DB_CONNECT_TIMEOUT_S: '1',
      }).db,
      silentLogger,
    );
    const { logger, records } = captureLogger();
    const recorder = createUsageRecorder({ db: gone.db, prices: defaults, logger, retryDelayMs: 10 });
    for (let i = 0; i < 20; i++) expect(() => recorder.record(image)).not.toThrow();
    // Several retries (10, 20, 40, 80 ms, ...) pass; one warning names the failure.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await recorder.flush(300)).toBe(false);
    expect(recorder.stats()).toMatchObject({ pending: 20, recorded: 0, lost: 0 });
    const retrying = records().filter((r) => r.msg === 'recording AI usage failed; retrying');
    expect(retrying).toHaveLength(1);
    expect(String(retrying[0]?.reason)).not.toBe('');
    expect(records().filter((r) => r.msg === 'AI usage not recorded before the deadline')).toMatchObject([
      { unrecorded: 20 },
    ]);
    // Not awaited: the driver would wait out its 5 s close timeout for the connection attempt in flight.
    void gone.close();
  });
});
