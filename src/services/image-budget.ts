import type { ImageBudgetConfig } from '../config/index.js';
import type { Database } from '../db/client.js';
import { type BucketSpec, ensureBucket, pauseBucket, takeToken } from '../db/rate-budget.js';
import type { Logger } from '../logger.js';
import type { AttemptGate } from './resilience.js';

/** Longest pause a provider's retry-after can impose; a day-long header is a provider bug, not a plan. */
export const MAX_RATE_PAUSE_MS = 10 * 60_000;

/** One attempt's wait for the budget is re-checked at least this often (a pause set elsewhere, a cancel). */
const RECHECK_MS = 5000;

/** A waiter is told about a wait only when it is this long: shorter ones are the normal pace. */
const NOTIFY_AFTER_MS = 1000;

/**
 * How long a 429 asks everyone to wait, from its headers: `retry-after-ms`, then `retry-after`
 * (seconds or an HTTP date; OpenAI sends seconds), then `x-ratelimit-reset-requests` /
 * `-tokens` ("6m0s", "1s", "250ms"; OpenAI's rate-limit guide). Missing or malformed: the
 * time one token takes at the pace (at least a second). Capped at MAX_RATE_PAUSE_MS.
 */
export function retryAfterMs(
  headers: Headers | Record<string, string | null | undefined> | undefined,
  fallbackMs: number,
  now = Date.now(),
): number {
  const get = (name: string): string | undefined => {
    if (!headers) return undefined;
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return value?.trim() || undefined;
  };
  const candidates = [
    parseNumber(get('retry-after-ms')),
    parseRetryAfter(get('retry-after'), now),
    parseDuration(get('x-ratelimit-reset-requests')),
    parseDuration(get('x-ratelimit-reset-tokens')),
  ];
  const found = candidates.find((ms): ms is number => ms !== undefined);
  return Math.min(MAX_RATE_PAUSE_MS, Math.max(0, found ?? fallbackMs));
}

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const seconds = parseNumber(value);
  if (seconds !== undefined) return seconds * 1000;
  // An HTTP date (RFC 9110 §10.2.3); anything else is malformed.
  if (!/[a-z]{3},/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** "1h2m3.5s", "6m0s", "250ms", as OpenAI writes its x-ratelimit-reset-* headers. */
function parseDuration(value: string | undefined): number | undefined {
  if (value === undefined || !/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(amount) * (DURATION_UNITS[unit ?? 's'] ?? 0);
  }
  return total;
}

/** The bucket every process paces its image calls with. */
export function imageBucket(config: ImageBudgetConfig): BucketSpec {
  return {
    name: 'images',
    perMinute: (config.perMinute * config.headroomPercent) / 100,
    capacity: config.burst,
  };
}

export interface BudgetObserver {
  /** Seconds an attempt waited for its token. */
  waited?(seconds: number): void;
  /** A 429 rate_limit_exceeded paused the fleet for this many seconds. */
  paused?(seconds: number): void;
}

/**
 * The fleet-wide image budget: a token bucket in the database (rate_budgets), taken before
 * every image attempt, retries included, by every process. In this process the attempts wait
 * in line (first come, first served), so one photoshoot's four images go out in order at the
 * pace instead of racing other photoshoots' images. A 429 pauses every process.
 */
export function createImageBudget(deps: {
  db: Database;
  config: ImageBudgetConfig;
  logger: Logger;
  observer?: BudgetObserver;
}) {
  const { db, logger, observer } = deps;
  const spec = imageBucket(deps.config);
  const intervalMs = 60_000 / spec.perMinute;
  const log = logger.child({ budget: spec.name });
  let ready: Promise<void> | undefined;
  let line: Promise<void> = Promise.resolve();
  let inLine = 0;
  let pausedUntil = 0;
  /** Per caller signal: when each of its waiting attempts expects its token, and who to tell. */
  const watchers = new WeakMap<AbortSignal, { listener: (waitMs: number) => void; deadlines: Set<{ at: number }> }>();

  const tell = (signal: AbortSignal | undefined) => {
    const watcher = signal && watchers.get(signal);
    if (!watcher) return;
    const latest = Math.max(0, ...[...watcher.deadlines].map((d) => d.at));
    const waitMs = latest - Date.now();
    watcher.listener(waitMs >= NOTIFY_AFTER_MS ? waitMs : 0);
  };

  async function untilToken(signal: AbortSignal, deadline: { at: number }, caller?: AbortSignal): Promise<void> {
    ready ??= ensureBucket(db, spec).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    let failures = 0;
    for (;;) {
      signal.throwIfAborted();
      let waitMs: number;
      try {
        await ready;
        const result = await takeToken(db, spec);
        failures = 0;
        if (result.kind === 'taken') return;
        waitMs = result.waitMs;
        if (result.paused) pausedUntil = Math.max(pausedUntil, Date.now() + waitMs);
      } catch (err) {
        // Without the database the provider's own 429s still guard; a photoshoot is not held for it.
        failures += 1;
        if (failures >= 3) {
          log.warn({ err }, 'image budget unreadable; sending without a token');
          return;
        }
        waitMs = 1000;
      }
      deadline.at = Date.now() + waitMs;
      tell(caller);
      await sleep(Math.min(waitMs, RECHECK_MS), signal);
    }
  }

  const gate: AttemptGate = {
    async beforeAttempt(signal) {
      const started = Date.now();
      const deadline = { at: Math.max(pausedUntil, Date.now() + inLine * intervalMs) };
      const watcher = watchers.get(signal);
      watcher?.deadlines.add(deadline);
      tell(signal);
      const previous = line;
      let done!: () => void;
      const mine = new Promise<void>((resolve) => {
        done = resolve;
      });
      // The next in line waits for this attempt and for everyone before it, even if this one gives up.
      line = previous.then(() => mine);
      inLine += 1;
      try {
        await waitFor(previous, signal);
        await untilToken(signal, deadline, signal);
      } finally {
        inLine -= 1;
        done();
        watcher?.deadlines.delete(deadline);
        if (watcher) tell(signal);
      }
      const waited = (Date.now() - started) / 1000;
      observer?.waited?.(waited);
      if (waited >= 1) log.debug({ waited_s: Math.round(waited) }, 'image call waited for the budget');
    },
    async rateLimited(headers) {
      const ms = retryAfterMs(headers, Math.max(1000, intervalMs));
      pausedUntil = Math.max(pausedUntil, Date.now() + ms);
      observer?.paused?.(ms / 1000);
      try {
        const lasts = await pauseBucket(db, spec, ms);
        log.warn({ pause_s: Math.round(lasts / 100) / 10 }, 'image provider rate limit hit; every worker pauses');
      } catch (err) {
        log.warn({ err }, 'could not share the rate-limit pause; pausing this process only');
      }
    },
  };

  return {
    spec,
    gate,
    /**
     * Calls `listener` with how long the caller holding `signal` is expected to wait for the
     * image budget (0 once it no longer waits). Returns the unsubscribe function.
     */
    watch(signal: AbortSignal, listener: (waitMs: number) => void): () => void {
      watchers.set(signal, { listener, deadlines: new Set() });
      return () => watchers.delete(signal);
    },
    /** Expected wait for one more image attempt in this process, in milliseconds. */
    expectedWaitMs(): number {
      return Math.max(pausedUntil - Date.now(), 0) + inLine * intervalMs;
    },
    /** Images per minute the fleet is paced to (the provider's limit less the headroom). */
    perMinute: spec.perMinute,
  };
}

export type ImageBudget = ReturnType<typeof createImageBudget>;

function waitFor(work: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, resolve).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return waitFor(new Promise((resolve) => setTimeout(resolve, ms).unref?.()), signal);
}
