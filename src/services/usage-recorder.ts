import type { AiPrices } from '../config/index.js';
import { insertAiUsage, type NewAiUsage } from '../db/ai-usage.js';
import type { Database } from '../db/client.js';
import { isTransientDbError } from '../db/failures.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { pause, settlesWithin } from '../with-timeout.js';
import type { Upstream } from './ai-errors.js';
import type { Metrics } from './metrics.js';
import { type AiUsageReport, type UsageSink, usageScope } from './usage.js';

/** The price table (the configuration's ai.prices): USD per 1M tokens of each upstream, and per image when an answer reports no tokens. */
export type UsagePrices = AiPrices;

/**
 * What an answer cost: its tokens at the upstream's prices. An image answer that reports no
 * tokens at all (a provider without `usage`) is priced per image instead, so images are never
 * counted twice: gpt-image models bill the image itself as output tokens.
 */
export function usageCost(
  report: Pick<AiUsageReport, 'upstream' | 'images' | 'inputTokens' | 'outputTokens'>,
  prices: UsagePrices,
): number {
  const rate = prices.tokens[report.upstream];
  const tokens = (report.inputTokens * rate.input + report.outputTokens * rate.output) / 1_000_000;
  const unreported = report.images > 0 && report.inputTokens === 0 && report.outputTokens === 0;
  return tokens + (unreported ? report.images * prices.imageUsd : 0);
}

/** A count as a column can hold it: a whole number from 0 to int4's maximum. */
const count = (value: unknown) => {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : 0;
  return Math.min(Math.max(n, 0), 2_147_483_647);
};

const UPSTREAMS: readonly Upstream[] = ['vision', 'prompts', 'images'];

/** The row recorded for a report made for `photoshootId` (null outside a photoshoot). */
export function usageRow(report: AiUsageReport, photoshootId: number | null, prices: UsagePrices): NewAiUsage {
  const upstream = UPSTREAMS.includes(report.upstream) ? report.upstream : 'images';
  const images = count(report.images);
  const inputTokens = count(report.inputTokens);
  const outputTokens = count(report.outputTokens);
  return {
    photoshootId,
    upstream,
    model: String(report.model || 'unknown').slice(0, 200),
    images,
    inputTokens,
    outputTokens,
    costUsd: usageCost({ upstream, images, inputTokens, outputTokens }, prices),
    durationMs: report.seconds !== undefined && Number.isFinite(report.seconds) ? count(report.seconds * 1000) : null,
  };
}

export interface UsageRecorder {
  /** The sink handed to the AI services: returns at once, never throws. */
  record: UsageSink;
  /** Waits for every report so far to be recorded; false if some were still unrecorded at the deadline. */
  flush(timeoutMs: number): Promise<boolean>;
  stats(): { pending: number; recorded: number; lost: number };
}

/**
 * Records one ai_usage row per AI answer, under the photoshoot of the current `usageScope`.
 * The caller never waits: rows queue in memory (at most `maxPending`; beyond that the oldest
 * is dropped) and are inserted in batches in the background, one statement at a time, so a
 * burst of answers costs one pooled connection. While the database is unreachable the rows
 * wait and are retried with a growing pause; a row the database refuses for good is dropped.
 * Either is logged at most once per `logEveryMs`, with how many rows were lost meanwhile.
 */
export function createUsageRecorder(deps: {
  db: Database;
  prices: UsagePrices;
  logger: Logger;
  metrics?: Metrics;
  maxPending?: number;
  batchSize?: number;
  retryDelayMs?: number;
  logEveryMs?: number;
}): UsageRecorder {
  const { db, prices, logger, metrics } = deps;
  const maxPending = deps.maxPending ?? 10_000;
  const batchSize = deps.batchSize ?? 200;
  const firstRetryMs = deps.retryDelayMs ?? 1000;
  const logEveryMs = deps.logEveryMs ?? 60_000;
  const queue: NewAiUsage[] = [];
  let inFlight = 0;
  let draining: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = firstRetryMs;
  let recorded = 0;
  let lost = 0;
  let lostSinceLog = 0;
  let lastWarnAt = Number.NEGATIVE_INFINITY;

  const warn = (fields: Record<string, unknown>, message: string) => {
    const now = Date.now();
    if (now - lastWarnAt < logEveryMs) return;
    lastWarnAt = now;
    logger.warn({ ...fields, lost: lostSinceLog }, message);
    lostSinceLog = 0;
  };
  const drop = (rows: number) => {
    lost += rows;
    lostSinceLog += rows;
  };
  /** Keeps the newest `maxPending` rows. */
  const trim = () => {
    const excess = queue.length - maxPending;
    if (excess <= 0) return;
    queue.splice(0, excess);
    drop(excess);
    warn({ pending: queue.length }, 'AI usage queue full: the oldest rows were dropped');
  };

  /** Inserts rows one at a time; returns how many were refused. */
  async function insertEach(rows: NewAiUsage[]): Promise<number> {
    let refused = 0;
    for (const row of rows) {
      await insertAiUsage(db, [row]).catch(() => {
        refused += 1;
      });
    }
    return refused;
  }

  async function drain() {
    while (queue.length > 0) {
      const batch = queue.splice(0, batchSize);
      inFlight = batch.length;
      try {
        await insertAiUsage(db, batch);
        recorded += batch.length;
        retryMs = firstRetryMs;
      } catch (err) {
        if (isTransientDbError(err)) {
          queue.unshift(...batch);
          trim();
          warn({ reason: describeError(err), pending: queue.length }, 'recording AI usage failed; retrying');
          retryTimer = setTimeout(start, retryMs);
          retryTimer.unref();
          retryMs = Math.min(retryMs * 2, 30_000);
          return;
        }
        // Refused for good (a constraint, a value): one row may be to blame, so the rest go one by one.
        const refused = batch.length === 1 ? 1 : await insertEach(batch);
        recorded += batch.length - refused;
        drop(refused);
        warn({ reason: describeError(err) }, 'the database refused AI usage rows; they were dropped');
      } finally {
        inFlight = 0;
      }
    }
  }

  function start() {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (draining || queue.length === 0) return;
    draining = drain()
      .catch((err: unknown) => warn({ reason: describeError(err) }, 'recording AI usage failed'))
      .finally(() => {
        draining = undefined;
      });
  }

  return {
    record(report) {
      try {
        const row = usageRow(report, usageScope.getStore()?.photoshootId ?? null, prices);
        metrics?.aiUsage({
          upstream: row.upstream,
          images: row.images ?? 0,
          inputTokens: row.inputTokens ?? 0,
          outputTokens: row.outputTokens ?? 0,
          costUsd: row.costUsd ?? 0,
        });
        queue.push(row);
        trim();
        // After the caller's current step: its answer is not held up by the insert.
        if (!retryTimer) setImmediate(start);
      } catch (err) {
        warn({ reason: describeError(err) }, 'an AI usage report could not be recorded');
      }
    },
    async flush(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length > 0 || draining) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        start();
        if (draining) await settlesWithin(draining, left);
        // A retry is waiting: pause briefly instead of spinning on an unreachable database.
        else if (queue.length > 0) await pause(Math.min(200, left));
      }
      const unrecorded = queue.length + inFlight;
      if (unrecorded > 0) logger.warn({ unrecorded }, 'AI usage not recorded before the deadline');
      return unrecorded === 0;
    },
    stats: () => ({ pending: queue.length + inFlight, recorded, lost }),
  };
}
