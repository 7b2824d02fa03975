import type { MiddlewareFn } from 'grammy';
import { registerUser } from '../../db/users.js';
import type { BotContext } from '../context.js';

/** Registers or refreshes the sender (new users get their free photoshoots here, once). */
export const userMiddleware: MiddlewareFn<BotContext> = async (ctx, next) => {
  const from = ctx.from;
  if (from && !from.is_bot) {
    const { user, created } = await registerUser(ctx.db, from, { freePhotoshoots: ctx.config.FREE_PHOTOSHOOTS });
    ctx.user = user;
    ctx.isNewUser = created;
    if (created) ctx.logger.info({ user_id: from.id, balance: user.balance }, 'new user registered');
    if (user.locale) await ctx.i18n.renegotiateLocale();
  }
  await next();
};
