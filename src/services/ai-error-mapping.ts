import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { AiTimeoutError, AiUnavailableError, ContentRejectedError, type Upstream, UpstreamError } from './ai-errors.js';

/*
 * How a failed AI call is read: which failures are worth another attempt, which are the
 * provider's pace, which are the account, and which typed error of ai-errors.ts each becomes.
 */

/** Moderation and safety refusals, by the codes OpenAI-compatible providers use. */
function isContentRejection(err: unknown): boolean {
  if (!(err instanceof APIError)) return false;
  const code = `${err.code ?? ''} ${(err.error as { type?: string } | undefined)?.type ?? ''}`;
  return /content_policy|moderation|safety|content_filter/i.test(code);
}

/** A 429 that asks for a pause: the provider's rate limit, not a spent quota. */
export function isRateLimited(err: unknown): err is APIError {
  return err instanceof APIError && err.status === 429 && !isAccountFailure(err);
}

/**
 * The provider refused the account itself, not the request: an invalid or revoked key (401),
 * credits or billing (402, as OpenRouter answers), an organisation not verified or a model not
 * allowed (403), a spent quota (429 insufficient_quota; OpenAI's error-codes guide). Retrying
 * does not help and every other call will fail the same way, so the upstream is out until an
 * operator acts. Returns the reason to tell the admins, or undefined.
 */
export function accountFailure(err: unknown): string | undefined {
  if (!(err instanceof APIError)) return undefined;
  const status = err.status ?? 0;
  const quota = status === 429 && err.code === 'insufficient_quota';
  if (status !== 401 && status !== 402 && status !== 403 && !quota) return undefined;
  const code = err.code ? ` ${err.code}` : '';
  const message = (err.error as { message?: string } | undefined)?.message ?? err.message;
  return `${status}${code}: ${String(message).slice(0, 200)}`;
}

const isAccountFailure = (err: unknown) => accountFailure(err) !== undefined;

export const isTimeout = (err: unknown) => err instanceof TaskCancelledError || err instanceof APIUserAbortError;

/**
 * Worth another attempt: network errors, timeouts, 408, 409, 429 (unless the quota is spent)
 * and 5xx. Never a client error (400/401/403/404/422), a refusal, or an open circuit.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof BrokenCircuitError) return false;
  if (err instanceof TaskCancelledError) return true;
  if (err instanceof APIUserAbortError) return true;
  if (err instanceof APIConnectionError) return true;
  if (err instanceof APIError) {
    if (isContentRejection(err)) return false;
    const status = err.status ?? 0;
    if (status === 429) return err.code !== 'insufficient_quota';
    return status === 408 || status === 409 || status >= 500;
  }
  return false;
}

/**
 * The upstream's own words, as UpstreamError's message (recorded on the job with the error's
 * class, see errors.ts): the message alone, capped, since a provider can answer with a page of
 * HTML. Not describeError: that joins the causes and codes into a log line.
 */
function upstreamMessage(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 300) : String(err);
}

/** The typed error of ai-errors.ts a failed call becomes once the policy gives up. */
export function toAiError(upstream: Upstream, err: unknown, timeoutMs: number, retryIn: () => number): Error {
  if (err instanceof BrokenCircuitError) return new AiUnavailableError(upstream, retryIn(), { cause: err });
  if (err instanceof AiUnavailableError) return err;
  if (err instanceof TaskCancelledError || err instanceof APIUserAbortError) {
    return new AiTimeoutError(upstream, timeoutMs, { cause: err });
  }
  if (isContentRejection(err)) {
    return new ContentRejectedError(upstream, (err as APIError).message, { cause: err });
  }
  if (err instanceof APIError) return new UpstreamError(upstream, upstreamMessage(err), err.status, { cause: err });
  if (err instanceof UpstreamError || err instanceof ContentRejectedError) return err;
  return new UpstreamError(upstream, upstreamMessage(err), undefined, { cause: err });
}
