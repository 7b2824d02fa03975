import type { Update } from 'grammy/types';
import { isConnectionLost } from '../db/failures.js';
import type { Logger } from '../logger.js';
import { pause } from '../with-timeout.js';

/**
 * Thrown by the error boundary when an update failed only because its database connection
 * died under it (a killed backend, a server restarting) and nothing was sent to Telegram yet:
 * its transaction was rolled back, so handling it again is safe, and the seller gets the
 * answer instead of an apology. The update stays unfinished (not confirmed) meanwhile.
 */
export class UpdateRetryError extends Error {
  override name = 'UpdateRetryError';
}

/** Retries left for an update being handled by handleWithRetries, and until when; absent: none. */
const retriesLeft = new WeakMap<Update, { left: number; until: number }>();
/** Updates that have made a Bot API call: a reply may have reached the seller. */
const spoken = new WeakSet<Update>();

/** Records that handling `update` has called the Bot API (so it is never handled twice). */
export function markSpoken(update: Update): void {
  spoken.add(update);
}

/** True when this failure of `update` should end in handling it again, not in an apology. */
export function mayHandleAgain(update: Update, err: unknown): boolean {
  const budget = retriesLeft.get(update);
  return (
    budget !== undefined && budget.left > 0 && Date.now() < budget.until && !spoken.has(update) && isConnectionLost(err)
  );
}

/** True when `err`, or the BotError wrapping it, is an UpdateRetryError. */
export function isUpdateRetry(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { error?: unknown }).error ?? e.cause) {
    if (e instanceof UpdateRetryError) return true;
  }
  return false;
}

/**
 * Handles `update`, and again (after a short pause, `attempts` times in all) while its handling
 * ends in UpdateRetryError. Only within `windowMs` of the first try: a backend killed under a
 * statement fails at once and is worth another go; a database that is down fails only after
 * the statement's own retries, and the seller should hear the apology then, not after three
 * more rounds. The last attempt has no retry left, so its failure is answered the usual way.
 */
export async function handleWithRetries(
  update: Update,
  handle: (update: Update) => Promise<void>,
  options: { attempts: number; pauseMs: number; windowMs: number; logger: Logger },
): Promise<void> {
  const until = Date.now() + options.windowMs;
  for (let attempt = 1; ; attempt++) {
    retriesLeft.set(update, { left: options.attempts - attempt, until });
    try {
      await handle(update);
      return;
    } catch (err) {
      if (!isUpdateRetry(err)) throw err;
      options.logger.warn(
        { update_id: update.update_id, attempt },
        'the database connection died under an update; handling it again',
      );
      await pause(options.pauseMs * attempt);
    } finally {
      retriesLeft.delete(update);
    }
  }
}
