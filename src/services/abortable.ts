/**
 * Settles like `work`, or rejects with `reason()` as soon as `signal` aborts, whichever comes
 * first. The work itself goes on (abort it through the signal where it accepts one); its
 * outcome is then ignored.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal, reason: () => unknown): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(reason());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
