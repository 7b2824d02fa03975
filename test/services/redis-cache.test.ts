import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObservedCache } from '../../src/services/cache.js';
import { createRedisCache, type RedisCache } from '../../src/services/redis-cache.js';
import { createBotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { silentLogger } from '../support/logger.js';
import { freePort } from '../support/process.js';
import { textMessage, withId } from '../support/updates.js';

/** The machine's Redis (CI starts it); each test run uses its own namespace. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const namespace = () => `photoshoot-bot-test:${randomBytes(4).toString('hex')}:`;
const caches: RedisCache[] = [];
const redisCache = (options: { url?: string; ns?: string; logger?: pino.Logger } = {}) => {
  const cache = createRedisCache({
    url: options.url ?? REDIS_URL,
    logger: options.logger ?? silentLogger,
    timeoutMs: 250,
    namespace: options.ns ?? namespace(),
  });
  caches.push(cache);
  return cache;
};
const connected = async (cache: RedisCache) => {
  expect(await cache.whenReady(5000)).toBe(true);
  return cache;
};

/** Redis answers here; without it (a machine with no Redis) these tests skip, except in CI. */
async function reachable(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
const redisUp = (await reachable(REDIS_URL)) || process.env.REQUIRE_REDIS === '1';

const ADMIN = 9301;
let database: TestDatabase;
const statements: string[] = [];
beforeAll(async () => {
  database = await createTestDatabase(10, { onQuery: (q) => statements.push(q) });
});
afterAll(async () => {
  for (const cache of caches) await cache.close();
  await database.close();
});

/** An instance of the bot whose /stats goes through `cache`; returns what one /stats cost and said. */
function instance(cache: RedisCache) {
  const h = createBotHarness({
    db: database.handle.db,
    adminIds: [ADMIN],
    cache: createObservedCache(cache),
    statsCacheTtlS: 60,
  });
  return async () => {
    statements.length = 0;
    const started = performance.now();
    await h.handle(withId(textMessage({ id: ADMIN }, '/stats')));
    const text = String(h.sent().at(-1)?.payload.text);
    return {
      text,
      ms: performance.now() - started,
      queried: statements.some((s) => s.includes('processed_images')),
      cached: text.includes('(cached,'),
    };
  };
}

describe.runIf(redisUp)('Redis cache', () => {
  it('misses, hits, and forgets an entry when its TTL ends', async () => {
    const cache = await connected(redisCache());
    expect(await cache.get('analysis:v1:x')).toBeUndefined();
    await cache.set('analysis:v1:x', { product: 'mug', colours: ['white'] }, 60);
    expect(await cache.get('analysis:v1:x')).toEqual({ product: 'mug', colours: ['white'] });
    await cache.set('prompts:v1:short', 'lived', 1);
    expect(await cache.get('prompts:v1:short')).toBe('lived');
    await new Promise((r) => setTimeout(r, 1200));
    expect(await cache.get('prompts:v1:short')).toBeUndefined();
  });

  it('is shared by two instances: /stats computed by one is served by the other', async () => {
    const ns = namespace();
    const first = instance(await connected(redisCache({ ns })));
    const second = instance(await connected(redisCache({ ns })));
    expect(await first()).toMatchObject({ queried: true, cached: false });
    expect(await second()).toMatchObject({ queried: false, cached: true });
  });

  it('keeps commands working while Redis is slow or down (one warning), and caches again once it is back', async () => {
    const port = await freePort();
    let server = await startRedis(port);
    const lines: { msg: string; level: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const stats = instance(await connected(redisCache({ url: `redis://127.0.0.1:${port}`, logger })));
    try {
      expect(await stats()).toMatchObject({ queried: true, cached: false });
      expect(await stats()).toMatchObject({ queried: false, cached: true });

      // Slow: the server stalls for a second; /stats does not wait for it.
      const admin = new Redis(`redis://127.0.0.1:${port}`);
      admin.on('error', () => undefined);
      const stall = admin.call('DEBUG', 'SLEEP', '1');
      await new Promise((r) => setTimeout(r, 50));
      const slow = await stats();
      expect(slow).toMatchObject({ queried: true, cached: false });
      expect(slow.ms).toBeLessThan(900);
      await stall;
      admin.disconnect();

      server.kill('SIGKILL');
      await once(server, 'exit');
      const during = [await stats(), await stats(), await stats()];
      for (const answer of during) {
        expect(answer).toMatchObject({ queried: true, cached: false });
        expect(answer.text).toContain('Statistics');
        expect(answer.ms).toBeLessThan(2000);
      }
      expect(lines.filter((l) => l.msg.startsWith('Redis is unavailable or slow'))).toHaveLength(1);

      server = await startRedis(port);
      await expect.poll(async () => (await stats()).cached, { timeout: 10_000, interval: 200 }).toBe(true);
      expect(lines.some((l) => l.msg === 'Redis is back; caching again')).toBe(true);
    } finally {
      server.kill('SIGKILL');
    }
  });
});

/** A private Redis on `port`, without persistence, that this test may kill. */
async function startRedis(port: number): Promise<ChildProcess> {
  const server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--enable-debug-command',
      'yes',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  server.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 5000;
  while (!output.includes('Ready to accept connections')) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return server;
}
