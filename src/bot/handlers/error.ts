import { type BotError, GrammyError, HttpError } from 'grammy';
import type { BotContext } from '../context.js';

/**
 * The one place that decides what a user sees when handling an update failed: a short
 * apology in their language, never the error itself. The transaction has already been rolled
 * back when this runs.
 */
export async function handleError(error: BotError<BotContext>): Promise<void> {
  const { ctx } = error;
  const err = error.error;
  const logger = ctx.logger;
  logger.error({ err }, 'update failed');
  const text = ctx.t('error-generic');
  try {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: false });
    // Telegram waits up to 10 s for a pre-checkout answer; a failure declines the payment at once.
    if (ctx.preCheckoutQuery) await ctx.answerPreCheckoutQuery(false, { error_message: text });
    if (ctx.chat?.type === 'private' && !(err instanceof GrammyError && err.error_code === 403)) {
      await ctx.api.sendMessage(ctx.chat.id, text);
    }
  } catch (replyErr) {
    const reason = replyErr instanceof GrammyError || replyErr instanceof HttpError ? replyErr.message : replyErr;
    logger.warn({ reason }, 'could not tell the user about the failure');
  }
}
