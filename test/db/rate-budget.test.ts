import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, parseOperatorConfig } from '../../src/config/index.js';
import { createDb, type Database, type DbHandle } from '../../src/db/client.js';
import { closeIncident, openIncident, openIncidents } from '../../src/db/incidents.js';
import { type BucketSpec, bucketState, pauseBucket, takeToken } from '../../src/db/rate-budget.js';
import { createImageBudget, MAX_RATE_PAUSE_MS, retryAfterMs } from '../../src/services/image-budget.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { silentLogger } from '../support/logger.js';

let database: TestDatabase;
/** A second pool on the same database, as another worker process has (PGlite: the same one). */
let other: DbHandle | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
  if (database.url) {
    other = await createDb(
      parseOperatorConfig({
        DATABASE_URL: database.url,
        DB_POOL_MAX: '4',
        DB_IDLE_TIMEOUT_S: '30',
        DB_MAX_LIFETIME_S: '3600',
        DB_CONNECT_TIMEOUT_S: '10',
      }).db,
      silentLogger,
    );
  }
});
afterAll(async () => {
  await other?.close();
  await database.close();
});

const db = (): Database => database.handle.db;
const secondDb = (): Database => other?.db ?? database.handle.db;
let bucketCount = 0;
const bucket = (perMinute: number, capacity: number): BucketSpec => ({
  name: `test-${bucketCount++}`,
  perMinute,
  capacity,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the shared token bucket', () => {
  it('starts full, hands out its capacity, then says how long until the next token at the rate', async () => {
    const spec = bucket(600, 3); // 10 a second
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await takeToken(db(), spec));
    expect(results.slice(0, 3).every((r) => r.kind === 'taken')).toBe(true);
    const fourth = results[3];
    expect(fourth?.kind).toBe('wait');
    if (fourth?.kind !== 'wait') return;
    expect(fourth.paused).toBe(false);
    expect(fourth.waitMs).toBeGreaterThan(0);
    expect(fourth.waitMs).toBeLessThanOrEqual(100);
    await sleep(fourth.waitMs + 20);
    expect((await takeToken(db(), spec)).kind).toBe('taken');
  });

  it('refills at the rate and never above its capacity', async () => {
    const spec = bucket(240, 2); // 4 a second
    await takeToken(db(), spec);
    await takeToken(db(), spec);
    const empty = await bucketState(db(), spec);
    expect(empty?.tokens).toBeLessThan(0.5);
    await sleep(250);
    const partly = (await bucketState(db(), spec))?.tokens ?? 0;
    // About one token per 250 ms.
    expect(partly).toBeGreaterThan(0.9);
    expect(partly).toBeLessThan(1.9);
    // 1.25 s at 4/s is 5 tokens' worth, capped at 2.
    await sleep(1000);
    expect((await bucketState(db(), spec))?.tokens).toBe(2);
  });

  it('two processes taking at once never exceed the rate together', async () => {
    const spec = bucket(1200, 1); // 20 a second, no burst
    const taken: number[] = [];
    const until = Date.now() + 1500;
    const taker = async (on: Database) => {
      while (Date.now() < until) {
        const result = await takeToken(on, spec);
        if (result.kind === 'taken') taken.push(Date.now());
        else await sleep(Math.min(result.waitMs, 20));
      }
    };
    await Promise.all([taker(db()), taker(secondDb()), taker(db()), taker(secondDb())]);
    // 1 token at the start plus 20/s over 1.5 s: 31 at most; the takers keep it busy (>= 20).
    expect(taken.length).toBeLessThanOrEqual(31);
    expect(taken.length).toBeGreaterThanOrEqual(20);
    // No second of the run holds more than its 20 (+1 for the starting token).
    for (const at of taken) expect(taken.filter((t) => t >= at && t < at + 1000).length).toBeLessThanOrEqual(21);
  });

  it('a pause set by one process stops takes in another until it ends, and is never shortened', async () => {
    const spec = bucket(6000, 5);
    expect(await pauseBucket(db(), spec, 800)).toBeGreaterThan(700);
    // A shorter pause from someone else leaves the longer one.
    expect(await pauseBucket(secondDb(), spec, 100)).toBeGreaterThan(600);
    const during = await takeToken(secondDb(), spec);
    expect(during).toMatchObject({ kind: 'wait', paused: true });
    if (during.kind === 'wait') expect(during.waitMs).toBeGreaterThan(500);
    await sleep(900);
    expect((await takeToken(secondDb(), spec)).kind).toBe('taken');
  });
});

describe('the image budget service', () => {
  const config = (perMinute: number) =>
    parseConfig({
      BOT_TOKEN: '1:test',
      IMAGE_RATE_PER_MINUTE: String(perMinute),
      IMAGE_RATE_HEADROOM_PERCENT: '100',
      IMAGE_RATE_BURST: '1',
    }).imageBudget;

  it('paces attempts from two processes to the rate, in arrival order within a process', async () => {
    // Each test of this file shares the one "images" row: a rate of its own keeps it apart.
    const a = createImageBudget({ db: db(), config: config(600), logger: silentLogger });
    const b = createImageBudget({ db: secondDb(), config: config(600), logger: silentLogger });
    const signal = new AbortController().signal;
    const order: string[] = [];
    const started = Date.now();
    const attempts = (name: string, budget: typeof a) =>
      [0, 1, 2, 3].map((i) => budget.gate.beforeAttempt(signal).then(() => order.push(`${name}${i}`)));
    await Promise.all([...attempts('a', a), ...attempts('b', b)]);
    // 8 attempts at 10/s with one token to start: at least 0.7 s, and not a burst.
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(order.filter((o) => o.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(order.filter((o) => o.startsWith('b'))).toEqual(['b0', 'b1', 'b2', 'b3']);
  });

  it('a 429 pauses the other process for its retry-after; a cancelled waiter stops at once', async () => {
    const a = createImageBudget({ db: db(), config: config(6000), logger: silentLogger });
    const b = createImageBudget({ db: secondDb(), config: config(6000), logger: silentLogger });
    await a.gate.rateLimited(new Headers({ 'retry-after': '1' }));
    const started = Date.now();
    await b.gate.beforeAttempt(new AbortController().signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);

    await a.gate.rateLimited(new Headers({ 'retry-after': '5' }));
    const cancel = new AbortController();
    const waiting = b.gate.beforeAttempt(cancel.signal);
    const seen: number[] = [];
    b.watch(cancel.signal, (ms) => seen.push(ms));
    setTimeout(() => cancel.abort(new Error('seller cancelled')), 100);
    const t0 = Date.now();
    await expect(waiting).rejects.toThrow('seller cancelled');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe('retry-after', () => {
  const fallback = 12_000;
  it('reads seconds, milliseconds, an HTTP date and OpenAI reset durations', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '20' }), fallback)).toBe(20_000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '2' }), fallback)).toBe(1500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, fallback, now)).toBe(30_000);
    expect(retryAfterMs({ 'x-ratelimit-reset-requests': '6m0s' }, fallback)).toBe(360_000);
    expect(retryAfterMs({ 'x-ratelimit-reset-requests': '1m2.5s' }, fallback)).toBe(62_500);
    expect(retryAfterMs({ 'x-ratelimit-reset-tokens': '250ms' }, fallback)).toBe(250);
  });

  it('missing or malformed: the fallback; huge (a day): capped', () => {
    expect(retryAfterMs(undefined, fallback)).toBe(fallback);
    expect(retryAfterMs(new Headers(), fallback)).toBe(fallback);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), fallback)).toBe(fallback);
    expect(retryAfterMs(new Headers({ 'retry-after': '-5' }), fallback)).toBe(fallback);
    expect(retryAfterMs({ 'x-ratelimit-reset-requests': '6 minutes' }, fallback)).toBe(fallback);
    expect(retryAfterMs(new Headers({ 'retry-after': '86400' }), fallback)).toBe(MAX_RATE_PAUSE_MS);
  });
});

describe('upstream incidents', () => {
  it('one of two concurrent openers opens it; reopening an open one does nothing; one closer closes it', async () => {
    const opened = await Promise.all([
      openIncident(db(), 'images', '401 invalid_api_key: bad key'),
      openIncident(secondDb(), 'images', '401 invalid_api_key: bad key'),
    ]);
    expect(opened.filter(Boolean)).toHaveLength(1);
    expect(await openIncident(db(), 'images', 'again')).toBe(false);
    expect((await openIncidents(db())).map((i) => i.upstream)).toEqual(['images']);
    const closed = await Promise.all([closeIncident(db(), 'images'), closeIncident(secondDb(), 'images')]);
    expect(closed.filter(Boolean)).toHaveLength(1);
    expect(closed.find(Boolean)?.reason).toBe('401 invalid_api_key: bad key');
    expect(await openIncidents(db())).toEqual([]);
    // The next incident opens again, once.
    expect(await openIncident(secondDb(), 'images', '429 insufficient_quota: quota')).toBe(true);
    expect(await closeIncident(db(), 'images')).toBeDefined();
  });
});
