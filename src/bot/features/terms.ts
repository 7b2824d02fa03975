import { Composer } from 'grammy';
import type { BotContext } from '../context.js';

const composer = new Composer<BotContext>();

/** /terms: the terms of service, which Telegram requires of a bot that takes payments. */
composer.chatType('private').command('terms', (ctx) => ctx.reply(ctx.t('terms')));

export const termsFeature = composer;
