import { GrammyError, HttpError } from 'grammy';
import { describeError } from '../errors.js';

/*
 * The one place that reads a failed Bot API call: grammY throws GrammyError when Telegram
 * answered with an error (its code, description and parameters) and HttpError when no answer
 * came (network, timeout, abort). Everything else in src/bot/ asks these helpers.
 */

/** A Bot API call that got no answer within its bound. */
export class BotApiTimeoutError extends Error {
  override name = 'BotApiTimeoutError';
}

/** Telegram's answer to any call that reaches a user who has blocked the bot. */
const BLOCKED_BY_USER = 'Forbidden: bot was blocked by the user';

/** What Telegram answered to a refused call. */
export interface TelegramError {
  /** The Bot API's error_code: 400, 401, 403, 409, 429, ... */
  readonly code: number;
  /** Telegram's description, e.g. "Bad Request: file is too big". */
  readonly description: string;
  /** Flood control: the seconds Telegram asks to wait before the call may be sent again. */
  readonly retryAfterS: number | undefined;
  /**
   * The user blocked the bot (403 "Forbidden: bot was blocked by the user"). Other 403s (a
   * deactivated user, a chat the bot never joined) are not this: only this one is undone by
   * the user unblocking.
   */
  readonly blocked: boolean;
}

/** Telegram's answer if `err` is one (a GrammyError); undefined for no answer or any other error. */
export function telegramError(err: unknown): TelegramError | undefined {
  if (!(err instanceof GrammyError)) return undefined;
  return {
    code: err.error_code,
    description: err.description,
    retryAfterS: err.parameters.retry_after,
    blocked: err.error_code === 403 && err.description === BLOCKED_BY_USER,
  };
}

/**
 * Why a Bot API call failed, in one line without the request URL (it holds the token):
 * Telegram's error code and description, the network error's code, or the timeout.
 */
export function describeBotApiError(err: unknown): string {
  const refused = telegramError(err);
  if (refused) return `${refused.code} ${refused.description}`;
  if (err instanceof HttpError) {
    const inner = err.error;
    if (inner instanceof BotApiTimeoutError) return inner.message;
    const code = (inner as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') {
      // node-fetch: "request to <url> failed, reason: connect ECONNREFUSED 127.0.0.1:1"
      const reason = /reason: (.*)$/.exec(String((inner as Error).message))?.[1];
      return reason?.includes(code) ? reason : code;
    }
    return inner instanceof Error && !/https?:\/\//.test(inner.message) ? inner.message : err.message;
  }
  return describeError(err);
}

/** True for a call that got no answer at all (network, timeout, abort), as opposed to one Telegram refused. */
export const isUnanswered = (err: unknown): err is HttpError => err instanceof HttpError;

/** True for a call ended by its caller's signal (not a failure of the Bot API). */
export function isAbortedCall(err: unknown): boolean {
  return err instanceof HttpError && (err.error as Error | undefined)?.name === 'AbortError';
}
