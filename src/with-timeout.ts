/**
 * `work`, or what `late()` returns (or throws) once `ms` have passed first, or as soon as
 * `signal` aborts (if given). The work itself is left to end on its own; only the wait is
 * bounded.
 */
export async function withTimeout<T, L>(
  work: Promise<T>,
  ms: number,
  late: () => L,
  signal?: AbortSignalLike,
): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  let fire: (() => void) | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<L>((resolve, reject) => {
        fire = () => {
          try {
            resolve(late());
          } catch (err) {
            reject(err);
          }
        };
        if (signal?.aborted) return fire();
        timer = setTimeout(fire, Math.max(0, ms));
        signal?.addEventListener('abort', fire);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (fire) signal?.removeEventListener('abort', fire);
  }
}

/** True if `work` settles within `ms`, false once the time has passed first. */
export const settlesWithin = (work: Promise<unknown>, ms: number): Promise<boolean> =>
  withTimeout(
    work.then(() => true),
    ms,
    () => false,
  );

/** What grammY (its own AbortSignal type) and Node's AbortSignal have in common. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Waits `ms`, or less if `signal` aborts. */
export function pause(ms: number, signal?: AbortSignalLike): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}
