import { Composer } from 'grammy';
import { rememberStartPayload } from '../../db/users.js';
import { isAdmin } from '../admins.js';
import type { BotContext } from '../context.js';
import { priceFigures } from '../views/prices.js';

const composer = new Composer<BotContext>();
const feature = composer.chatType('private');

feature.command('start', async (ctx) => {
  const user = ctx.user;
  if (!user) return;
  const payload = ctx.match.trim();
  if (payload) await rememberStartPayload(ctx.db, user.id, payload);
  const name = ctx.from.first_name;
  const { price, free } = priceFigures(ctx);
  await ctx.reply(
    ctx.isNewUser
      ? ctx.t('welcome-new', { name, count: free, price })
      : ctx.t('welcome-back', { name, count: user.balance, price }),
  );
});

// Admins get the seller's help and, below it, their own commands; nobody else sees those.
feature.command('help', async (ctx) => {
  const { price, free } = priceFigures(ctx);
  const help = ctx.t('help', { count: free, price });
  await ctx.reply(isAdmin(ctx) ? `${help}\n\n${ctx.t('help-admin')}` : help);
});

/** /start (registers and welcomes, with what photoshoots cost; stores the deep-link payload) and /help. */
export const startFeature = composer;
