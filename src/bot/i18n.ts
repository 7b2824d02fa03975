import { fileURLToPath } from 'node:url';
import { I18n } from '@grammyjs/i18n';
import type { BotContext } from './context.js';

export const LOCALES = ['en', 'ru'] as const;
export type Locale = (typeof LOCALES)[number];

const LOCALES_DIR = fileURLToPath(new URL('../locales', import.meta.url));

/** Maps a stored choice or a Telegram language_code ("ru", "pt-br", "ru-RU") to a locale we speak. */
export function resolveLocale(code: string | null | undefined, fallback: Locale): Locale {
  const primary = code?.toLowerCase().split(/[-_]/)[0];
  return LOCALES.find((locale) => locale === primary) ?? fallback;
}

/**
 * The i18n plugin over src/locales/<locale>/*.ftl (one bundle per locale: its files together). The locale is the one chosen with /language, else
 * the sender's Telegram language, else DEFAULT_LOCALE.
 */
export function createI18n(defaultLocale: Locale): I18n<BotContext> {
  return new I18n<BotContext>({
    defaultLocale,
    directory: LOCALES_DIR,
    useSession: false,
    // Bidi isolation marks show up as stray characters in Telegram clients.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx) => resolveLocale(ctx.user?.locale ?? ctx.from?.language_code, defaultLocale),
  });
}
