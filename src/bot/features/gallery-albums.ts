import type { InputMediaPhoto } from 'grammy/types';
import { galleryExamples } from '../../db/gallery.js';
import type { SavedStyle } from '../../db/saved-styles.js';
import { type CatalogueStyle, describeStyle } from '../../services/style-catalogue.js';
import type { BotContext } from '../context.js';

/** Telegram's album: 2-10 photos (one photo is sent on its own). */
const ALBUM_MAX = 10;

/** A style as the gallery shows it: "name — description". */
export const styleCaption = (style: { name: string; description: string }) => `${style.name} — ${style.description}`;

/** A style to show: its caption, and its example picture when it has one. */
interface Shown {
  caption: string;
  fileId: string | undefined;
}

/** Splits `items` into albums of at most 10, as even as possible (12 -> 6 + 6, never a lone photo after a full album). */
function albums<T>(items: readonly T[]): T[][] {
  const count = Math.ceil(items.length / ALBUM_MAX);
  const size = Math.ceil(items.length / Math.max(count, 1));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Sends the pictures as albums (by file id: nothing is uploaded), each captioned. */
async function sendPictures(ctx: BotContext, pictures: readonly { caption: string; fileId: string }[]) {
  for (const album of albums(pictures)) {
    const [only] = album;
    if (album.length === 1 && only) {
      await ctx.replyWithPhoto(only.fileId, { caption: only.caption });
      continue;
    }
    const media: InputMediaPhoto[] = album.map((p) => ({ type: 'photo', media: p.fileId, caption: p.caption }));
    await ctx.replyWithMediaGroup(media);
  }
}

/**
 * Shows styles: the pictured ones as albums, then the rest as a list of names and descriptions,
 * headed by `headerKey` when none has a picture yet, else by the "not pictured yet" line.
 */
async function show(ctx: BotContext, shown: readonly Shown[], headerKey: string) {
  const pictures = shown.flatMap((s) => (s.fileId ? [{ caption: s.caption, fileId: s.fileId }] : []));
  const rest = shown.filter((s) => !s.fileId).map((s) => `• ${s.caption}`);
  await sendPictures(ctx, pictures);
  if (rest.length === 0) return;
  const header = ctx.t(pictures.length > 0 ? 'gallery-unpictured-header' : headerKey);
  await ctx.reply(`${header}\n\n${rest.join('\n')}`);
}

/** The catalogue styles with their gallery examples (where built), in the seller's language. */
export async function showCatalogueStyles(ctx: BotContext, styles: readonly CatalogueStyle[], headerKey: string) {
  const locale = await ctx.i18n.getLocale();
  const examples = new Map((await galleryExamples(ctx.db)).map((e) => [e.styleKey, e.fileId]));
  await show(
    ctx,
    styles.map((style) => ({ caption: styleCaption(describeStyle(style, locale)), fileId: examples.get(style.key) })),
    headerKey,
  );
}

/** The seller's saved styles that have an example picture (the preview they were saved from), as an album. */
export async function showSavedExamples(ctx: BotContext, saved: readonly SavedStyle[]) {
  await sendPictures(
    ctx,
    saved.flatMap((s) => (s.exampleFileId ? [{ caption: s.name, fileId: s.exampleFileId }] : [])),
  );
}
