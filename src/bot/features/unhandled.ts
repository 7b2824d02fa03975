import { Composer } from 'grammy';
import type { BotContext } from '../context.js';

const composer = new Composer<BotContext>();

// A button nobody handles (an old keyboard, a forged payload) still gets an answer.
composer.on('callback_query', (ctx) => ctx.answerCallbackQuery({ text: ctx.t('button-expired') }));

// A payment nobody claims is declined at once rather than left to time out.
composer.on('pre_checkout_query', (ctx) =>
  ctx.answerPreCheckoutQuery(false, { error_message: ctx.t('payment-unavailable') }),
);

// Anything else a person sends privately gets guidance; other chats and update types are ignored.
composer.chatType('private').on('message', (ctx) => ctx.reply(ctx.t('unhandled-message')));

/** The catch-all, installed last. */
export const unhandledFeature = composer;
