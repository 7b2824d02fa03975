import { HttpError, type Transformer } from 'grammy';
import type { Logger } from '../logger.js';
import { pause } from '../with-timeout.js';
import { BotApiTimeoutError, describeBotApiError, isUnanswered } from './telegram-error.js';

/**
 * Gives every Bot API call a deadline: `timeoutMs` until Telegram answers, on top of
 * getUpdates' own long-polling timeout. grammY's default is 500 s, so a server that accepts
 * and never answers would hold a call (or the start) for minutes without a word.
 */
export function createRequestTimeout(timeoutMs: number): Transformer {
  return async (prev, method, payload, signal) => {
    // getUpdates' `timeout` is in seconds, as Telegram takes it.
    const pollS = method === 'getUpdates' ? Number((payload as { timeout?: number } | undefined)?.timeout ?? 0) : 0;
    const limitMs = timeoutMs + pollS * 1000;
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal?.addEventListener('abort', abort);
    if (signal?.aborted) controller.abort();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limitMs);
    try {
      // grammY types its signal as the abort-controller package's; Node's is the same at run time.
      return await prev(method, payload, controller.signal as unknown as typeof signal);
    } catch (err) {
      if (timedOut)
        throw new HttpError(`No answer to '${method}'`, new BotApiTimeoutError(`no answer within ${limitMs / 1000} s`));
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  };
}

/**
 * Retries a call that failed on the network (no answer, refused, DNS) at most `attempts`
 * times, 1 s, 2 s, 4 s... apart (at most `maxDelayS`), with a warning per retry naming the API
 * root and the reason. auto-retry would retry these without limit, an hour apart at the end.
 * getUpdates is left to the poller, which keeps polling and reports the outage on /healthz.
 */
export function createNetworkRetry(deps: {
  attempts: number;
  maxDelayS: number;
  apiRoot: string;
  logger: Logger;
}): Transformer {
  return async (prev, method, payload, signal) => {
    let previous: unknown;
    for (let attempt = 1; ; attempt++) {
      try {
        return await prev(method, payload, signal);
      } catch (err) {
        // Aborted while retrying: the failure that made it retry is the reason worth telling.
        if (signal?.aborted) throw previous ?? err;
        if (!isUnanswered(err) || method === 'getUpdates' || attempt > deps.attempts) throw err;
        previous = err;
        const delayS = Math.min(deps.maxDelayS, 2 ** (attempt - 1));
        deps.logger.warn(
          {
            api: deps.apiRoot,
            method,
            reason: describeBotApiError(err),
            retry: attempt,
            of: deps.attempts,
            in_s: delayS,
          },
          'Cannot reach the Telegram Bot API; retrying',
        );
        await pause(delayS * 1000, signal);
      }
    }
  };
}

/** The edits Telegram refuses with "message is not modified" when nothing would change. */
const EDIT_METHODS = new Set(['editMessageText', 'editMessageCaption', 'editMessageReplyMarkup', 'editMessageMedia']);

/**
 * An edit to the content and markup a message already has is what the caller wanted: Telegram
 * answers it with 400 "Bad Request: message is not modified: ..."; this turns that answer into
 * a success (`true`, as an edit of an inline message returns), in one place for every edit
 * (progress refreshes, a button pressed twice, a list shown again).
 */
export const treatUnchangedEditAsDone: Transformer = async (prev, method, payload, signal) => {
  const result = await prev(method, payload, signal);
  if (
    !result.ok &&
    result.error_code === 400 &&
    EDIT_METHODS.has(method) &&
    result.description.startsWith('Bad Request: message is not modified')
  ) {
    // biome-ignore lint/suspicious/noExplicitAny: an edit's result is a Message or true.
    return { ok: true, result: true as any };
  }
  return result;
};
