import type { Metrics } from './metrics.js';

/**
 * The cache the services use: get/set with a time to live. The in-process LRU below is the
 * default; a shared implementation (Redis) can take its place without the callers changing.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlSeconds: number): Promise<void>;
}

/**
 * An in-process LRU with per-entry expiry. A Map keeps insertion order, so re-inserting on
 * read moves an entry to the young end and the oldest entry is always first.
 */
export function createMemoryCache(options: {
  maxEntries: number;
  now?: () => number;
}): Cache & { readonly size: number } {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: unknown; expiresAt: number }>();
  return {
    get size() {
      return entries.size;
    },
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      entries.delete(key);
      if (entry.expiresAt <= now()) return undefined;
      entries.set(key, entry);
      return entry.value as T;
    },
    async set<T>(key: string, value: T, ttlSeconds: number) {
      if (options.maxEntries <= 0 || ttlSeconds <= 0) return;
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
    },
  };
}

/**
 * get-or-compute over a cache, with concurrent misses for one key sharing one computation
 * (a batch of photos of the same product is analysed once).
 */
export function createCachedLoader(cache: Cache) {
  const inFlight = new Map<string, Promise<unknown>>();
  return async function load<T>(key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<T> {
    const hit = await cache.get<T>(key);
    if (hit !== undefined) return hit;
    const running = inFlight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const task = (async () => {
      try {
        const value = await compute();
        await cache.set(key, value, ttlSeconds);
        return value;
      } finally {
        inFlight.delete(key);
      }
    })();
    inFlight.set(key, task);
    return task;
  };
}

export type CachedLoader = ReturnType<typeof createCachedLoader>;

/**
 * The cache as the services see it: every lookup counted per cache (the key's first segment:
 * analysis, prompts, stats) as a hit, a miss or an error, and a failing cache treated as an
 * empty one (a lookup misses, a store is skipped), so a cache outage never fails a
 * photoshoot or a command.
 */
export function createObservedCache(cache: Cache, metrics?: Pick<Metrics, 'cache'>): Cache {
  const nameOf = (key: string) => key.split(':', 1)[0] ?? 'other';
  return {
    async get<T>(key: string) {
      try {
        const value = await cache.get<T>(key);
        metrics?.cache(nameOf(key), value === undefined ? 'miss' : 'hit');
        return value;
      } catch {
        metrics?.cache(nameOf(key), 'error');
        return undefined;
      }
    },
    async set<T>(key: string, value: T, ttlSeconds: number) {
      try {
        await cache.set(key, value, ttlSeconds);
      } catch {
        // The implementation reports its own outage; the value is simply not kept.
      }
    },
  };
}
