import type { Context, MiddlewareFn } from 'grammy';

/**
 * Knows which updates are being handled right now. Shutdown waits on it, and it remembers the
 * highest update_id seen so the last batch can be confirmed to Telegram before the process
 * exits (otherwise Telegram would deliver those updates again on the next start).
 */
export function createUpdateTracker() {
  const inFlight = new Set<Promise<void>>();
  let lastUpdateId: number | undefined;

  const middleware: MiddlewareFn<Context> = (ctx, next) => {
    const id = ctx.update.update_id;
    if (lastUpdateId === undefined || id > lastUpdateId) lastUpdateId = id;
    const task = next();
    inFlight.add(task);
    const done = () => inFlight.delete(task);
    task.then(done, done);
    return task;
  };

  return {
    middleware,
    get size() {
      return inFlight.size;
    },
    get lastUpdateId() {
      return lastUpdateId;
    },
    /** Resolves when every update in flight has finished, or after `timeoutMs`; true if idle. */
    async idle(timeoutMs: number): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (inFlight.size > 0) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight]),
          new Promise((resolve) => {
            timer = setTimeout(resolve, left);
          }),
        ]);
        clearTimeout(timer);
      }
      return true;
    },
  };
}

export type UpdateTracker = ReturnType<typeof createUpdateTracker>;
