import { Composer, InlineKeyboard } from 'grammy';
import type { InlineKeyboardButton, InlineKeyboardMarkup, InputMediaDocument, InputMediaPhoto } from 'grammy/types';
import { z } from 'zod';
import { findPhotoshoot } from '../../db/photoshoots.js';
import { deliveredWithRetries, type HistoryEntry, historyPage } from '../../db/processed-images.js';
import { createCallbackData, rowId } from '../callback-data/codec.js';
import type { BotContext } from '../context.js';
import { telegramError } from '../telegram-error.js';
import { styleList } from '../views/style-list.js';
import { sellerTime } from '../views/time.js';

const PAGE_SIZE = 5;
const page = z.coerce.number().int().min(0).max(10_000);
export const historyPageData = createCallbackData('hist-page', { page });
export const resendData = createCallbackData('hist-send', { job: rowId });

const composer = new Composer<BotContext>();
const feature = composer.chatType('private');

/** The page's thumbnails (each photoshoot's first preview) as one album, or one photo; captions name them. */
async function sendThumbnails(ctx: BotContext, entries: HistoryEntry[]) {
  const media = entries.flatMap((entry): InputMediaPhoto[] =>
    entry.thumbnailFileId
      ? [
          {
            type: 'photo',
            media: entry.thumbnailFileId,
            caption: ctx.t('history-thumb', { id: String(entry.photoshootId), styles: styleList(ctx, entry.styles) }),
          },
        ]
      : [],
  );
  try {
    if (media.length >= 2) await ctx.replyWithMediaGroup(media);
    else if (media[0]) await ctx.replyWithPhoto(media[0].media, { caption: media[0].caption ?? '' });
  } catch (err) {
    // A stored file id Telegram no longer serves costs the pictures, not the list and its buttons.
    if (telegramError(err)?.code !== 400) throw err;
    ctx.logger.warn({ err }, 'could not show the history thumbnails');
  }
}

/**
 * A page of /history: the thumbnails first (an album cannot carry buttons, nor be edited into
 * another number of photos), then the list with a resend button per photoshoot and the page
 * buttons. Turning a page sends the next page below, so every page reads pictures-then-list.
 */
async function showPage(ctx: BotContext, pageNumber: number) {
  const user = ctx.user;
  if (!user) return;
  const { entries, hasMore } = await historyPage(ctx.db, user.id, pageNumber, PAGE_SIZE);
  if (entries.length === 0) {
    await ctx.reply(ctx.t('history-empty'));
    return;
  }
  await sendThumbnails(ctx, entries);
  const lines = entries.map((entry) =>
    ctx.t('history-entry', {
      id: String(entry.photoshootId),
      date: sellerTime(entry.createdAt),
      ratio: entry.aspectRatio,
      styles: styleList(ctx, entry.styles),
      images: entry.images,
      retried: entry.retried,
    }),
  );
  const rows = entries.map((entry) => [
    InlineKeyboard.text(
      ctx.t('button-resend', { id: String(entry.photoshootId) }),
      resendData.pack({ job: entry.photoshootId }),
    ),
  ]);
  const pages: InlineKeyboardButton[] = [];
  if (pageNumber > 0)
    pages.push(InlineKeyboard.text(ctx.t('button-prev'), historyPageData.pack({ page: pageNumber - 1 })));
  if (hasMore) pages.push(InlineKeyboard.text(ctx.t('button-next'), historyPageData.pack({ page: pageNumber + 1 })));
  const keyboard = InlineKeyboard.from(pages.length > 0 ? [...rows, pages] : rows);
  const title =
    pageNumber > 0 || hasMore ? ctx.t('history-title-page', { page: pageNumber + 1 }) : ctx.t('history-title');
  await ctx.reply(`${title}\n\n${lines.join('\n')}`, { reply_markup: keyboard });
}

/** The markup without its page buttons: an earlier page keeps its resend buttons, the newest page turns. */
const withoutPageButtons = (markup: InlineKeyboardMarkup): InlineKeyboardMarkup => ({
  inline_keyboard: markup.inline_keyboard
    .map((row) => row.filter((b) => !('callback_data' in b && historyPageData.filter.test(b.callback_data))))
    .filter((row) => row.length > 0),
});

feature.command('history', (ctx) => showPage(ctx, 0));

feature.callbackQuery(historyPageData.filter, async (ctx) => {
  const data = historyPageData.unpack(ctx.callbackQuery.data);
  if (!data) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
  await ctx.answerCallbackQuery();
  // Telegram sends the pressed message's keyboard with the press; without it there is nothing to keep.
  const markup = ctx.callbackQuery.message?.reply_markup;
  if (markup) await ctx.editMessageReplyMarkup({ reply_markup: withoutPageButtons(markup) });
  await showPage(ctx, data.page);
});

// Resending uses the stored Telegram file ids: nothing is generated or uploaded again. A free
// retry's images come with the photoshoot they completed.
feature.callbackQuery(resendData.filter, async (ctx) => {
  const data = resendData.unpack(ctx.callbackQuery.data);
  const job = data && (await findPhotoshoot(ctx.db, data.job));
  if (!job || job.userId !== ctx.user?.id) {
    return ctx.answerCallbackQuery({ text: job ? ctx.t('not-your-button') : ctx.t('button-expired') });
  }
  const images = (await deliveredWithRetries(ctx.db, job.id)).slice(0, 10);
  if (images.length === 0) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
  await ctx.answerCallbackQuery();
  const previews = images.filter((i) => i.previewFileId);
  if (previews.length >= 2) {
    await ctx.replyWithMediaGroup(
      previews.map((i): InputMediaPhoto => ({ type: 'photo', media: i.previewFileId ?? '', caption: i.style })),
    );
  }
  if (images.length >= 2) {
    await ctx.replyWithMediaGroup(images.map((i): InputMediaDocument => ({ type: 'document', media: i.resultFileId })));
  } else if (images[0]) {
    await ctx.replyWithDocument(images[0].resultFileId);
  }
});

/** /history: earlier photoshoots, newest first, each with its thumbnail and resendable without regenerating. */
export const historyFeature = composer;
