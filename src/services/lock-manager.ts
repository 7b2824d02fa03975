import type { Logger } from '../logger.js';

export interface LockStats {
  /** Keys with a holder or waiters right now. */
  active: number;
  /** Most keys held at once since start. */
  peak: number;
  /** Entries removed because nobody held or waited for them any more. */
  cleaned: number;
}

/**
 * Per-key mutual exclusion inside one process (per-user critical sections). An entry exists
 * only while it has a holder or waiters and is removed the moment the last one leaves, so the
 * map cannot grow without bound. Across processes the database constraints stay the guard.
 */
export function createLockManager(deps: { logger: Logger; sweepEveryMs?: number }) {
  const tails = new Map<string, { tail: Promise<void>; users: number }>();
  const stats: LockStats = { active: 0, peak: 0, cleaned: 0 };

  async function withLock<T>(key: string, critical: () => Promise<T>): Promise<T> {
    const entry = tails.get(key) ?? { tail: Promise.resolve(), users: 0 };
    if (entry.users === 0) tails.set(key, entry);
    entry.users += 1;
    stats.active = tails.size;
    stats.peak = Math.max(stats.peak, stats.active);
    const previous = entry.tail;
    let release: () => void = () => undefined;
    entry.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      await previous;
      return await critical();
    } finally {
      release();
      entry.users -= 1;
      if (entry.users === 0 && tails.get(key) === entry) {
        tails.delete(key);
        stats.cleaned += 1;
      }
      stats.active = tails.size;
    }
  }

  // The seed's periodic lock report; entries are already removed eagerly, so this only reports.
  const timer = setInterval(
    () => deps.logger.info({ locks: { ...stats, active: tails.size } }, 'lock manager statistics'),
    deps.sweepEveryMs ?? 5 * 60_000,
  );
  timer.unref();

  return {
    withLock,
    stats: (): LockStats => ({ ...stats, active: tails.size }),
    stop: () => clearInterval(timer),
  };
}

export type LockManager = ReturnType<typeof createLockManager>;
