import { Composer } from 'grammy';
import { balanceBreakdown } from '../../../db/ledger.js';
import { cancelActivePhotoshoots } from '../../../db/settlement.js';
import type { BotContext } from '../../context.js';
import type { PhotoshootFeatureDeps } from './deps.js';

/**
 * /cancel: every active photoshoot of the seller (a batch too) that has not started delivering
 * is cancelled and its credit released; the decision is made in the database.
 */
export function createCancelFeature(deps: Pick<PhotoshootFeatureDeps, 'stopJobs'>) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  feature.command('cancel', async (ctx) => {
    const user = ctx.user;
    if (!user) return;
    // Decided in the database, for every active job of the user (a batch too); see cancelActivePhotoshoots.
    const result = await cancelActivePhotoshoots(ctx.db, user.id);
    if (result.canceled.length + result.delivering.length === 0) return ctx.reply(ctx.t('cancel-none'));
    const { balance } = await balanceBreakdown(ctx.db, user.id);
    const lines: string[] = [];
    if (result.canceled.length > 0) {
      lines.push(ctx.t('cancel-done', { count: result.canceled.length, released: result.released, balance }));
    }
    if (result.delivering.length > 0)
      lines.push(ctx.t('cancel-too-late', { count: result.delivering.length, balance }));
    // Told, and the jobs running here stopped, only once the decision is committed.
    ctx.afterCommit(async () => {
      deps.stopJobs?.(result.canceled);
      await ctx.reply(lines.join('\n'));
      // A running job's worker shows its own end; a waiting one's "in the queue" is ended here.
      const ended = ctx.t('progress-canceled', { charged: 'no' });
      for (const { chatId, messageId } of result.unattended) {
        await ctx.api.editMessageText(chatId, messageId, ended).catch((err: unknown) => {
          ctx.logger.warn({ err }, 'could not end the progress message of a cancelled photoshoot');
        });
      }
    });
  });

  return composer;
}
