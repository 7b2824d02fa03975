import type { MiddlewareFn } from 'grammy';
import type { Database } from '../../db/client.js';
import { registerUser } from '../../db/users.js';
import type { BotContext } from '../context.js';

/**
 * Registers or refreshes the sender of `ctx` (new users get their free photoshoots here, once)
 * and sets ctx.user, ctx.isNewUser and the user's chosen language. One self-committing
 * statement on the pool. The successful_payment feature calls it inside its own retries.
 */
export async function registerSender(ctx: BotContext, pool: Database): Promise<void> {
  const from = ctx.from;
  if (!from || from.is_bot) return;
  const { user, created } = await registerUser(pool, from, { freePhotoshoots: ctx.config.payments.freePhotoshoots });
  ctx.user = user;
  ctx.isNewUser = created;
  if (created) ctx.logger.info({ balance: user.balance }, 'new user registered');
  if (user.locale) await ctx.i18n.renegotiateLocale();
}

/**
 * Registers or refreshes the sender before the update's transaction opens (see
 * registerSender): the user's row is not kept locked while the update is handled, so one
 * update of a user (a payment's pre-checkout) never waits for another (a slow reply in their chat).
 */
export function createUserMiddleware(pool: Database): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    await registerSender(ctx, pool);
    await next();
  };
}
