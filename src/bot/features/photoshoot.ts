import { eq } from 'drizzle-orm';
import { Composer, InlineKeyboard } from 'grammy';
import type { PhotoSize } from 'grammy/types';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import {
  addToAlbum,
  createDraft,
  type Draft,
  findDraft,
  openDraft,
  submitDraft,
  updateDraft,
} from '../../db/drafts.js';
import { balanceBreakdown, InsufficientBalanceError } from '../../db/ledger.js';
import { awaitInput, clearInput } from '../../db/pending-inputs.js';
import { activePhotoshoots, findPhotoshoot, hasRetry, type Photoshoot, queuePositions } from '../../db/photoshoots.js';
import { imagesOf } from '../../db/processed-images.js';
import { ActivePhotoshootError, queuePhotoshoot } from '../../db/queue.js';
import { MAX_SAVED_STYLES, savedStylesOf, saveStyle } from '../../db/saved-styles.js';
import { photoshoots } from '../../db/schema.js';
import { cancelActivePhotoshoots } from '../../db/settlement.js';
import type { Logger } from '../../logger.js';
import { AiUnavailableError, wasDeclined } from '../../services/ai-errors.js';
import { ASPECT_RATIOS, type AspectRatio } from '../../services/aspect-ratio.js';
import { photoProblemKey, queueEstimateMinutes, type ResultMarkup, type Translator } from '../../services/jobs.js';
import type { LockManager } from '../../services/lock-manager.js';
import type { PhotoSource } from '../../services/photo-source.js';
import { type PromptService, type StyleChoice, saferStyle } from '../../services/prompts.js';
import type { VisionService } from '../../services/vision.js';
import { createCallbackData, rowId } from '../callback-data.js';
import type { BotContext } from '../context.js';
import { type ResultOffer, resultOffer } from '../result-offer.js';
import { readStyleName } from '../style-name.js';
import { buyKeyboard } from './payments.js';

export interface PhotoshootFeatureDeps {
  /** The pool, for work after an update has committed (its transaction is gone by then). */
  db: Database;
  photos: PhotoSource;
  vision: VisionService;
  prompts: PromptService;
  /** Wakes the worker after a job is queued. */
  kick(): void;
  /**
   * Stops at once the jobs /cancel has just cancelled that run in this process. Without it (no
   * worker here) every worker learns the cancel from the database at its next step.
   */
  stopJobs?(ids: readonly number[]): void;
  logger: Logger;
  /** Photoshoots processed at once, for the queue estimate. */
  concurrency: number;
  /** Per-user critical sections in this process (the database constraints guard across processes). */
  locks: LockManager;
  /**
   * False without OPENAI_API_KEY: the seller is told at the photo, and a button that would
   * charge or call a model answers that instead, charging nothing and keeping the draft.
   */
  generationConfigured: boolean;
  /**
   * Why photoshoots cannot run now (an AI upstream out for an account problem, or its breaker
   * open), read before any charge; undefined when they can.
   */
  generationOutage?(db: Database): Promise<string | undefined>;
  /** Minutes shown with a queue position, from the image budget's pace and measured times. */
  estimateMinutes?(db: Database, position: number): Promise<number>;
}

const ACCEPTED_DOCUMENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

const id = rowId;
const ratioCode = z.enum(ASPECT_RATIOS.map((r) => r.replace(':', 'x')) as [string, ...string[]]);
export const ratioData = createCallbackData('ps-ratio', { draft: id, ratio: ratioCode });
export const sourceData = createCallbackData('ps-src', { draft: id, source: z.enum(['analysis', 'random', 'saved']) });
export const savedData = createCallbackData('ps-saved', { draft: id, slot: z.coerce.number().int().min(1).max(4) });
export const backData = createCallbackData('ps-back', { draft: id, to: z.enum(['ratio', 'source']) });
export const generateData = createCallbackData('ps-go', { draft: id });

export const againData = createCallbackData('ps-again', { job: id });
export const otherData = createCallbackData('ps-other', { job: id });
export const retryData = createCallbackData('ps-retry', { job: id });
const position = z.coerce.number().int().min(0).max(9);
export const saveData = createCallbackData('ps-save', { job: id, position });
export const keepNameData = createCallbackData('ps-keep', { job: id, position });

/** Longest name of a saved style, in characters. */
export const STYLE_NAME_MAX = 40;

const toRatio = (code: string) => code.replace('x', ':') as AspectRatio;

/** The buttons under a finished photoshoot: retry failed styles, the same again, other styles, save a style. */
export function createResultMarkup(i18n: Translator): ResultMarkup {
  return ({ jobId, locale, failed, delivered }) => {
    const keyboard = new InlineKeyboard();
    if (failed > 0) keyboard.text(i18n.t(locale, 'button-retry'), retryData.pack({ job: jobId })).row();
    keyboard.text(i18n.t(locale, 'button-again'), againData.pack({ job: jobId })).row();
    keyboard.text(i18n.t(locale, 'button-other'), otherData.pack({ job: jobId })).row();
    const names = new Set<string>();
    for (const style of delivered) {
      if (names.has(style.name)) continue;
      names.add(style.name);
      keyboard
        .text(
          i18n.t(locale, 'button-save', { name: style.name }),
          saveData.pack({ job: jobId, position: style.position }),
        )
        .row();
    }
    return keyboard;
  };
}

/**
 * The photoshoot set-up: a photo (or image file) -> aspect ratio -> style source -> confirm ->
 * Generate, which charges and queues the job in the update's transaction. Every step is a draft
 * row, so buttons keep working after a restart and Generate is accepted once.
 */
export function createPhotoshootFeature(deps: PhotoshootFeatureDeps) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  const ratioKeyboard = (draftId: number) =>
    InlineKeyboard.from([
      ASPECT_RATIOS.map((r) => InlineKeyboard.text(r, ratioData.pack({ draft: draftId, ratio: r.replace(':', 'x') }))),
    ]);

  const sourceKeyboard = (ctx: BotContext, draftId: number) =>
    new InlineKeyboard()
      .text(ctx.t('source-analysis'), sourceData.pack({ draft: draftId, source: 'analysis' }))
      .row()
      .text(ctx.t('source-random'), sourceData.pack({ draft: draftId, source: 'random' }))
      .row()
      .text(ctx.t('source-saved'), sourceData.pack({ draft: draftId, source: 'saved' }))
      .row()
      .text(ctx.t('button-back'), backData.pack({ draft: draftId, to: 'ratio' }));

  const confirmKeyboard = (ctx: BotContext, draftId: number) =>
    new InlineKeyboard()
      .text(ctx.t('button-generate'), generateData.pack({ draft: draftId }))
      .row()
      .text(ctx.t('button-back'), backData.pack({ draft: draftId, to: 'source' }));

  const confirmText = (ctx: BotContext, styles: StyleChoice[], ratio: string, photos = 1) =>
    photos > 1
      ? ctx.t('confirm-batch', {
          styles: styles.map((s) => s.name).join(', '),
          ratio,
          photos,
          balance: ctx.user?.balance ?? 0,
        })
      : ctx.t('confirm', { styles: styles.map((s) => s.name).join(', '), ratio, balance: ctx.user?.balance ?? 0 });

  async function startDraft(ctx: BotContext, photos: { fileId: string; fileUniqueId: string }[]) {
    const user = ctx.user;
    if (!user || !ctx.chat) return;
    if (!deps.generationConfigured) return ctx.reply(ctx.t('generation-unavailable-photo'));
    if ((await activePhotoshoots(ctx.db, user.id)).some((p) => p.batchId === null)) {
      await ctx.reply(ctx.t('already-running'));
      return;
    }
    const draft = await createDraft(ctx.db, { userId: user.id, chatId: ctx.chat.id, photos });
    await ctx.reply(ctx.t('choose-ratio'), { reply_markup: ratioKeyboard(draft.id) });
  }

  /** A photo of an album joins the album's draft (batch); the first one shows the keyboard. */
  async function intake(ctx: BotContext, photo: { fileId: string; fileUniqueId: string }) {
    const mediaGroupId = ctx.message?.media_group_id;
    const user = ctx.user;
    if (!mediaGroupId || !user || !ctx.chat || !deps.generationConfigured) return startDraft(ctx, [photo]);
    const joined = await addToAlbum(ctx.db, { userId: user.id, chatId: ctx.chat.id, mediaGroupId, photo });
    if (!joined?.created) return;
    if ((await activePhotoshoots(ctx.db, user.id)).some((p) => p.batchId === null)) {
      await ctx.reply(ctx.t('already-running'));
      return;
    }
    await ctx.reply(`${ctx.t('batch-offer')}\n\n${ctx.t('choose-ratio')}`, {
      reply_markup: ratioKeyboard(joined.draft.id),
    });
  }

  feature.on('message:photo', async (ctx) => {
    const largest = ctx.message.photo.reduce<PhotoSize | undefined>(
      (best, size) => (!best || size.width * size.height > best.width * best.height ? size : best),
      undefined,
    );
    if (!largest) return;
    if ((largest.file_size ?? 0) > deps.photos.maxBytes) return ctx.reply(ctx.t('photo-too-big'));
    await intake(ctx, { fileId: largest.file_id, fileUniqueId: largest.file_unique_id });
  });

  feature.on('message:document', async (ctx) => {
    const doc = ctx.message.document;
    const type = doc.mime_type ?? '';
    if (!type.startsWith('image/')) return ctx.reply(ctx.t('photo-not-an-image'));
    if (!ACCEPTED_DOCUMENT_TYPES.includes(type)) return ctx.reply(ctx.t('photo-unsupported-format'));
    if ((doc.file_size ?? 0) > deps.photos.maxBytes) return ctx.reply(ctx.t('photo-too-big'));
    // The bytes are checked by the job (or the preview) before any model sees them.
    await intake(ctx, { fileId: doc.file_id, fileUniqueId: doc.file_unique_id });
  });

  /** The draft behind a button, if the sender owns it and it is still open; otherwise the button is answered. */
  async function draftFor(ctx: BotContext, draftId: number | undefined): Promise<Draft | undefined> {
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

  feature.callbackQuery(ratioData.filter, async (ctx) => {
    const data = ratioData.unpack(ctx.callbackQuery.data);
    const draft = await draftFor(ctx, data?.draft);
    if (!data || !draft) return;
    await updateDraft(ctx.db, draft.id, { aspectRatio: toRatio(data.ratio) });
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('choose-source'), { reply_markup: sourceKeyboard(ctx, draft.id) });
  });

  feature.callbackQuery(backData.filter, async (ctx) => {
    const data = backData.unpack(ctx.callbackQuery.data);
    const draft = await draftFor(ctx, data?.draft);
    if (!data || !draft) return;
    await ctx.answerCallbackQuery();
    if (data.to === 'ratio') {
      await ctx.editMessageText(ctx.t('choose-ratio'), { reply_markup: ratioKeyboard(draft.id) });
    } else {
      await ctx.editMessageText(ctx.t('choose-source'), { reply_markup: sourceKeyboard(ctx, draft.id) });
    }
  });

  feature.callbackQuery(sourceData.filter, async (ctx) => {
    const data = sourceData.unpack(ctx.callbackQuery.data);
    const draft = await draftFor(ctx, data?.draft);
    if (!data || !draft) return;
    const ratio = draft.aspectRatio ?? '1:1';
    if (data.source === 'random') {
      const styles = deps.prompts.randomCreative();
      await updateDraft(ctx.db, draft.id, { styleSource: 'random', styles });
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(confirmText(ctx, styles, ratio, draft.photos.length), {
        reply_markup: confirmKeyboard(ctx, draft.id),
      });
      return;
    }
    if (data.source === 'saved') {
      const saved = await savedStylesOf(ctx.db, draft.userId);
      if (saved.length === 0) return ctx.answerCallbackQuery({ text: ctx.t('no-saved-styles'), show_alert: true });
      const keyboard = new InlineKeyboard();
      for (const style of saved) keyboard.text(style.name, savedData.pack({ draft: draft.id, slot: style.slot })).row();
      keyboard.text(ctx.t('button-back'), backData.pack({ draft: draft.id, to: 'source' }));
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(ctx.t('choose-saved'), { reply_markup: keyboard });
      return;
    }
    if (!deps.generationConfigured) return answerUnavailable(ctx);
    // Analysis: the models run after this update has committed, never inside its transaction.
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('analysing-preview'));
    const message = ctx.callbackQuery.message;
    const photo = draft.photos[0];
    if (!message || !photo) return;
    const locale = await ctx.i18n.getLocale();
    const t = (key: string, vars?: Record<string, string | number>) => ctx.i18n.fluent.translate(locale, key, vars);
    const balance = ctx.user?.balance ?? 0;
    ctx.afterCommit(() => {
      void previewAnalysis(photo, ratio as AspectRatio)
        .then(async (styles) => {
          await updateDraft(deps.db, draft.id, { styleSource: 'analysis', styles });
          await ctx.api.editMessageText(
            message.chat.id,
            message.message_id,
            t('confirm', { styles: styles.map((s) => s.name).join(', '), ratio, balance }),
            { reply_markup: confirmKeyboard(ctx, draft.id) },
          );
        })
        .catch(async (err: unknown) => {
          const problem = photoProblemKey(err);
          const text =
            err instanceof AiUnavailableError
              ? t('progress-busy', { seconds: err.retryInSeconds })
              : t(problem ?? 'preview-failed');
          deps.logger.warn({ err, draft_id: draft.id }, 'style preview failed');
          await ctx.api
            .editMessageText(message.chat.id, message.message_id, text, { reply_markup: sourceKeyboard(ctx, draft.id) })
            .catch(() => undefined);
        });
    });
  });

  async function previewAnalysis(photo: { fileId: string; fileUniqueId: string }, ratio: AspectRatio) {
    const normalised = await deps.photos.load(photo.fileId);
    const analysis = await deps.vision.analyse(normalised, photo.fileUniqueId);
    return deps.prompts.fromAnalysis(analysis, ratio);
  }

  feature.callbackQuery(savedData.filter, async (ctx) => {
    const data = savedData.unpack(ctx.callbackQuery.data);
    const draft = await draftFor(ctx, data?.draft);
    if (!data || !draft) return;
    const style = (await savedStylesOf(ctx.db, draft.userId)).find((s) => s.slot === data.slot);
    if (!style) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    const styles = Array.from({ length: 4 }, () => ({ name: style.name, scene: style.scene }));
    await updateDraft(ctx.db, draft.id, { styleSource: 'saved', styles });
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(confirmText(ctx, styles.slice(0, 1), draft.aspectRatio ?? '1:1', draft.photos.length), {
      reply_markup: confirmKeyboard(ctx, draft.id),
    });
  });

  /**
   * Charges and queues a job (inside the update's transaction), shows its queue position in
   * `message` (or a new one), and wakes the worker once the update has committed.
   */
  async function enqueue(
    ctx: BotContext,
    makeJob: (tx: Database) => Promise<Photoshoot | undefined>,
    message: { chat: { id: number }; message_id: number } | undefined,
  ): Promise<'queued' | 'expired' | 'unavailable'> {
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
      // One user's charges never interleave here; the unique index covers other processes.
      const job = await deps.locks.withLock(`user:${ctx.user?.id ?? ctx.from?.id}`, () => ctx.db.transaction(makeJob));
      if (!job) return 'expired';
      await ctx.answerCallbackQuery();
      const position = (await queuePositions(ctx.db, [job.id])).get(job.id) ?? 1;
      const minutes = deps.estimateMinutes
        ? await deps.estimateMinutes(ctx.db, position)
        : queueEstimateMinutes(position, deps.concurrency);
      const text = ctx.t('progress-queued', { position, minutes });
      let progressId: number;
      if (message) {
        await ctx.api.editMessageText(message.chat.id, message.message_id, text);
        progressId = message.message_id;
      } else {
        progressId = (await ctx.reply(text)).message_id;
      }
      await ctx.db.update(photoshoots).set({ progressMessageId: progressId }).where(eq(photoshoots.id, job.id));
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
  }

  const answerUnavailable = (ctx: BotContext) =>
    ctx.answerCallbackQuery({ text: ctx.t('generation-unavailable'), show_alert: true });

  /** The sender's finished photoshoot behind a results button; otherwise the button is answered. */
  async function parentJob(
    ctx: BotContext,
    data: { job: number } | undefined,
    nothingDelivered = 'result-not-offered',
  ): Promise<({ parent: Photoshoot } & Omit<Extract<ResultOffer, { kind: 'offered' }>, 'kind'>) | undefined> {
    const job = data && (await findPhotoshoot(ctx.db, data.job));
    if (!job || job.userId !== ctx.user?.id) {
      await ctx.answerCallbackQuery({ text: job ? ctx.t('not-your-button') : ctx.t('button-expired') });
      return undefined;
    }
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
    // A style the image service declined is not sent unchanged again: it would be declined
    // again (and a retry is given once); it is retried in the neutral studio scene instead.
    await repeat(ctx, parent, {
      styleSource: 'retry',
      free: true,
      styles: failed.map((i) => (wasDeclined(i.error) ? saferStyle() : { name: i.style, prompt: i.prompt })),
    });
  });

  feature.callbackQuery(otherData.filter, async (ctx) => {
    const parent = (await parentJob(ctx, otherData.unpack(ctx.callbackQuery.data)))?.parent;
    if (!parent) return;
    const draft = await createDraft(ctx.db, {
      userId: parent.userId,
      chatId: parent.chatId,
      photos: [{ fileId: parent.sourceFileId, fileUniqueId: parent.sourceFileUniqueId ?? parent.sourceFileId }],
    });
    await updateDraft(ctx.db, draft.id, { aspectRatio: parent.aspectRatio });
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('choose-source'), { reply_markup: sourceKeyboard(ctx, draft.id) });
  });

  /** The delivered image behind a save button, if the sender owns its photoshoot; otherwise the button is answered. */
  async function imageToSave(ctx: BotContext, data: { job: number; position: number } | undefined) {
    const found = await parentJob(ctx, data);
    if (!data || !found) return undefined;
    const image = found.delivered.find((i) => i.position === data.position);
    if (!image) await ctx.answerCallbackQuery({ text: ctx.t('result-not-offered'), show_alert: true });
    return image;
  }

  /** Saves a style under `name` (one user's saves never interleave); false when 4 are saved. */
  const keepStyle = (ctx: BotContext, image: { userId: number; style: string; prompt: string | null }, name: string) =>
    deps.locks.withLock(`user:${image.userId}`, () =>
      saveStyle(ctx.db, image.userId, { name, scene: image.prompt ?? image.style }),
    );

  // Saving asks for a name; the style's own name is one tap away.
  feature.callbackQuery(saveData.filter, async (ctx) => {
    const data = saveData.unpack(ctx.callbackQuery.data);
    const image = await imageToSave(ctx, data);
    if (!data || !image) return;
    if ((await savedStylesOf(ctx.db, image.userId)).length >= MAX_SAVED_STYLES) {
      return ctx.answerCallbackQuery({ text: ctx.t('styles-full'), show_alert: true });
    }
    await awaitInput(ctx.db, image.userId, { kind: 'style-name', data });
    await ctx.answerCallbackQuery();
    await ctx.reply(ctx.t('style-name-prompt', { name: image.style, max: STYLE_NAME_MAX }), {
      reply_markup: new InlineKeyboard().text(
        ctx.t('button-keep-name', { name: image.style }),
        keepNameData.pack({ job: data.job, position: data.position }),
      ),
    });
  });

  feature.callbackQuery(keepNameData.filter, async (ctx) => {
    const data = keepNameData.unpack(ctx.callbackQuery.data);
    const image = await imageToSave(ctx, data);
    if (!data || !image) return;
    await clearInput(ctx.db, image.userId);
    const saved = await keepStyle(ctx, image, image.style);
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(saved ? ctx.t('style-saved', { name: image.style }) : ctx.t('styles-full'));
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
      const saved = await keepStyle(ctx, image, name);
      await ctx.reply(saved ? ctx.t('style-saved', { name }) : ctx.t('styles-full'));
    },
  );

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

  feature.callbackQuery(generateData.filter, async (ctx) => {
    const data = generateData.unpack(ctx.callbackQuery.data);
    const user = ctx.user;
    if (!data || !user) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    // Submission and charge share one savepoint: a refused charge leaves the draft open.
    const outcome = await enqueue(
      ctx,
      async (tx) => {
        const draft = await submitDraft(tx, data.draft, user.id);
        if (!draft?.styles?.length || !draft.aspectRatio || draft.photos.length === 0) return undefined;
        // A batch is one job per photo, all charged here or none (a refused charge undoes them all).
        const batchId = draft.photos.length > 1 ? `draft-${draft.id}` : null;
        let first: Photoshoot | undefined;
        for (const photo of draft.photos) {
          const job = await queuePhotoshoot(tx, {
            userId: user.id,
            chatId: draft.chatId,
            sourceFileId: photo.fileId,
            sourceFileUniqueId: photo.fileUniqueId,
            aspectRatio: draft.aspectRatio,
            styleSource: draft.styleSource ?? 'random',
            batchId,
            styles: draft.styles.map((s) => ({ name: s.name, prompt: s.scene })),
          });
          first ??= job;
        }
        return first;
      },
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
