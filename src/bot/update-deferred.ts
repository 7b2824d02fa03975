/**
 * Thrown by a handler that could not finish its update and must not be treated as done: the
 * error boundary passes it on, the update counts as unfinished and is not confirmed to
 * Telegram, which delivers it again after the restart (a payment still waiting for the
 * database at shutdown).
 */
export class UpdateDeferredError extends Error {
  override name = 'UpdateDeferredError';
}

/** True when `err`, or the BotError wrapping it, is an UpdateDeferredError. */
export function isUpdateDeferred(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { error?: unknown }).error ?? e.cause) {
    if (e instanceof UpdateDeferredError) return true;
  }
  return false;
}
