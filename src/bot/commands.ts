import type { I18n } from '@grammyjs/i18n';
import type { Api } from 'grammy';
import type { BotContext } from './context.js';
import { LOCALES } from './i18n.js';

/** Commands in Telegram's menu, described from the locale files. */
export const MENU_COMMANDS = [
  'start',
  'balance',
  'buy',
  'history',
  'styles',
  'cancel',
  'help',
  'language',
  'paysupport',
  'terms',
] as const;

/** Sets the command menu for every locale; the default locale also serves every other language. */
export async function setMenuCommands(api: Api, i18n: I18n<BotContext>, defaultLocale: string): Promise<void> {
  const commandsFor = (locale: string) =>
    MENU_COMMANDS.map((command) => ({ command, description: i18n.t(locale, `command-${command}`) }));
  await api.setMyCommands(commandsFor(defaultLocale));
  for (const locale of LOCALES) {
    await api.setMyCommands(commandsFor(locale), { language_code: locale });
  }
}
