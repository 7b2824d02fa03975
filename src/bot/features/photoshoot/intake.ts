import { Composer } from 'grammy';
import type { PhotoSize } from 'grammy/types';
import { addToAlbum, createDraft, type Draft, hasDrafts, updateDraft, wishOf } from '../../../db/drafts.js';
import type { DraftPhoto } from '../../../db/schema.js';
import { runsPhotoshoot } from '../../../photoshoot/drafts.js';
import type { BotContext } from '../../context.js';
import { ratioKeyboard } from '../../keyboards/photoshoot-setup.js';
import { photoProblemKey } from '../../views/failures.js';
import type { PhotoshootFeatureDeps } from './deps.js';

const ACCEPTED_DOCUMENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

/** A photo smaller than this on its short side still works, but its results come out soft. */
export const SMALL_PHOTO_SIDE = 512;

interface IncomingPhoto {
  photo: DraftPhoto;
  /** Its size in pixels, when known (Telegram's PhotoSize, or the probed header of a file). */
  size?: { width: number; height: number };
}

/**
 * A photo or an image file opens a draft and asks for the aspect ratio; the photos of one
 * album share one draft (a batch). A photo's caption is the draft's wish. Telegram's own data
 * is checked for photos; an image file's header is read too (a cheap probe), before the
 * update's transaction opens, so a damaged file is refused on arrival. A photo sent while a
 * photoshoot runs becomes the next draft, started by the worker when that one ends.
 */
export function createIntakeFeature(deps: Pick<PhotoshootFeatureDeps, 'photos' | 'generationConfigured'>) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  /** The set-up message: tips for a first photo, a small photo's warning, the wait, the ratio question. */
  async function offer(ctx: BotContext, draft: Draft, incoming: IncomingPhoto, firstEver: boolean) {
    const lines: string[] = [];
    if (firstEver) lines.push(ctx.t('intake-photo-tips'));
    const size = incoming.size;
    if (size && Math.min(size.width, size.height) < SMALL_PHOTO_SIDE) {
      lines.push(ctx.t('intake-small-photo', { width: size.width, height: size.height, side: SMALL_PHOTO_SIDE }));
    }
    if (await runsPhotoshoot(ctx.db, draft.userId)) lines.push(ctx.t('intake-next-draft'));
    if (draft.mediaGroupId) lines.push(ctx.t('batch-offer'));
    lines.push(ctx.t('choose-ratio'));
    const sent = await ctx.reply(lines.join('\n\n'), { reply_markup: ratioKeyboard(ctx, draft.id) });
    await updateDraft(ctx.db, draft.id, { messageId: sent.message_id });
  }

  /** A photo of an album joins the album's draft (batch); the first one shows the keyboard. */
  async function intake(ctx: BotContext, incoming: IncomingPhoto) {
    const user = ctx.user;
    if (!user || !ctx.chat || !ctx.message) return;
    if (!deps.generationConfigured) return ctx.reply(ctx.t('generation-unavailable-photo'));
    const firstEver = !(await hasDrafts(ctx.db, user.id));
    const wish = wishOf(ctx.message.caption);
    const mediaGroupId = ctx.message.media_group_id;
    if (!mediaGroupId) {
      const draft = await createDraft(ctx.db, { userId: user.id, chatId: ctx.chat.id, photos: [incoming.photo], wish });
      return offer(ctx, draft, incoming, firstEver);
    }
    const album = { userId: user.id, chatId: ctx.chat.id, mediaGroupId, photo: incoming.photo, wish };
    const joined = await addToAlbum(ctx.db, album);
    if (joined?.created) await offer(ctx, joined.draft, incoming, firstEver);
  }

  feature.on('message:photo', async (ctx) => {
    const largest = ctx.message.photo.reduce<PhotoSize | undefined>(
      (best, size) => (!best || size.width * size.height > best.width * best.height ? size : best),
      undefined,
    );
    if (!largest) return;
    if ((largest.file_size ?? 0) > deps.photos.maxBytes) return ctx.reply(ctx.t('photo-too-big'));
    await intake(ctx, {
      photo: { fileId: largest.file_id, fileUniqueId: largest.file_unique_id, messageId: ctx.message.message_id },
      size: { width: largest.width, height: largest.height },
    });
  });

  feature.on('message:document', async (ctx) => {
    const doc = ctx.message.document;
    const type = doc.mime_type ?? '';
    if (!type.startsWith('image/')) return ctx.reply(ctx.t('photo-not-an-image'));
    if (!ACCEPTED_DOCUMENT_TYPES.includes(type)) return ctx.reply(ctx.t('photo-unsupported-format'));
    if ((doc.file_size ?? 0) > deps.photos.maxBytes) return ctx.reply(ctx.t('photo-too-big'));
    const photo = { fileId: doc.file_id, fileUniqueId: doc.file_unique_id, messageId: ctx.message.message_id };
    if (!deps.generationConfigured) return intake(ctx, { photo });
    // No statement has run yet: the download holds no transaction or pooled connection.
    let size: { width: number; height: number } | undefined;
    try {
      const meta = await deps.photos.probe(doc.file_id);
      size = { width: meta.width ?? 0, height: meta.height ?? 0 };
    } catch (err) {
      const problem = photoProblemKey(err);
      if (problem) return ctx.reply(ctx.t(problem));
      // Telegram or the network failed us, not the photo: the job checks it again anyway.
      ctx.logger.warn({ err }, 'could not probe the image file; accepted unchecked');
    }
    await intake(ctx, { photo, ...(size && { size }) });
  });

  return composer;
}
