import type { Context, MiddlewareFn } from 'grammy';
import { type AbortSignalLike, settlesWithin } from '../../with-timeout.js';
import { isUpdateDeferred } from '../update-deferred.js';
import { isUpdateRetry } from '../update-retry.js';

/**
 * Knows which updates are being handled right now and which ones have finished, so that an
 * update is confirmed to Telegram only once its handling ended: `offset()` is the getUpdates
 * offset that confirms every finished update below the oldest unfinished one, and nothing else.
 * Shutdown waits on it too.
 */
const MAX_FINISHED = 10_000;

export function createUpdateTracker() {
  const inFlight = new Set<Promise<void>>();
  // Update ids handed to the bot (by the poller, or seen by the middleware) and not yet finished.
  const running = new Set<number>();
  // Finished ids at or above the offset: Telegram returns them again until the offset passes
  // them. Pruned below the offset, so it holds at most one getUpdates window (100 ids).
  const finished = new Set<number>();
  let highest: number | undefined;
  const settleListeners = new Set<() => void>();

  const start = (id: number) => {
    running.add(id);
    if (highest === undefined || id > highest) highest = id;
  };

  const middleware: MiddlewareFn<Context> = (ctx, next) => {
    const id = ctx.update.update_id;
    start(id);
    const task = next();
    inFlight.add(task);
    const done = (err?: unknown) => {
      inFlight.delete(task);
      // A deferred update (a payment still waiting for the database at shutdown) stays
      // unfinished: it holds the offset, so Telegram delivers it again after the restart. So
      // does one about to be handled again (its connection died): it is not done yet.
      if (!isUpdateDeferred(err) && !isUpdateRetry(err)) {
        running.delete(id);
        finished.add(id);
        // Without a poller pruning it (bot.start(), tests) the set is capped; the poller keeps
        // it far below this (one getUpdates window).
        if (finished.size > MAX_FINISHED) finished.delete(finished.values().next().value as number);
      }
      for (const listener of settleListeners) listener();
    };
    task.then(() => done(), done);
    return task;
  };

  /** Offset that confirms exactly the updates whose handling ended (0: nothing seen yet). */
  const offset = (): number => {
    let oldest: number | undefined;
    for (const id of running) if (oldest === undefined || id < oldest) oldest = id;
    const next = oldest ?? (highest === undefined ? 0 : highest + 1);
    for (const id of finished) if (id < next) finished.delete(id);
    return next;
  };

  return {
    middleware,
    offset,
    /** Marks updates as handed to the bot: from now on they hold the offset until they finish. */
    dispatch(ids: readonly number[]) {
      for (const id of ids) start(id);
    },
    /** True for an update this process is handling or has handled (a redelivery to drop). */
    knows(id: number): boolean {
      return running.has(id) || finished.has(id);
    },
    /** Updates at or above `from` that are running or finished (they come back in getUpdates). */
    knownFrom(from: number): number {
      let count = 0;
      for (const id of running) if (id >= from) count++;
      for (const id of finished) if (id >= from) count++;
      return count;
    },
    /** Resolves when any update finishes, or after `timeoutMs`, or when `signal` aborts. */
    nextSettle(timeoutMs: number, signal?: AbortSignalLike): Promise<void> {
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          settleListeners.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        settleListeners.add(done);
        signal?.addEventListener('abort', done);
      });
    },
    get size() {
      return inFlight.size;
    },
    /** Resolves when every update in flight has finished, or after `timeoutMs`; true if idle. */
    async idle(timeoutMs: number): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (inFlight.size > 0) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await settlesWithin(Promise.allSettled([...inFlight]), left);
      }
      return true;
    },
  };
}

export type UpdateTracker = ReturnType<typeof createUpdateTracker>;
