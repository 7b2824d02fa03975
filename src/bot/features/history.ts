import { Composer, InlineKeyboard } from 'grammy';
import type { InputMediaDocument, InputMediaPhoto } from 'grammy/types';
import { z } from 'zod';
import { findPhotoshoot } from '../../db/photoshoots.js';
import { historyPage, imagesOf } from '../../db/processed-images.js';
import { createCallbackData, rowId } from '../callback-data/codec.js';
import type { BotContext } from '../context.js';
import { sellerTime } from '../views/time.js';

const PAGE_SIZE = 5;
const page = z.coerce.number().int().min(0).max(10_000);
export const historyPageData = createCallbackData('hist-page', { page });
export const resendData = createCallbackData('hist-send', { job: rowId });

const composer = new Composer<BotContext>();
const feature = composer.chatType('private');

async function showPage(ctx: BotContext, pageNumber: number, edit: boolean) {
  const user = ctx.user;
  if (!user) return;
  const { entries, hasMore } = await historyPage(ctx.db, user.id, pageNumber, PAGE_SIZE);
  if (entries.length === 0 && pageNumber === 0) {
    await ctx.reply(ctx.t('history-empty'));
    return;
  }
  const keyboard = new InlineKeyboard();
  const lines = entries.map((entry) => {
    keyboard
      .text(ctx.t('button-resend', { id: String(entry.photoshootId) }), resendData.pack({ job: entry.photoshootId }))
      .row();
    return ctx.t('history-item', {
      id: String(entry.photoshootId),
      date: sellerTime(entry.createdAt),
      ratio: entry.aspectRatio,
      count: entry.images,
    });
  });
  if (pageNumber > 0) keyboard.text(ctx.t('button-prev'), historyPageData.pack({ page: pageNumber - 1 }));
  if (hasMore) keyboard.text(ctx.t('button-next'), historyPageData.pack({ page: pageNumber + 1 }));
  const text = `${ctx.t('history-title')}\n\n${lines.join('\n')}`;
  if (edit) await ctx.editMessageText(text, { reply_markup: keyboard });
  else await ctx.reply(text, { reply_markup: keyboard });
}

feature.command('history', (ctx) => showPage(ctx, 0, false));

feature.callbackQuery(historyPageData.filter, async (ctx) => {
  const data = historyPageData.unpack(ctx.callbackQuery.data);
  if (!data) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
  await ctx.answerCallbackQuery();
  await showPage(ctx, data.page, true);
});

// Resending uses the stored Telegram file ids: nothing is generated or uploaded again.
feature.callbackQuery(resendData.filter, async (ctx) => {
  const data = resendData.unpack(ctx.callbackQuery.data);
  const job = data && (await findPhotoshoot(ctx.db, data.job));
  if (!job || job.userId !== ctx.user?.id) {
    return ctx.answerCallbackQuery({ text: job ? ctx.t('not-your-button') : ctx.t('button-expired') });
  }
  const images = (await imagesOf(ctx.db, job.id)).filter((i) => i.status === 'done' && i.resultFileId);
  if (images.length === 0) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
  await ctx.answerCallbackQuery();
  const previews = images.filter((i) => i.previewFileId);
  if (previews.length >= 2) {
    await ctx.replyWithMediaGroup(
      previews.map((i): InputMediaPhoto => ({ type: 'photo', media: i.previewFileId ?? '', caption: i.style })),
    );
  }
  if (images.length >= 2) {
    await ctx.replyWithMediaGroup(
      images.map((i): InputMediaDocument => ({ type: 'document', media: i.resultFileId ?? '' })),
    );
  } else if (images[0]?.resultFileId) {
    await ctx.replyWithDocument(images[0].resultFileId);
  }
});

/** /history: earlier photoshoots, newest first, each resendable without regenerating. */
export const historyFeature = composer;
