import { Composer } from 'grammy';
import { balanceBreakdown } from '../../../db/ledger.js';
import { clearInput, type PendingInput, pendingInput } from '../../../db/pending-inputs.js';
import { cancelActivePhotoshoots } from '../../../db/settlement.js';
import { cancelQuestionData } from '../../callback-data/questions.js';
import type { BotContext } from '../../context.js';
import type { PhotoshootFeatureDeps } from './deps.js';

/** What the seller is told a cancelled question was. */
const CANCELLED: Record<PendingInput['kind'], string> = {
  'style-name': 'cancelled-style-name',
  paysupport: 'cancelled-paysupport',
};

/**
 * /cancel ends what the seller is in the middle of, and says what it was: first a question the
 * bot waits to have answered (a saved style's name, a payment support message: the Cancel
 * button under it does the same), else every active photoshoot of the seller (a batch too) that
 * has not started delivering, its credit released; the decision is made in the database.
 */
export function createCancelFeature(deps: Pick<PhotoshootFeatureDeps, 'stopJobs'>) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  feature.command('cancel', async (ctx) => {
    const user = ctx.user;
    if (!user) return;
    // The question first: a photoshoot running meanwhile is left to run.
    const question = await pendingInput(ctx.db, user.id);
    if (question) {
      await clearInput(ctx.db, user.id);
      return ctx.reply(ctx.t(CANCELLED[question.kind]));
    }
    // Decided in the database, for every active job of the user (a batch too); see cancelActivePhotoshoots.
    const result = await cancelActivePhotoshoots(ctx.db, user.id);
    if (result.canceled.length + result.delivering.length === 0) return ctx.reply(ctx.t('cancel-nothing'));
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

  // The Cancel button under a question: the question's message says it was cancelled.
  feature.callbackQuery(cancelQuestionData.filter, async (ctx) => {
    const kind = cancelQuestionData.unpack(ctx.callbackQuery.data)?.kind;
    const user = ctx.user;
    if (!kind || !user) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    if ((await pendingInput(ctx.db, user.id))?.kind !== kind) {
      return ctx.answerCallbackQuery({ text: ctx.t('question-closed') });
    }
    await clearInput(ctx.db, user.id);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t(CANCELLED[kind]));
  });

  return composer;
}
