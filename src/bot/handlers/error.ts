import type { BotError } from 'grammy';
import { alertAdmins } from '../admins.js';
import type { BotContext } from '../context.js';
import { creditCommand } from '../features/successful-payment.js';
import { callbackAnswered } from '../middlewares/callback-answer.js';
import { describeBotApiError, telegramError } from '../telegram-error.js';
import { isUpdateDeferred } from '../update-deferred.js';
import { mayHandleAgain, UpdateRetryError } from '../update-retry.js';
import { failureText } from '../views/failures.js';

/**
 * The one place that decides what a user sees when handling an update failed: a short
 * apology in their language, never the error itself (a payer is told the credit is delayed
 * and the admins get the charge id). The transaction has already been rolled back when this runs.
 * An update deferred at shutdown is passed on untouched: it must count as unfinished; so is
 * one whose database connection died before anything was sent (it is handled again).
 * A callback query is never answered twice, and the apology is never lost with a refused answer.
 */
export async function handleError(error: BotError<BotContext>): Promise<void> {
  const { ctx } = error;
  const err = error.error;
  const logger = ctx.logger;
  if (isUpdateDeferred(err)) throw err;
  // A lost connection before anything reached the seller: rolled back, so it is handled again.
  if (mayHandleAgain(ctx.update, err)) throw new UpdateRetryError('database connection lost', { cause: err });
  logger.error({ err }, 'update failed');
  const payment = ctx.message?.successful_payment;
  if (payment) {
    // The user has paid: never "nothing was charged". Outages are retried by the payment
    // feature itself; what ends here (the database refused the payment itself, or an earlier
    // step failed) needs an admin, who gets the command that credits it.
    const command = creditCommand(payment, ctx.from?.id ?? 0);
    logger.error(
      { charge_id: payment.telegram_payment_charge_id, payload: payment.invoice_payload, stars: payment.total_amount },
      'payment could not be recorded; credit it by hand',
    );
    await alertAdmins(ctx, 'admin-payment-unrecorded', {
      stars: payment.total_amount,
      charge: payment.telegram_payment_charge_id,
      command,
    });
  }
  // Nobody asked anything: the user blocked or unblocked the bot, so there is nobody to apologise to.
  if (ctx.myChatMember) return;
  // No free connection slot is a moment's wait, not a fault: the rollback kept the draft, so
  // the same button works again shortly, and the seller is told so.
  const known = failureText(err);
  const text = payment
    ? ctx.t('payment-delayed-team')
    : known
      ? ctx.t(known.key, known.variables)
      : ctx.t('error-generic');
  // Each way of telling is tried on its own, so one refused never swallows the others.
  const tell = async (how: () => Promise<unknown>) => {
    try {
      await how();
    } catch (replyErr) {
      logger.warn({ reason: describeBotApiError(replyErr) }, 'could not tell the user about the failure');
    }
  };
  // A callback query takes one answer: if the handler gave it before failing, a second would be
  // refused, so the apology then goes only as a message.
  const answered = ctx.callbackQuery !== undefined && callbackAnswered(ctx);
  if (ctx.callbackQuery && !answered) await tell(() => ctx.answerCallbackQuery({ text, show_alert: false }));
  // Telegram waits up to 10 s for a pre-checkout answer; a failure declines the payment at once.
  if (ctx.preCheckoutQuery) await tell(() => ctx.answerPreCheckoutQuery(false, { error_message: text }));
  // A user who cannot be reached (403: blocked the bot) is not written to again.
  const unreachable = telegramError(err)?.code === 403;
  const chat = ctx.chat;
  if (chat && !unreachable && (chat.type === 'private' || answered))
    await tell(() => ctx.api.sendMessage(chat.id, text));
}
