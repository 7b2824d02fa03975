import { type Api, Composer, InputFile } from 'grammy';
import type { Message, PhotoSize } from 'grammy/types';
import type { Pool } from '../../db/client.js';
import { galleryExamples } from '../../db/gallery.js';
import { describeError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { GalleryBuilder, GalleryOutcome } from '../../photoshoot/gallery.js';
import { type CatalogueStyle, describeStyle, STYLE_CATALOGUE } from '../../services/style-catalogue.js';
import { isAdmin } from '../admins.js';
import type { BotContext } from '../context.js';
import { formatZonedTime } from '../views/time.js';
import { styleCaption } from './gallery-albums.js';

type Translate = (key: string, variables?: Record<string, string | number>) => string;

/** A failure's reason as an admin reads it: short enough for a message listing several. */
const brief = (reason: string) => (reason.length > 160 ? `${reason.slice(0, 159)}…` : reason);

/**
 * The arguments of a /gallery command written as a photo's caption ("/gallery build"), or
 * undefined when the caption is something else (grammY's command filter reads texts only).
 */
function captionCommand(message: Message, username: string): string | undefined {
  const caption = message.caption ?? '';
  const entity = message.caption_entities?.find((e) => e.type === 'bot_command' && e.offset === 0);
  if (!entity) return undefined;
  const command = caption.slice(1, entity.length).toLowerCase();
  if (command !== 'gallery' && command !== `gallery@${username.toLowerCase()}`) return undefined;
  return caption.slice(entity.length);
}

/** /gallery: how many catalogue styles have an example, when the last was made, which are missing. */
async function statusText(ctx: BotContext): Promise<string> {
  const locale = await ctx.i18n.getLocale();
  const examples = await galleryExamples(ctx.db);
  const built = new Set(examples.map((e) => e.styleKey));
  const missing = STYLE_CATALOGUE.filter((style) => !built.has(style.key)).map((s) => describeStyle(s, locale).name);
  const last = examples.at(-1)?.builtAt;
  return ctx.t('gallery-status', {
    built: STYLE_CATALOGUE.length - missing.length,
    total: STYLE_CATALOGUE.length,
    at: last ? formatZonedTime(last, ctx.config.admin.statsTimeZone) : 'none',
    missing: missing.length > 0 ? missing.join(', ') : 'none',
  });
}

/** The build's last word, sent once it is over. */
function resultText(t: Translate, outcome: GalleryOutcome, built: number, locale: string): string {
  switch (outcome.kind) {
    case 'busy':
      return t('gallery-busy');
    case 'not-started':
      return t(outcome.stage === 'photo' ? 'gallery-photo-failed' : 'gallery-analysis-failed', {
        reason: brief(outcome.reason),
      });
    case 'stopped':
      return t('gallery-stopped', { made: outcome.made.length });
    case 'built': {
      const done = t('gallery-done', { made: outcome.made.length, built, total: STYLE_CATALOGUE.length });
      if (outcome.failed.length === 0) return done;
      const failed = outcome.failed.map((f) => `${describeStyle(f.style, locale).name} (${brief(f.reason)})`);
      return `${done}\n${t('gallery-failed-styles', { count: failed.length, styles: failed.join('; ') })}`;
    }
  }
}

/**
 * Runs a build in the background, in the admin's chat: one message counts the examples as they
 * come, each example arrives as a photo captioned like the sellers' gallery, and the result
 * follows. Never throws: a refused message is logged.
 */
async function runBuild(
  builder: GalleryBuilder,
  job: {
    api: Api;
    pool: Pool;
    chatId: number;
    progressId: number;
    photo: PhotoSize;
    styles: readonly CatalogueStyle[];
    builtBy: number | null;
    locale: string;
    t: Translate;
    logger: Logger;
  },
): Promise<void> {
  const { api, chatId, t, logger, locale } = job;
  const told = (err: unknown) =>
    logger.warn({ reason: describeError(err) }, 'could not tell the admin about the gallery');
  // One edit after another, in order: four examples finish at about the same time.
  let edits = Promise.resolve();
  const outcome = await builder.build({
    fileId: job.photo.file_id,
    fileUniqueId: job.photo.file_unique_id,
    styles: job.styles,
    builtBy: job.builtBy,
    reporter: {
      progress(done, total) {
        edits = edits.then(() =>
          api
            .editMessageText(chatId, job.progressId, t('gallery-progress', { done, total }))
            .then(() => undefined, told),
        );
        return edits;
      },
      async publish(style, png) {
        const sent = await api.sendPhoto(chatId, new InputFile(png, `${style.key}.png`), {
          caption: styleCaption(describeStyle(style, locale)),
        });
        const fileId = sent.photo?.at(-1)?.file_id;
        if (!fileId) throw new Error('Telegram answered the example without a photo');
        return fileId;
      },
    },
  });
  await edits;
  const built = await galleryExamples(job.pool).then(
    (rows) => rows.filter((row) => STYLE_CATALOGUE.some((s) => s.key === row.styleKey)).length,
    () => 0,
  );
  logger.info({ outcome: outcome.kind, built }, 'gallery build finished');
  await api.sendMessage(chatId, resultText(t, outcome, built, locale)).catch(told);
}

/**
 * /gallery (ADMIN_IDS only; anyone else gets the unknown-command answer): the style gallery's
 * state; `/gallery build` as the caption of a product photo, or in reply to one, makes an
 * example of each catalogue style that has none (`/gallery rebuild`: of every style), once per
 * deployment, reused for every seller. Without `builder` (generation not configured) it says so.
 */
export function createGalleryAdminFeature(deps: { builder?: GalleryBuilder | undefined }) {
  const composer = new Composer<BotContext>();
  const admin = composer.chatType('private').filter(isAdmin);

  async function gallery(ctx: BotContext & { chat: { id: number } }, args: string, photo: PhotoSize[] | undefined) {
    const mode = args.trim().toLowerCase();
    if (mode === '') return ctx.reply(await statusText(ctx));
    const source = photo?.at(-1);
    if ((mode !== 'build' && mode !== 'rebuild') || !source) return ctx.reply(ctx.t('gallery-usage'));
    const { builder } = deps;
    if (!builder) return ctx.reply(ctx.t('gallery-not-configured'));
    if (builder.running) return ctx.reply(ctx.t('gallery-busy'));
    const built = new Set((await galleryExamples(ctx.db)).map((e) => e.styleKey));
    const styles = mode === 'rebuild' ? STYLE_CATALOGUE : STYLE_CATALOGUE.filter((s) => !built.has(s.key));
    if (styles.length === 0) return ctx.reply(ctx.t('gallery-complete'));
    const progress = await ctx.reply(ctx.t('gallery-progress', { done: 0, total: styles.length }));
    const locale = await ctx.i18n.getLocale();
    const { fluent } = ctx.i18n;
    const job = {
      api: ctx.api,
      chatId: ctx.chat.id,
      progressId: progress.message_id,
      photo: source,
      styles,
      builtBy: ctx.user?.id ?? null,
      locale,
      t: (key: string, variables?: Record<string, string | number>) => fluent.translate(locale, key, variables),
      logger: ctx.logger,
    };
    // In the background, once this update has committed: the build takes minutes of AI calls.
    ctx.afterCommit((pool) => {
      void runBuild(builder, { ...job, pool });
    });
  }

  admin.command('gallery', (ctx) => gallery(ctx, ctx.match, ctx.msg.reply_to_message?.photo));
  admin.on('message:photo', (ctx, next) => {
    const args = captionCommand(ctx.msg, ctx.me.username);
    return args === undefined ? next() : gallery(ctx, args, ctx.msg.photo);
  });
  return composer;
}
