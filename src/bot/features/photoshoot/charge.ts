import type { Database } from '../../../db/client.js';
import { InsufficientBalanceError } from '../../../db/ledger.js';
import { type Photoshoot, queuePositions } from '../../../db/photoshoots.js';
import { ActivePhotoshootError, recordProgressMessage } from '../../../db/queue.js';
import type { BotContext } from '../../context.js';
import { buyKeyboard } from '../../keyboards/buy.js';
import { queuedText } from '../../views/queue.js';
import type { PhotoshootFeatureDeps } from './deps.js';

export type EnqueueOutcome = 'queued' | 'expired' | 'unavailable';

/** A button that would charge or call a model, pressed while photoshoots are not configured. */
export const answerUnavailable = (ctx: BotContext) =>
  ctx.answerCallbackQuery({ text: ctx.t('generation-unavailable'), show_alert: true });

/**
 * Where a photoshoot is charged: Generate, "same again" and "retry" all queue through the
 * function this returns.
 */
export function createEnqueue(deps: PhotoshootFeatureDeps) {
  /**
   * Charges and queues a job (inside the update's transaction), shows its queue position in
   * `message` (or a new one), and wakes the worker once the update has committed.
   */
  return async function enqueue(
    ctx: BotContext,
    makeJob: (tx: Database) => Promise<Photoshoot | undefined>,
    message: { chat: { id: number }; message_id: number } | undefined,
  ): Promise<EnqueueOutcome> {
    // Before any charge: nothing is queued that could only fail, and the draft stays open.
    if (!deps.generationConfigured) {
      await answerUnavailable(ctx);
      return 'unavailable';
    }
    const outage = await deps.generationOutage?.(ctx.db);
    if (outage) {
      deps.logger.info({ reason: outage }, 'Generate refused: an AI upstream is out');
      await ctx.answerCallbackQuery({ text: ctx.t('generation-outage'), show_alert: true });
      return 'unavailable';
    }
    try {
      // One user's charges never interleave: their chat's updates run one at a time here, and the
      // credit's row lock and the one-active-photoshoot index cover other processes.
      const job = await ctx.db.transaction(makeJob);
      if (!job) return 'expired';
      await ctx.answerCallbackQuery();
      const position = (await queuePositions(ctx.db, [job.id])).get(job.id) ?? 1;
      const text = await queuedText((key, variables) => ctx.t(key, variables), ctx.db, position, {
        estimate: deps.estimateMinutes,
        concurrency: deps.concurrency,
      });
      let progressId: number;
      if (message) {
        await ctx.api.editMessageText(message.chat.id, message.message_id, text);
        progressId = message.message_id;
      } else {
        progressId = (await ctx.reply(text)).message_id;
      }
      await recordProgressMessage(ctx.db, job.id, progressId);
      ctx.afterCommit(() => deps.kick());
      return 'queued';
    } catch (err) {
      if (err instanceof InsufficientBalanceError) {
        await ctx.answerCallbackQuery();
        await ctx.reply(ctx.t('no-balance'), { reply_markup: buyKeyboard(ctx) });
        return 'queued';
      }
      if (err instanceof ActivePhotoshootError) {
        await ctx.answerCallbackQuery({ text: ctx.t('already-running'), show_alert: true });
        return 'queued';
      }
      throw err;
    }
  };
}

export type Enqueue = ReturnType<typeof createEnqueue>;
