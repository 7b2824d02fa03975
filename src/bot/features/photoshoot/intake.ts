import { Composer } from 'grammy';
import type { PhotoSize } from 'grammy/types';
import { addToAlbum, createDraft } from '../../../db/drafts.js';
import { activePhotoshoots } from '../../../db/photoshoots.js';
import type { BotContext } from '../../context.js';
import { ratioKeyboard } from '../../keyboards/photoshoot-setup.js';
import type { PhotoshootFeatureDeps } from './deps.js';

const ACCEPTED_DOCUMENT_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

type IncomingPhoto = { fileId: string; fileUniqueId: string };

/**
 * A photo or an image file opens a draft and asks for the aspect ratio; the photos of one
 * album share one draft (a batch). Only what Telegram tells about the file is checked here.
 */
export function createIntakeFeature(deps: Pick<PhotoshootFeatureDeps, 'photos' | 'generationConfigured'>) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  async function startDraft(ctx: BotContext, photos: IncomingPhoto[]) {
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
  async function intake(ctx: BotContext, photo: IncomingPhoto) {
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

  return composer;
}
