import type { UpdateSupplier } from '@grammyjs/runner';
import type { Update } from 'grammy/types';
import type { Logger } from '../logger.js';
import { pause } from '../with-timeout.js';
import type { UpdateTracker } from './middlewares/update-tracker.js';
import { describeBotApiError, telegramError } from './telegram-error.js';

/** getUpdates parameters this supplier sends (Bot API, getUpdates). */
export interface GetUpdatesParams {
  offset: number;
  limit: number;
  timeout: number;
  allowed_updates: readonly string[];
}

export interface ConfirmingSupplier extends UpdateSupplier<Update> {
  /** Why polling is unhealthy right now (the Bot API unreachable since when, and why), or undefined. */
  problem(): string | undefined;
  /** The offset of the last getUpdates call that Telegram answered: what it has confirmed. */
  readonly confirmedOffset: number;
}

/** The runner's signal type (its AbortSignal polyfill's). */
type RunnerSignal = Parameters<UpdateSupplier<Update>['supply']>[1];

/** getUpdates returns at most 100 updates (Bot API, getUpdates: limit 1-100). */
const MAX_BATCH = 100;

/**
 * The runner's update supplier, confirming an update to Telegram only once its handling ended.
 *
 * Telegram confirms every update below the offset of a getUpdates call and returns the rest
 * again (Bot API, getUpdates: "An update is considered confirmed as soon as getUpdates is
 * called with an offset higher than its update_id"). So the offset is the oldest update still
 * running here (or the last one seen + 1 when none is), and each batch drops the updates this
 * process is handling or has handled. A crash or a kill then loses nothing: Telegram delivers
 * every unfinished update again, and the bot's handlers take a redelivery as a no-op.
 *
 * The limit: Telegram returns the 100 updates after the offset. If one update runs for long
 * while 100 later ones finish, newer updates wait until it ends (other chats keep being served
 * until then).
 *
 * Network failures are retried without end, 1 s, 2 s, 4 s... apart (at most `maxRetryDelayMs`),
 * with a warning per retry; `problem()` reports the outage until a call succeeds. 401 and 409
 * (token revoked, another instance polling) end polling.
 */
export function createConfirmingSupplier(deps: {
  getUpdates(params: GetUpdatesParams, signal: RunnerSignal): Promise<Update[]>;
  tracker: Pick<UpdateTracker, 'offset' | 'dispatch' | 'knows' | 'knownFrom' | 'nextSettle'>;
  allowedUpdates: readonly string[];
  pollTimeoutS: number;
  apiRoot: string;
  logger: Logger;
  /** Longest wait when a batch brings nothing new because older updates are still running. */
  busyPauseMs?: number;
  /** Longest wait between two tries while the Bot API cannot be reached. */
  maxRetryDelayMs?: number;
  now?: () => number;
}): ConfirmingSupplier {
  const { tracker, logger } = deps;
  const now = deps.now ?? Date.now;
  let outage: { since: number; reason: string; tries: number } | undefined;
  let confirmedOffset = 0;

  return {
    async supply(batchSize, signal) {
      for (;;) {
        const offset = tracker.offset();
        // The updates at or above the offset that are known here come back too: ask for them
        // on top of the capacity, so the batch can still bring `batchSize` new ones.
        const limit = Math.max(1, Math.min(MAX_BATCH, batchSize + tracker.knownFrom(offset)));
        let updates: Update[];
        try {
          updates = await deps.getUpdates(
            { offset, limit, timeout: deps.pollTimeoutS, allowed_updates: deps.allowedUpdates },
            signal,
          );
        } catch (err) {
          if (signal.aborted) throw err;
          const code = telegramError(err)?.code;
          if (code === 401 || code === 409) throw err;
          const tries = (outage?.tries ?? 0) + 1;
          const reason = describeBotApiError(err);
          outage = { since: outage?.since ?? now(), reason, tries };
          const delayMs = Math.min(deps.maxRetryDelayMs ?? 30_000, 1000 * 2 ** Math.min(tries - 1, 16));
          logger.warn(
            { api: deps.apiRoot, reason, retry: tries, in_s: delayMs / 1000 },
            'getUpdates failed: cannot reach the Telegram Bot API; retrying',
          );
          await pause(delayMs, signal);
          if (signal.aborted) throw err;
          continue;
        }
        confirmedOffset = Math.max(confirmedOffset, offset);
        if (outage) {
          logger.info(
            { api: deps.apiRoot, down_s: Math.round((now() - outage.since) / 1000), tries: outage.tries },
            'Telegram Bot API reachable again',
          );
          outage = undefined;
        }
        const fresh = updates.filter((u) => !tracker.knows(u.update_id));
        if (fresh.length > 0 || updates.length === 0) {
          tracker.dispatch(fresh.map((u) => u.update_id));
          return fresh;
        }
        // Everything Telegram returned is still running here or already done: wait for an
        // update to finish (the offset may move) or a moment (new updates may have come).
        await tracker.nextSettle(deps.busyPauseMs ?? 200, signal);
        if (signal.aborted) throw new Error('polling stopped');
      }
    },
    problem() {
      if (!outage) return undefined;
      const seconds = Math.round((now() - outage.since) / 1000);
      return `Telegram Bot API unreachable for ${seconds} s (${outage.tries} tries): ${outage.reason}`;
    },
    get confirmedOffset() {
      return confirmedOffset;
    },
  };
}
