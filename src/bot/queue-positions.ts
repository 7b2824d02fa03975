import type { Api } from 'grammy';
import type { Config } from '../config/index.js';
import type { Database } from '../db/client.js';
import { queuedJobs } from '../db/photoshoots.js';
import type { Logger } from '../logger.js';
import type { QueueEstimator } from '../photoshoot/queue-estimate.js';
import { resolveLocale } from './i18n.js';
import type { Translator } from './photoshoot-report.js';
import { queuedText } from './views/queue.js';

/** Sellers whose queue message one pass moves at most. */
const SHOWN_PER_PASS = 30;

/**
 * Moves the queue position and the estimate shown to waiting sellers, every
 * JOB_QUEUE_REFRESH_S, on its own timer: a slow Telegram never delays the worker's claims.
 * A message is edited only when its text changed.
 */
export function createQueuePositions(deps: {
  db: Database;
  api: Api;
  i18n: Translator;
  logger: Logger;
  config: Pick<Config, 'defaultLocale' | 'worker'>;
  estimator?: QueueEstimator;
}) {
  const { db, api, config, estimator } = deps;
  /** The text last shown for each queued job, so unchanged messages are not edited again. */
  const shown = new Map<number, string>();
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();

  async function refresh(): Promise<void> {
    try {
      const waiting = await queuedJobs(db, SHOWN_PER_PASS);
      const still = new Set(waiting.map((j) => j.id));
      for (const id of shown.keys()) if (!still.has(id)) shown.delete(id);
      for (const job of waiting) {
        if (!timer) return;
        const locale = resolveLocale(job.locale, config.defaultLocale);
        const text = await queuedText((key, variables) => deps.i18n.t(locale, key, variables), db, job.position, {
          estimate: estimator && ((on, position) => estimator.minutes(on, position)),
          concurrency: config.worker.concurrency,
        });
        if (shown.get(job.id) === text) continue;
        shown.set(job.id, text);
        await api.editMessageText(job.chatId, job.progressMessageId, text).catch(() => undefined);
      }
    } catch (err) {
      deps.logger.warn({ err }, 'could not refresh queue positions');
    }
  }

  return {
    start(): void {
      if (timer) return;
      let busy = false;
      timer = setInterval(() => {
        // One pass at a time: a tick during a pass slower than the period is skipped, not queued.
        if (busy) return;
        busy = true;
        pass = refresh().finally(() => {
          busy = false;
        });
      }, config.worker.queueRefreshMs);
      timer.unref();
    },
    /** Stops the timer and waits for a pass under way (its edits are short). */
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await pass;
    },
  };
}
