import { Composer } from 'grammy';
import { type Draft, findDraft, markWaiting, openDraft, stopWaiting, updateDraft } from '../../../db/drafts.js';
import { queuePreview } from '../../../db/previews.js';
import { savedStylesOf } from '../../../db/saved-styles.js';
import { queueDraft, runsPhotoshoot } from '../../../photoshoot/drafts.js';
import { variationsOf } from '../../../photoshoot/variations.js';
import { type MarketplacePreset, marketplacePreset } from '../../../services/marketplace-presets.js';
import { packshotStyles, stylesAllowed } from '../../../services/packshot-styles.js';
import { answeredWait } from '../../busy-wait.js';
import {
  backData,
  generateData,
  marketplaceData,
  marketplacesData,
  ratioData,
  reanalyseData,
  savedData,
  sourceData,
  toRatio,
} from '../../callback-data/photoshoot.js';
import type { BotContext } from '../../context.js';
import {
  confirmKeyboard,
  marketplaceKeyboard,
  ratioKeyboard,
  savedStylesKeyboard,
  sourceKeyboard,
} from '../../keyboards/photoshoot-setup.js';
import { presetName } from '../../views/compliance.js';
import { confirmStep } from '../../views/confirm.js';
import { showSavedExamples } from '../gallery-albums.js';
import { answerUnavailable, type Enqueue } from './charge.js';
import type { PhotoshootFeatureDeps } from './deps.js';

/** The draft behind a button, if the sender owns it and it is still open; otherwise the button is answered. */
export async function draftFor(ctx: BotContext, draftId: number | undefined): Promise<Draft | undefined> {
  const user = ctx.user;
  if (!user || draftId === undefined) {
    await ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    return undefined;
  }
  const draft = await openDraft(ctx.db, draftId, user.id);
  if (draft) return draft;
  const existing = await findDraft(ctx.db, draftId);
  await ctx.answerCallbackQuery({
    text: existing && existing.userId !== user.id ? ctx.t('not-your-button') : ctx.t('button-expired'),
  });
  return undefined;
}

/** The style-source step: for a marketplace, its rules above the question. */
function sourceStep(ctx: BotContext, draftId: number, preset: MarketplacePreset | null) {
  const reply_markup = sourceKeyboard(ctx, draftId, preset);
  if (!preset) return { text: ctx.t('choose-source'), reply_markup };
  const text = ctx.t('marketplace-chosen', {
    preset: presetName(ctx, preset.key),
    rules: ctx.t(`marketplace-rules-${preset.key}`),
  });
  return { text, reply_markup };
}

/**
 * A main-image preset refuses lifestyle styles, with the reason and the way out: `styles`
 * chosen, or, absent, a lifestyle style source the seller pressed.
 */
function refusedForPreset(ctx: BotContext, preset: MarketplacePreset | null, styles?: readonly { plain?: boolean }[]) {
  if (!preset || preset.lifestyleStyles || (styles && stylesAllowed(preset, styles))) return undefined;
  const text = ctx.t('marketplace-lifestyle-refused', { preset: presetName(ctx, preset?.key ?? '') });
  return ctx.answerCallbackQuery({ text, show_alert: true });
}

/**
 * The draft's steps: aspect ratio (or a marketplace preset, which sets it) -> style source (the analysis preview, queued for the worker;
 * random styles; or a saved style) -> confirm -> Generate, which charges and queues the job in the update's
 * transaction. Every step is a draft row, so buttons keep working after a restart and
 * Generate is accepted once.
 */
export function createSetupFeature(deps: PhotoshootFeatureDeps, enqueue: Enqueue) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  feature.callbackQuery(ratioData.filter, async (ctx) => {
    const data = ratioData.unpack(ctx.callbackQuery.data);
    const draft = await draftFor(ctx, data?.draft);
    if (!data || !draft) return;
    await updateDraft(ctx.db, draft.id, { aspectRatio: toRatio(data.ratio), marketplace: null });
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('choose-source'), { reply_markup: sourceKeyboard(ctx, draft.id) });
  });

  feature.callbackQuery(marketplacesData.filter, async (ctx) => {
    const draft = await draftFor(ctx, marketplacesData.unpack(ctx.callbackQuery.data)?.draft);
    if (!draft) return;
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('choose-marketplace'), { reply_markup: marketplaceKeyboard(ctx, draft.id) });
  });

  feature.callbackQuery(marketplaceData.filter, async (ctx) => {
    const data = marketplaceData.unpack(ctx.callbackQuery.data);
    const draft = await draftFor(ctx, data?.draft);
    const preset = marketplacePreset(data?.preset);
    if (!draft || !preset) return;
    // Styles chosen before that this preset does not take are dropped, and a draft waiting to start stops waiting.
    const dropped =
      draft.styles?.length && !stylesAllowed(preset, draft.styles) ? { styles: null, styleSource: null } : {};
    await updateDraft(ctx.db, draft.id, { marketplace: preset.key, aspectRatio: preset.photoshootRatio, ...dropped });
    if (draft.waitingSince && 'styles' in dropped) await stopWaiting(ctx.db, draft.id);
    await ctx.answerCallbackQuery();
    const step = sourceStep(ctx, draft.id, preset);
    await ctx.editMessageText(step.text, { reply_markup: step.reply_markup });
  });

  feature.callbackQuery(backData.filter, async (ctx) => {
    const data = backData.unpack(ctx.callbackQuery.data);
    const draft = await draftFor(ctx, data?.draft);
    if (!data || !draft) return;
    await ctx.answerCallbackQuery();
    if (data.to === 'ratio') {
      await ctx.editMessageText(ctx.t('choose-ratio'), { reply_markup: ratioKeyboard(ctx, draft.id) });
    } else {
      const step = sourceStep(ctx, draft.id, marketplacePreset(draft.marketplace));
      await ctx.editMessageText(step.text, { reply_markup: step.reply_markup });
    }
  });

  feature.callbackQuery([sourceData.filter, reanalyseData.filter], async (ctx) => {
    const again = reanalyseData.unpack(ctx.callbackQuery.data);
    // "Analyse again" under a busy preview: until the service is tried again, the wait is said.
    if (again && (await answeredWait(ctx, again.at))) return;
    const data = again ? { draft: again.draft, source: 'analysis' } : sourceData.unpack(ctx.callbackQuery.data);
    const draft = await draftFor(ctx, data?.draft);
    if (!data || !draft) return;
    const ratio = draft.aspectRatio ?? '1:1';
    const preset = marketplacePreset(draft.marketplace);
    // A main-image preset takes packshots only: any other source is refused, saying why.
    if (data.source !== 'packshot' && (await refusedForPreset(ctx, preset))) return;
    if (data.source === 'packshot') {
      // Offered for a marketplace only.
      if (!preset) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
      const styles = packshotStyles(await ctx.i18n.getLocale());
      await updateDraft(ctx.db, draft.id, { styleSource: 'packshot', styles });
      await ctx.answerCallbackQuery();
      const step = confirmStep(ctx, { ...draft, styleSource: 'packshot', styles }, ctx.user?.balance ?? 0);
      await ctx.editMessageText(step.text, { reply_markup: step.reply_markup });
      return;
    }
    if (data.source === 'random') {
      const styles = deps.prompts.randomCreative(await ctx.i18n.getLocale());
      await updateDraft(ctx.db, draft.id, { styleSource: 'random', styles });
      await ctx.answerCallbackQuery();
      const step = confirmStep(ctx, { ...draft, styleSource: 'random', styles }, ctx.user?.balance ?? 0);
      await ctx.editMessageText(step.text, { reply_markup: step.reply_markup });
      return;
    }
    if (data.source === 'saved') {
      const saved = await savedStylesOf(ctx.db, draft.userId);
      if (saved.length === 0) return ctx.answerCallbackQuery({ text: ctx.t('no-saved-styles'), show_alert: true });
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(ctx.t('choose-saved'), { reply_markup: savedStylesKeyboard(ctx, draft.id, saved) });
      await showSavedExamples(ctx, saved);
      return;
    }
    if (!deps.generationConfigured) return answerUnavailable(ctx);
    const message = ctx.callbackQuery.message;
    const photo = draft.photos[0];
    if (!message || !photo) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    // Queued work, in this update's transaction: the worker analyses the photo and edits this
    // message into the confirm step (or back here, with the reason).
    const queued = await queuePreview(ctx.db, {
      draftId: draft.id,
      userId: draft.userId,
      chatId: message.chat.id,
      messageId: message.message_id,
      locale: await ctx.i18n.getLocale(),
      fileId: photo.fileId,
      fileUniqueId: photo.fileUniqueId,
      aspectRatio: ratio,
    });
    await ctx.answerCallbackQuery();
    if (!queued) return;
    await ctx.editMessageText(ctx.t('analysing-preview'));
    ctx.afterCommit(() => deps.kickPreviews?.());
  });

  feature.callbackQuery(savedData.filter, async (ctx) => {
    const data = savedData.unpack(ctx.callbackQuery.data);
    const draft = await draftFor(ctx, data?.draft);
    if (!data || !draft) return;
    if (await refusedForPreset(ctx, marketplacePreset(draft.marketplace))) return;
    const style = (await savedStylesOf(ctx.db, draft.userId)).find((s) => s.slot === data.slot);
    if (!style) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    // Four shots of the one style (angle, light, composition, distance), never one prompt four times.
    const styles = variationsOf(style);
    await updateDraft(ctx.db, draft.id, { styleSource: 'saved', styles });
    await ctx.answerCallbackQuery();
    const step = confirmStep(ctx, { ...draft, styleSource: 'saved', styles }, ctx.user?.balance ?? 0);
    await ctx.editMessageText(step.text, { reply_markup: step.reply_markup });
  });

  feature.callbackQuery(generateData.filter, async (ctx) => {
    const data = generateData.unpack(ctx.callbackQuery.data);
    const user = ctx.user;
    if (!data || !user) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    // Styles a main-image preset does not take (set up before the preset was chosen) are refused; the draft stays.
    // Dropped ones (none left) too: such a draft waits for packshots.
    const open = await openDraft(ctx.db, data.draft, user.id);
    if (open && (await refusedForPreset(ctx, marketplacePreset(open.marketplace), open.styles ?? []))) return;
    // Another photoshoot of theirs still runs: this one waits for it (the worker starts it), nothing charged yet.
    if (await runsPhotoshoot(ctx.db, user.id)) {
      const draft = await draftFor(ctx, data.draft);
      if (!draft) return;
      if (!draft.styles?.length || !draft.aspectRatio)
        return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
      const first = await markWaiting(ctx.db, draft.id, user.id);
      await ctx.answerCallbackQuery({ text: ctx.t('intake-waiting') });
      // Generate stays: after a purchase (no balance when the current one ended) it starts this one.
      if (first) await ctx.editMessageText(ctx.t('intake-waiting'), { reply_markup: confirmKeyboard(ctx, draft.id) });
      return;
    }
    // Submission and charge share one savepoint: a refused charge leaves the draft open.
    const outcome = await enqueue(
      ctx,
      async (tx) => (await queueDraft(tx, data.draft, user.id))?.job,
      ctx.callbackQuery.message,
    );
    if (outcome === 'expired') {
      const draft = await findDraft(ctx.db, data.draft);
      await ctx.answerCallbackQuery({
        text: draft && draft.userId !== user.id ? ctx.t('not-your-button') : ctx.t('button-expired'),
      });
    }
  });

  return composer;
}
