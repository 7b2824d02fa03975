import { Composer, InlineKeyboard } from 'grammy';
import type { SuccessfulPayment } from 'grammy/types';
import type { Pool } from '../../db/client.js';
import { resumableDraft } from '../../db/drafts.js';
import { isTransientDbError } from '../../db/failures.js';
import { type PaymentOutcome, recordPayment } from '../../db/orders.js';
import { describeError } from '../../errors.js';
import { pause, withTimeout } from '../../with-timeout.js';
import { alertAdmins } from '../admins.js';
import { continueData } from '../callback-data/photoshoot.js';
import type { BotContext } from '../context.js';
import { registerSender } from '../middlewares/user.js';
import { UpdateDeferredError } from '../update-deferred.js';

/** Retries of a payment the database refused outright (not an outage) before the error boundary takes it. */
const PERMANENT_FAILURE_ATTEMPTS = 3;
/** Backoff between attempts: doubling from the first delay, never longer than the cap. */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 5000;
/** An attempt the database has not answered for this long counts as a delay (the payer is told). */
const SLOW_ATTEMPT_MS = 2000;

/** Resolves after `ms`, or rejects with UpdateDeferredError as soon as `signal` aborts. */
async function pauseOrDefer(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal?.aborted) await pause(ms, signal);
  if (signal?.aborted) throw new UpdateDeferredError('shutting down');
}

type Attempt<T> = { kind: 'done'; value: T } | { kind: 'failed'; err: unknown } | { kind: 'slow' };

/**
 * Waits for `work` at most `ms`: 'slow' if it has not settled by then (postgres.js queues a
 * statement while the server cannot be reached, and runs it once it can: no error, just a
 * wait). Rejects with UpdateDeferredError when `signal` aborts; `work` is then abandoned.
 */
function within<T>(work: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<Attempt<T>> {
  const settled = work.then(
    (value): Attempt<T> => ({ kind: 'done', value }),
    (err: unknown): Attempt<T> => ({ kind: 'failed', err }),
  );
  // `settled` never rejects: an abandoned statement ending later (the pool closing) is ignored.
  return withTimeout(
    settled,
    ms,
    (): Attempt<T> => {
      if (signal?.aborted) throw new UpdateDeferredError('shutting down');
      return { kind: 'slow' };
    },
    signal,
  );
}

/** What the payer and the admins are told once a payment is recorded (and committed). */
async function announcePayment(
  ctx: BotContext,
  pool: Pool,
  outcome: PaymentOutcome,
  payment: SuccessfulPayment,
  waited: { delayed: boolean; adminsTold: boolean },
) {
  if (outcome.kind === 'duplicate') {
    ctx.logger.info({ order_id: outcome.order.id }, 'repeated successful_payment ignored (already credited)');
    return;
  }
  const { order, balance, flag } = outcome;
  const charge = payment.telegram_payment_charge_id;
  // The photoshoot the payer was setting up (stopped at "Buy photoshoots") is one tap away.
  const draft = await resumableDraft(pool, order.userId).catch((err: unknown) => {
    ctx.logger.warn({ reason: describeError(err) }, 'could not look for a draft to continue after a payment');
    return undefined;
  });
  await ctx.reply(
    ctx.t(waited.delayed ? 'payment-credited-late' : 'payment-received', { count: order.photoshoots, balance }),
    draft
      ? { reply_markup: new InlineKeyboard().text(ctx.t('button-continue'), continueData.pack({ draft: draft.id })) }
      : {},
  );
  if (waited.adminsTold) {
    await alertAdmins(ctx, 'admin-payment-recovered', { order: String(order.id), stars: order.amount, charge });
  }
  if (!flag) return;
  ctx.logger.warn({ order_id: order.id, flag, charge_id: charge }, 'payment needs attention');
  await alertAdmins(ctx, 'admin-payment-flagged', {
    order: String(order.id),
    stars: order.amount,
    photoshoots: order.photoshoots,
    reason: flag,
    charge,
  });
}

/** The admins' command that credits this payment by hand, ready to copy. */
export const creditCommand = (payment: SuccessfulPayment, telegramId: number) =>
  `/credit ${payment.telegram_payment_charge_id} ${payment.total_amount} ${telegramId} ${payment.invoice_payload}`;

/**
 * successful_payment: the payer is registered and the payment recorded on the pool, in their
 * own statements, before the update's transaction opens, so a failing reply can never undo a
 * credit. Installed before the user middleware: a payment never depends on a registration
 * that already failed. While the database is unreachable it is retried with backoff for as
 * long as it takes (the payer is told it is delayed; the admins only after
 * PAYMENT_ALERT_AFTER_S, with the /credit command), and the update stays unfinished: at
 * shutdown (`deps.shutdown` aborts) it ends with UpdateDeferredError, so it is not confirmed
 * to Telegram and comes back after the restart. recordPayment is idempotent per charge id.
 */
export function createSuccessfulPaymentFeature(deps: {
  pool: Pool;
  /** Aborted when the process shuts down: a payment still waiting is left for redelivery. */
  shutdown?: AbortSignal;
  /** First backoff delay (tests). */
  retryDelayMs?: number;
}) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');
  feature.on('message:successful_payment', async (ctx) => {
    const payment = ctx.message.successful_payment;
    const charge = payment.telegram_payment_charge_id;
    const startedAt = Date.now();
    const alertAfterMs = ctx.config.payments.paymentAlertAfterMs;
    const waited = { delayed: false, adminsTold: false };
    let permanentFailures = 0;
    // The payer hears about the delay once; the admins once the bound has passed.
    const noteDelay = async (reason: string, attempt: number) => {
      const waitedMs = Date.now() - startedAt;
      ctx.logger.warn(
        { reason, attempt, waited_ms: waitedMs, charge_id: charge },
        'payment not recorded yet; retrying',
      );
      if (!waited.delayed) {
        waited.delayed = true;
        await ctx.reply(ctx.t('payment-delayed')).catch((replyErr: unknown) => {
          ctx.logger.warn({ reason: describeError(replyErr) }, 'could not tell the payer the credit is delayed');
        });
      }
      if (!waited.adminsTold && waitedMs >= alertAfterMs) {
        waited.adminsTold = true;
        ctx.logger.error(
          { charge_id: charge, stars: payment.total_amount, waited_ms: waitedMs },
          'payment still unrecorded; admins told, retries go on',
        );
        await alertAdmins(ctx, 'admin-payment-waiting', {
          stars: payment.total_amount,
          charge,
          minutes: Math.max(1, Math.round(waitedMs / 60_000)),
          command: creditCommand(payment, ctx.from.id),
        });
      }
    };
    const record = async () => {
      await registerSender(ctx, deps.pool);
      const user = ctx.user;
      if (!user) return undefined;
      return recordPayment(
        deps.pool,
        {
          userId: user.id,
          payload: payment.invoice_payload,
          chargeId: charge,
          currency: payment.currency,
          totalAmount: payment.total_amount,
        },
        ctx.config.payments.packages,
      );
    };
    for (let attempt = 1; ; attempt++) {
      const work = record();
      let result = await within(work, SLOW_ATTEMPT_MS, deps.shutdown);
      while (result.kind === 'slow') {
        await noteDelay('the database has not answered yet', attempt);
        result = await within(work, SLOW_ATTEMPT_MS, deps.shutdown);
      }
      if (result.kind === 'failed') {
        const { err } = result;
        if (isTransientDbError(err)) await noteDelay(describeError(err), attempt);
        else {
          // The database refused the payment itself: a few tries, then the error boundary
          // tells the payer the team will add it and gives the admins the /credit command.
          permanentFailures += 1;
          if (permanentFailures >= PERMANENT_FAILURE_ATTEMPTS) throw err;
          ctx.logger.warn({ reason: describeError(err), attempt, charge_id: charge }, 'recording a payment failed');
        }
        const delay = Math.min(MAX_DELAY_MS, (deps.retryDelayMs ?? FIRST_DELAY_MS) * 2 ** Math.min(attempt - 1, 16));
        await pauseOrDefer(delay, deps.shutdown);
        continue;
      }
      const outcome = result.value;
      if (!outcome) return;
      if (outcome.kind === 'credited') {
        ctx.logger.info(
          {
            order_id: outcome.order.id,
            stars: outcome.order.amount,
            photoshoots: outcome.order.photoshoots,
            flag: outcome.flag,
            attempts: attempt,
            waited_ms: Date.now() - startedAt,
          },
          'payment credited',
        );
      }
      // Credited and committed: a failing message must not look like a failed payment.
      await announcePayment(ctx, deps.pool, outcome, payment, waited).catch((err: unknown) =>
        ctx.logger.warn({ reason: describeError(err), order_id: outcome.order.id }, 'could not confirm a payment'),
      );
      return;
    }
  });
  return composer;
}
