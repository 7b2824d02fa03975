import { Composer, InlineKeyboard } from 'grammy';
import { z } from 'zod';
import { deleteSavedStyle, savedStylesOf } from '../../db/saved-styles.js';
import { createCallbackData } from '../callback-data/codec.js';
import type { BotContext } from '../context.js';

export const deleteStyleData = createCallbackData('style-del', { slot: z.coerce.number().int().min(1).max(4) });

const composer = new Composer<BotContext>();
const feature = composer.chatType('private');

async function stylesMessage(ctx: BotContext) {
  const styles = ctx.user ? await savedStylesOf(ctx.db, ctx.user.id) : [];
  if (styles.length === 0) return { text: ctx.t('styles-empty'), keyboard: undefined };
  const keyboard = new InlineKeyboard();
  for (const style of styles) {
    keyboard.text(ctx.t('button-delete-style', { name: style.name }), deleteStyleData.pack({ slot: style.slot })).row();
  }
  const list = styles.map((s) => `⭐ ${s.name}`).join('\n');
  return { text: `${ctx.t('styles-title')}\n\n${list}`, keyboard };
}

feature.command('styles', async (ctx) => {
  const { text, keyboard } = await stylesMessage(ctx);
  await ctx.reply(text, keyboard ? { reply_markup: keyboard } : {});
});

feature.callbackQuery(deleteStyleData.filter, async (ctx) => {
  const data = deleteStyleData.unpack(ctx.callbackQuery.data);
  const user = ctx.user;
  if (!data || !user || !(await deleteSavedStyle(ctx.db, user.id, data.slot))) {
    return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
  }
  await ctx.answerCallbackQuery({ text: ctx.t('style-deleted') });
  const { text, keyboard } = await stylesMessage(ctx);
  await ctx.editMessageText(text, keyboard ? { reply_markup: keyboard } : {});
});

/** /styles: the user's saved styles (at most 4), each deletable. */
export const stylesFeature = composer;
