import { Composer } from 'grammy';
import { balanceBreakdown, recentLedgerEntries } from '../../db/ledger.js';
import type { BotContext } from '../context.js';
import { buyKeyboard } from '../keyboards/buy.js';
import { ledgerLine } from '../views/payments.js';

const composer = new Composer<BotContext>();
const feature = composer.chatType('private');

/** /balance: the balance split into paid and free photoshoots, the last ledger rows, a buy button. */
feature.command('balance', async (ctx) => {
  const user = ctx.user;
  if (!user) return;
  const { balance, paid, free } = await balanceBreakdown(ctx.db, user.id);
  const entries = await recentLedgerEntries(ctx.db, user.id, 5);
  const lines = [ctx.t('balance-summary', { count: balance, paid, free })];
  if (entries.length > 0) lines.push('', ctx.t('balance-history'), ...entries.map((e) => ledgerLine(ctx, e)));
  await ctx.reply(lines.join('\n'), { reply_markup: buyKeyboard(ctx) });
});

export const balanceFeature = composer;
