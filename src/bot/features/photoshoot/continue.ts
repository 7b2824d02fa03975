import { Composer } from 'grammy';
import { updateDraft } from '../../../db/drafts.js';
import { continueData } from '../../callback-data/photoshoot.js';
import type { BotContext } from '../../context.js';
import { confirmStep } from '../../views/confirm.js';
import { draftFor } from './setup.js';

/**
 * "Continue your photoshoot" (under a payment's message): the draft the seller was setting up
 * comes back at its confirm step, now with the balance to Generate. It is sent as a new message
 * (the payment is the last thing in the chat) and becomes the draft's message.
 */
export function createContinueFeature() {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  feature.callbackQuery(continueData.filter, async (ctx) => {
    const draft = await draftFor(ctx, continueData.unpack(ctx.callbackQuery.data)?.draft);
    if (!draft) return;
    const styles = draft.styles ?? [];
    if (styles.length === 0) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    await ctx.answerCallbackQuery();
    const step = confirmStep(ctx, { ...draft, styles }, ctx.user?.balance ?? 0);
    const sent = await ctx.reply(step.text, { reply_markup: step.reply_markup });
    await updateDraft(ctx.db, draft.id, { messageId: sent.message_id });
  });

  return composer;
}
