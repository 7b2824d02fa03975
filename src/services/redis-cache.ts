import { Redis } from 'ioredis';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { withTimeout } from '../with-timeout.js';
import type { Cache } from './cache.js';

/** Every key lives under this prefix; the version changes when the shape of cached values does. */
export const REDIS_NAMESPACE = 'photoshoot-bot:v1:';

/** How long the cache stays off after a failed or slow command before Redis is tried again. */
const PAUSE_AFTER_FAILURE_MS = 2000;

/**
 * The cache shared by every instance, in Redis: JSON values under a namespaced, versioned key
 * with a TTL. It never waits for Redis: while disconnected a command fails at once (no offline
 * queue), a slow one fails after `timeoutMs`, and the failure is thrown for the caller's
 * fallback (createObservedCache treats it as a miss); after a failure Redis is skipped for two
 * seconds. An outage is logged once when it starts and once when Redis is back, not per
 * request; the client keeps reconnecting.
 */
export function createRedisCache(deps: { url: string; logger: Logger; timeoutMs: number; namespace?: string }) {
  const prefix = deps.namespace ?? REDIS_NAMESPACE;
  const log = deps.logger.child({ component: 'redis-cache' });
  const client = new Redis(deps.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: deps.timeoutMs,
    connectTimeout: Math.max(1000, deps.timeoutMs * 4),
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: false,
  });
  let healthy = true;
  // After a failure Redis is left alone for a moment, so a slow server costs one timeout, not one per request.
  let skipUntil = 0;
  const down = (err: unknown) => {
    skipUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
    if (!healthy) return;
    healthy = false;
    log.warn({ reason: describeError(err) }, 'Redis is unavailable or slow; caching is off until it answers again');
  };
  const up = () => {
    skipUntil = 0;
    if (healthy) return;
    healthy = true;
    log.info('Redis is back; caching again');
  };
  const available = () => {
    if (Date.now() < skipUntil) throw new Error('Redis is paused after a failure');
  };
  client.on('error', down);
  client.on('ready', up);

  const cache: Cache & {
    readonly healthy: boolean;
    whenReady(timeoutMs: number): Promise<boolean>;
    close(): Promise<void>;
  } = {
    get healthy() {
      return healthy;
    },
    async get<T>(key: string) {
      available();
      try {
        const raw = await client.get(prefix + key);
        up();
        return raw === null ? undefined : (JSON.parse(raw) as T);
      } catch (err) {
        down(err);
        throw err;
      }
    },
    async set<T>(key: string, value: T, ttlSeconds: number) {
      if (ttlSeconds <= 0) return;
      available();
      try {
        await client.set(prefix + key, JSON.stringify(value), 'EX', Math.ceil(ttlSeconds));
        up();
      } catch (err) {
        down(err);
        throw err;
      }
    },
    /** Resolves true once connected, or false after `timeoutMs` (the cache then starts as a miss). */
    async whenReady(timeoutMs: number): Promise<boolean> {
      if (client.status === 'ready') return true;
      let onReady: (() => void) | undefined;
      const ready = await withTimeout(
        new Promise<boolean>((resolve) => {
          onReady = () => resolve(true);
          client.once('ready', onReady);
        }),
        timeoutMs,
        () => false,
      );
      if (onReady) client.off('ready', onReady);
      return ready;
    },
    async close() {
      client.removeAllListeners('error');
      client.on('error', () => undefined);
      await client.quit().catch(() => client.disconnect());
    },
  };
  return cache;
}

export type RedisCache = ReturnType<typeof createRedisCache>;
