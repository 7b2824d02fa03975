/**
 * `work`, or what `late()` returns (or throws) once `ms` have passed first. The work itself is
 * left to end on its own; only the wait is bounded.
 */
export async function withTimeout<T, L>(work: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<L>((resolve, reject) => {
        timer = setTimeout(
          () => {
            try {
              resolve(late());
            } catch (err) {
              reject(err);
            }
          },
          Math.max(0, ms),
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
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
