import { Composer } from 'grammy';
import { rememberStartPayload } from '../../db/users.js';
import type { BotContext } from '../context.js';

const composer = new Composer<BotContext>();
const feature = composer.chatType('private');

feature.command('start', async (ctx) => {
  const user = ctx.user;
  if (!user) return;
  const payload = ctx.match.trim();
  if (payload) await rememberStartPayload(ctx.db, user.id, payload);
  const name = ctx.from.first_name;
  await ctx.reply(
    ctx.isNewUser
      ? ctx.t('welcome-new', { name, count: user.balance })
      : ctx.t('welcome-back', { name, balance: user.balance }),
  );
});

feature.command('help', (ctx) => ctx.reply(ctx.t('help')));

/** /start (registers and welcomes; stores the deep-link payload) and /help. */
export const startFeature = composer;
