import type { MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.js';

/** Updates whose callback query has had its one answer (the context is the update's own). */
const answered = new WeakSet<object>();

/**
 * Telegram takes one answer per callback query; a second is refused with 400 "query is too old
 * and response timeout expired or query ID is invalid". This records, on the update's own API
 * instance, that the query was answered, whoever answered it, so the error boundary knows
 * whether it may still answer or must send its apology as a message. An answer refused as
 * "query is too old" counts as well (answering again cannot succeed); one refused for its text,
 * or lost on the network, does not.
 */
export const trackCallbackAnswer: MiddlewareFn<BotContext> = (ctx, next) => {
  const queryId = ctx.callbackQuery?.id;
  if (queryId !== undefined) {
    ctx.api.config.use(async (prev, method, payload, signal) => {
      const result = await prev(method, payload, signal);
      const ours =
        method === 'answerCallbackQuery' && (payload as { callback_query_id?: string }).callback_query_id === queryId;
      if (ours && (result.ok || result.description.includes('query is too old'))) answered.add(ctx);
      return result;
    });
  }
  return next();
};

/** True once this update's callback query has been answered (see trackCallbackAnswer). */
export const callbackAnswered = (ctx: BotContext): boolean => answered.has(ctx);
