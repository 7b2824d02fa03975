import { Composer, InlineKeyboard } from 'grammy';
import { z } from 'zod';
import { setUserLocale } from '../../db/users.js';
import { createCallbackData } from '../callback-data/codec.js';
import type { BotContext } from '../context.js';
import { LOCALES } from '../i18n.js';

export const languageData = createCallbackData('lang', { locale: z.enum(LOCALES) });

const LANGUAGE_NAMES: Record<(typeof LOCALES)[number], string> = { en: 'English', ru: 'Русский' };

const composer = new Composer<BotContext>();
const feature = composer.chatType('private');

feature.command('language', (ctx) =>
  ctx.reply(ctx.t('language-choose'), {
    reply_markup: InlineKeyboard.from([
      LOCALES.map((locale) => InlineKeyboard.text(LANGUAGE_NAMES[locale], languageData.pack({ locale }))),
    ]),
  }),
);

feature.callbackQuery(languageData.filter, async (ctx) => {
  const data = languageData.unpack(ctx.callbackQuery.data);
  const user = ctx.user;
  if (!data || !user) {
    await ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    return;
  }
  await setUserLocale(ctx.db, user.id, data.locale);
  ctx.user = { ...user, locale: data.locale };
  ctx.i18n.useLocale(data.locale);
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t('language-changed'));
});

/** /language: switches the bot's language for this user, stored in users.locale. */
export const languageFeature = composer;
