import { Composer } from 'grammy';
import { createDraft, updateDraft } from '../../../db/drafts.js';
import { awaitInput, clearInput } from '../../../db/pending-inputs.js';
import { findPhotoshoot, hasRetry, type Photoshoot } from '../../../db/photoshoots.js';
import { imagesOf, type ProcessedImage } from '../../../db/processed-images.js';
import { queuePhotoshoot } from '../../../db/queue.js';
import { MAX_SAVED_STYLES, savedStyleName, savedStylesOf, saveStyle } from '../../../db/saved-styles.js';
import { withoutVariation } from '../../../photoshoot/variations.js';
import { wasDeclined } from '../../../services/ai-errors.js';
import { marketplacePreset } from '../../../services/marketplace-presets.js';
import { packshotStyles } from '../../../services/packshot-styles.js';
import { saferStyle } from '../../../services/prompts.js';
import { answeredWait } from '../../busy-wait.js';
import {
  againData,
  keepNameData,
  otherData,
  retryData,
  saveData,
  tryAgainData,
} from '../../callback-data/photoshoot.js';
import type { BotContext } from '../../context.js';
import { keepNameKeyboard } from '../../keyboards/photoshoot-results.js';
import { sourceKeyboard } from '../../keyboards/photoshoot-setup.js';
import { type ResultOffer, resultOffer, tryAgainOffered } from '../../result-offer.js';
import { readStyleName, STYLE_NAME_MAX } from '../../style-name.js';
import type { Enqueue } from './charge.js';

type Offered = { parent: Photoshoot } & Omit<Extract<ResultOffer, { kind: 'offered' }>, 'kind'>;

/** The sender's photoshoot behind a button; otherwise the button is answered. */
async function ownJob(ctx: BotContext, data: { job: number } | undefined): Promise<Photoshoot | undefined> {
  const job = data && (await findPhotoshoot(ctx.db, data.job));
  if (job && job.userId === ctx.user?.id) return job;
  await ctx.answerCallbackQuery({ text: job ? ctx.t('not-your-button') : ctx.t('button-expired') });
  return undefined;
}

/** The sender's finished photoshoot behind a results button; otherwise the button is answered. */
async function parentJob(
  ctx: BotContext,
  data: { job: number } | undefined,
  nothingDelivered = 'result-not-offered',
): Promise<Offered | undefined> {
  const job = await ownJob(ctx, data);
  if (!job) return undefined;
  // Only what the result keyboard offered: a forged payload is checked, not trusted.
  const offer = resultOffer(job, await imagesOf(ctx.db, job.id));
  if (offer.kind === 'offered') return { ...offer, parent: job };
  ctx.logger.info({ photoshoot_id: job.id, refused: offer.kind }, 'a result button this photoshoot never offered');
  await ctx.answerCallbackQuery({
    text: ctx.t(offer.kind === 'nothing-delivered' ? nothingDelivered : 'result-not-offered'),
    show_alert: true,
  });
  return undefined;
}

type SavableImage = Pick<ProcessedImage, 'userId' | 'style' | 'prompt' | 'previewFileId'>;

/** The style an image was made in: its scene, without the variation of a saved style's photoshoot. */
const sceneOf = (image: SavableImage) => withoutVariation(image.prompt ?? image.style);

/**
 * A style to render again. One the image service declined is not sent unchanged: it would be
 * declined again; it is rendered in the neutral studio scene (named in the seller's language),
 * or, for a main-image marketplace (which takes the product on white only), the front packshot.
 */
const styleAgain = (locale: string, job: Photoshoot) => {
  const plainOnly = marketplacePreset(job.marketplace)?.lifestyleStyles === false;
  const front = packshotStyles(locale)[0];
  const safer = plainOnly && front ? { name: front.name, prompt: front.scene } : saferStyle(locale);
  return (image: ProcessedImage) => (wasDeclined(image.error) ? safer : { name: image.style, prompt: image.prompt });
};

/** The delivered image behind a save button, if the sender owns its photoshoot; otherwise the button is answered. */
async function imageToSave(ctx: BotContext, data: { job: number; position: number } | undefined) {
  const found = await parentJob(ctx, data);
  if (!data || !found) return undefined;
  const image = found.delivered.find((i) => i.position === data.position);
  if (!image) await ctx.answerCallbackQuery({ text: ctx.t('result-not-offered'), show_alert: true });
  return image;
}

/**
 * The buttons under a finished photoshoot (drawn by keyboards/photoshoot-results.ts): the
 * same styles again, a free retry of the styles not delivered, other styles for the same
 * photo, and saving a style under a name the seller types (or the style's own).
 */
export function createResultsFeature(enqueue: Enqueue) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  /** A new job for the same photo and ratio as `parent`. */
  const repeat = (
    ctx: BotContext,
    parent: Photoshoot,
    job: { styleSource: 'same' | 'retry'; styles: { name: string; prompt: string | null }[]; free?: boolean },
  ) =>
    enqueue(
      ctx,
      (tx) =>
        queuePhotoshoot(tx, {
          userId: parent.userId,
          chatId: parent.chatId,
          sourceFileId: parent.sourceFileId,
          sourceFileUniqueId: parent.sourceFileUniqueId,
          aspectRatio: parent.aspectRatio,
          parentId: parent.id,
          ...job,
        }),
      undefined,
    );

  feature.callbackQuery(againData.filter, async (ctx) => {
    const found = await parentJob(ctx, againData.unpack(ctx.callbackQuery.data));
    if (!found) return;
    const styles = found.images.map((i) => ({ name: i.style, prompt: i.prompt }));
    await repeat(ctx, found.parent, { styleSource: 'same', styles });
  });

  feature.callbackQuery(retryData.filter, async (ctx) => {
    // Free only for a photoshoot that delivered something and has styles it did not deliver, once.
    const found = await parentJob(ctx, retryData.unpack(ctx.callbackQuery.data), 'retry-nothing-delivered');
    if (!found) return;
    const { parent, undelivered: failed } = found;
    if (failed.length === 0) return ctx.answerCallbackQuery({ text: ctx.t('retry-nothing-failed'), show_alert: true });
    if (await hasRetry(ctx.db, parent.id)) return ctx.answerCallbackQuery({ text: ctx.t('already-retried') });
    await repeat(ctx, parent, {
      styleSource: 'retry',
      free: true,
      styles: failed.map(styleAgain(await ctx.i18n.getLocale(), parent)),
    });
  });

  // Under a photoshoot that delivered nothing: the same photo, ratio and styles as a new,
  // charged photoshoot, once; while a service is busy, the wait is said and nothing is charged.
  feature.callbackQuery(tryAgainData.filter, async (ctx) => {
    const data = tryAgainData.unpack(ctx.callbackQuery.data);
    const job = await ownJob(ctx, data);
    if (!data || !job) return;
    if (await answeredWait(ctx, data.at)) return;
    const images = await imagesOf(ctx.db, job.id);
    if (!tryAgainOffered(job, images)) {
      return ctx.answerCallbackQuery({ text: ctx.t('result-not-offered'), show_alert: true });
    }
    if (await hasRetry(ctx.db, job.id, 'same')) return ctx.answerCallbackQuery({ text: ctx.t('try-again-used') });
    await repeat(ctx, job, { styleSource: 'same', styles: images.map(styleAgain(await ctx.i18n.getLocale(), job)) });
  });

  feature.callbackQuery(otherData.filter, async (ctx) => {
    const parent = (await parentJob(ctx, otherData.unpack(ctx.callbackQuery.data)))?.parent;
    if (!parent) return;
    const draft = await createDraft(ctx.db, {
      userId: parent.userId,
      chatId: parent.chatId,
      photos: [{ fileId: parent.sourceFileId, fileUniqueId: parent.sourceFileUniqueId ?? parent.sourceFileId }],
    });
    await updateDraft(ctx.db, draft.id, { aspectRatio: parent.aspectRatio, marketplace: parent.marketplace });
    await ctx.answerCallbackQuery();
    const preset = marketplacePreset(parent.marketplace);
    await ctx.reply(ctx.t('choose-source'), { reply_markup: sourceKeyboard(ctx, draft.id, preset) });
  });

  /** Saves the image's style (its scene without the variation) under `name`; the answer in words. */
  const keepStyle = async (ctx: BotContext, image: SavableImage, name: string) => {
    const saved = await saveStyle(ctx.db, image.userId, {
      name,
      scene: sceneOf(image),
      exampleFileId: image.previewFileId,
    });
    if (saved.kind === 'duplicate') return ctx.t('style-already-saved', { name: saved.name });
    return saved.kind === 'saved' ? ctx.t('style-saved', { name }) : ctx.t('styles-full');
  };

  // Saving asks for a name; the style's own name is one tap away.
  feature.callbackQuery(saveData.filter, async (ctx) => {
    const data = saveData.unpack(ctx.callbackQuery.data);
    const image = await imageToSave(ctx, data);
    if (!data || !image) return;
    // The same scene saved already (under any name): said at once, before asking for a name.
    const savedAs = await savedStyleName(ctx.db, image.userId, sceneOf(image));
    if (savedAs !== undefined) {
      return ctx.answerCallbackQuery({ text: ctx.t('style-already-saved', { name: savedAs }), show_alert: true });
    }
    if ((await savedStylesOf(ctx.db, image.userId)).length >= MAX_SAVED_STYLES) {
      return ctx.answerCallbackQuery({ text: ctx.t('styles-full'), show_alert: true });
    }
    await awaitInput(ctx.db, image.userId, { kind: 'style-name', data });
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('style-name-prompt', { name: image.style, max: STYLE_NAME_MAX }), {
      reply_markup: keepNameKeyboard(ctx, { job: data.job, position: data.position, style: image.style }),
    });
  });

  feature.callbackQuery(keepNameData.filter, async (ctx) => {
    const data = keepNameData.unpack(ctx.callbackQuery.data);
    const image = await imageToSave(ctx, data);
    if (!data || !image) return;
    await clearInput(ctx.db, image.userId);
    const answer = await keepStyle(ctx, image, image.style);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(answer);
  });

  feature.on('message:text').filter(
    (ctx) => ctx.pendingInput?.kind === 'style-name',
    async (ctx) => {
      const input = ctx.pendingInput;
      const user = ctx.user;
      if (input?.kind !== 'style-name' || !user) return;
      const read = readStyleName(ctx.message.text, STYLE_NAME_MAX);
      // An unsuitable name keeps the question open.
      if (read.kind === 'invalid-length') return ctx.reply(ctx.t('style-name-invalid', { max: STYLE_NAME_MAX }));
      if (read.kind === 'invisible') return ctx.reply(ctx.t('style-name-invisible'));
      const { name } = read;
      const image = (await imagesOf(ctx.db, input.data.job)).find(
        (i) => i.position === input.data.position && i.userId === user.id,
      );
      await clearInput(ctx.db, user.id);
      if (!image) return ctx.reply(ctx.t('button-expired'));
      await ctx.reply(await keepStyle(ctx, image, name));
    },
  );

  return composer;
}
