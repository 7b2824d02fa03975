import { Composer } from 'grammy';
import { resumableDraft } from '../../db/drafts.js';
import { recordPayment, STARS_CURRENCY } from '../../db/orders.js';
import { findUserByTelegramId } from '../../db/users.js';
import { isAdmin } from '../admins.js';
import { continueData } from '../callback-data/photoshoot.js';
import type { BotContext } from '../context.js';
import { tellAfterCommit } from '../tell-user.js';
import { userLabel } from '../views/user-label.js';

/** Largest amount /credit takes (a typo should not mint thousands of photoshoots). */
const MAX_CREDIT_STARS = 100_000;
/** Telegram's limit for an invoice payload (sendInvoice: 1-128 bytes). */
const MAX_PAYLOAD_BYTES = 128;

export interface CreditRequest {
  chargeId: string;
  stars: number;
  telegramId: number;
  /** The invoice payload, naming the order the payment was for; without it a new order is recorded. */
  payload: string | undefined;
}

/**
 * `<charge id> <stars> <user's telegram id> [invoice payload]`, the fields of a StarTransaction
 * from getStarTransactions (id, amount, source.user.id, source.invoice_payload); anything
 * else is refused.
 */
export function parseCreditRequest(text: string): CreditRequest | undefined {
  const [chargeId = '', stars = '', telegramId = '', payload, ...rest] = text.trim().split(/\s+/);
  if (rest.length > 0 || !/^[\x21-\x7e]{1,255}$/.test(chargeId)) return undefined;
  const amount = /^\d{1,6}$/.test(stars) ? Number(stars) : Number.NaN;
  const id = /^\d{1,15}$/.test(telegramId) ? Number(telegramId) : Number.NaN;
  if (!(amount >= 1 && amount <= MAX_CREDIT_STARS) || !(id >= 1)) return undefined;
  if (payload !== undefined && Buffer.byteLength(payload, 'utf8') > MAX_PAYLOAD_BYTES) return undefined;
  return { chargeId, stars: amount, telegramId: id, payload };
}

/**
 * /credit (ADMIN_IDS only; anyone else gets the unknown-command answer): records a Stars
 * payment the bot could not record, exactly as a successful_payment is recorded (the order
 * paid with that charge id, a 'purchase' in the ledger, counted in /stats revenue), and tells
 * the seller in their language. Idempotent through the unique charge id: a second /credit, or
 * the bot recording the payment itself later, credits nothing more.
 */
export function createAdminCreditFeature() {
  const composer = new Composer<BotContext>();
  const admin = composer.chatType('private').filter(isAdmin);
  admin.command('credit', async (ctx) => {
    const request = parseCreditRequest(ctx.match);
    if (!request) return ctx.reply(ctx.t('admin-credit-usage'));
    const owner = await findUserByTelegramId(ctx.db, request.telegramId);
    if (!owner) return ctx.reply(ctx.t('admin-credit-unknown-user', { user: String(request.telegramId) }));
    const outcome = await recordPayment(
      ctx.db,
      {
        userId: owner.id,
        payload: request.payload ?? '',
        chargeId: request.chargeId,
        currency: STARS_CURRENCY,
        totalAmount: request.stars,
      },
      ctx.config.payments.packages,
    );
    if (outcome.kind === 'duplicate') {
      return ctx.reply(
        ctx.t('admin-credit-duplicate', {
          charge: request.chargeId,
          order: String(outcome.order.id),
          status: outcome.order.status,
        }),
      );
    }
    const { order, balance, flag } = outcome;
    ctx.logger.info(
      { order_id: order.id, stars: order.amount, photoshoots: order.photoshoots, flag, admin_id: ctx.from.id },
      'payment credited by an admin',
    );
    // As after a payment the bot recorded itself: the photoshoot the seller was setting up is one tap away.
    const draft = await resumableDraft(ctx.db, owner.id);
    const button = draft && { key: 'button-continue', data: continueData.pack({ draft: draft.id }) };
    tellAfterCommit(
      ctx,
      owner,
      { key: 'payment-credited-late', variables: { count: order.photoshoots, balance }, ...(button && { button }) },
      'a credit',
      { order_id: order.id },
    );
    await ctx.reply(
      ctx.t('admin-credit-done', {
        charge: request.chargeId,
        order: String(order.id),
        stars: order.amount,
        count: order.photoshoots,
        user: userLabel(owner),
        balance,
        flag: flag ? ctx.t('admin-credit-flag', { reason: flag }) : '',
      }),
    );
  });
  return composer;
}
