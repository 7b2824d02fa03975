import { InlineKeyboard } from 'grammy';
import { describeError } from '../errors.js';
import type { BotContext } from './context.js';
import { resolveLocale } from './i18n.js';

/** Whom a message goes to: their Telegram id and the language they chose or Telegram reports. */
export interface Recipient {
  telegramId: number;
  locale: string | null;
  languageCode: string | null;
}

/** A text for another user than the sender, in the recipient's language (the bot's default when we do not speak theirs). */
export function textFor(
  ctx: BotContext,
  recipient: Pick<Recipient, 'locale' | 'languageCode'> | undefined,
  key: string,
  variables?: Record<string, string | number>,
): string {
  const locale = resolveLocale(recipient?.locale ?? recipient?.languageCode, ctx.config.defaultLocale);
  return ctx.i18n.fluent.translate(locale, key, variables);
}

/**
 * Tells another user what an admin's action or a payment did to their account, in their
 * language (with a button to act on it, if given), once the update has committed (never for a
 * change that was rolled back). A refused message is logged with `about` and the log fields: the
 * change itself stands.
 */
export function tellAfterCommit(
  ctx: BotContext,
  recipient: Recipient,
  message: { key: string; variables?: Record<string, string | number>; button?: { key: string; data: string } },
  about: string,
  fields: Record<string, unknown> = {},
): void {
  const text = textFor(ctx, recipient, message.key, message.variables);
  const { button } = message;
  const options = button
    ? { reply_markup: new InlineKeyboard().text(textFor(ctx, recipient, button.key), button.data) }
    : {};
  ctx.afterCommit(() =>
    ctx.api.sendMessage(recipient.telegramId, text, options).catch((err: unknown) => {
      ctx.logger.warn({ reason: describeError(err), ...fields }, `could not tell the user about ${about}`);
    }),
  );
}
