import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { showPackages } from './buy.js';

/** No letter or digit before (\b knows only ASCII letters; these must work for Cyrillic too). */
const START = String.raw`(?<![\p{L}\p{N}])`;
/** No letter or digit after. */
const END = String.raw`(?![\p{L}\p{N}])`;

/** Ways to ask what it costs, in English and Russian, as whole words. */
const PRICE_WORDS = [
  String.raw`price(?:s|d|list)?|pricing|price\s+list|costs?|costing|tariffs?`,
  // "How much does it cost?", "how much?", but not "how much time does it take?".
  String.raw`how\s+much(?!\s+(?:time|longer|data|space|memory|storage|detail|effort)${END})`,
  String.raw`what\s+does\s+(?:it|this|a\s+photoshoot|one)\s+cost`,
  // цена, цены, цену, ценой, ценник… but not ценный, оцените, концентрат.
  'цен(?:а|ы|е|у|ой|ою|ам|ами|ах|ник|ника|ники|ников)?',
  'стоимост(?:ь|и|ью)',
  String.raw`прайс(?:а|ы|у|ом|ов)?(?:\s*-?\s*лист\p{L}*)?`,
  String.raw`расценк\p{L}*|тариф(?:ы|а|ов|ам)?|почем`,
  // "сколько стоит", "сколько это стоит", "сколько будет стоить".
  String.raw`сколько(?:\s+\p{L}+)?\s+сто(?:ит|ят|ить|ила|или|ило)`,
];
const PRICE_QUESTION = new RegExp(`${START}(?:${PRICE_WORDS.join('|')})${END}`, 'u');
/** "Сколько?" alone (with other words it may ask how long or how many). */
const BARE_HOW_MUCH = /^\s*сколько\s*[?!.…]*\s*$/u;

/** True for a message asking what photoshoots cost ("how much does it cost?", "сколько стоит?", "цена"). */
export function isPriceQuestion(text: string): boolean {
  const normalized = text.toLowerCase().replaceAll('ё', 'е');
  return PRICE_QUESTION.test(normalized) || BARE_HOW_MUCH.test(normalized);
}

const composer = new Composer<BotContext>();

// A button nobody handles (an old keyboard, a forged payload) still gets an answer.
composer.on('callback_query', (ctx) => ctx.answerCallbackQuery({ text: ctx.t('button-expired') }));

// A payment nobody claims is declined at once rather than left to time out.
composer.on('pre_checkout_query', (ctx) =>
  ctx.answerPreCheckoutQuery(false, { error_message: ctx.t('payment-unavailable') }),
);

const privateChats = composer.chatType('private');

// A question about the price gets the packages with their buy buttons; not when the text
// answers a question the bot asked (that answer belongs to the feature that asked).
privateChats
  .on('message:text')
  .filter(
    (ctx) => ctx.pendingInput === undefined && !ctx.message.text.startsWith('/') && isPriceQuestion(ctx.message.text),
    showPackages,
  );

// Anything else a person sends privately gets guidance; other chats and update types are ignored.
privateChats.on('message', (ctx) => ctx.reply(ctx.t('unhandled-message')));

/** The catch-all, installed last: unknown buttons and payments, price questions, guidance. */
export const unhandledFeature = composer;
