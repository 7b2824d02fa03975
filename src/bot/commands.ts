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

/** Commands only admins see, in their own chats with the bot. */
export const ADMIN_COMMANDS = ['stats', 'user', 'grant', 'orders', 'refund', 'credit', 'reply', 'gallery'] as const;

/**
 * Sets the command menu for every locale; the default locale also serves every other language.
 * Each admin's chat also lists the admin commands (an admin who never opened the bot is skipped
 * and reported through `onAdminError`).
 */
export async function setMenuCommands(
  api: Api,
  i18n: I18n<BotContext>,
  defaultLocale: string,
  admins: { ids: readonly number[]; onError(adminId: number, err: unknown): void } = { ids: [], onError: () => {} },
): Promise<void> {
  const describe = (locale: string, commands: readonly string[]) =>
    commands.map((command) => ({ command, description: i18n.t(locale, `command-${command}`) }));
  await api.setMyCommands(describe(defaultLocale, MENU_COMMANDS));
  for (const locale of LOCALES) {
    await api.setMyCommands(describe(locale, MENU_COMMANDS), { language_code: locale });
  }
  for (const adminId of admins.ids) {
    await api
      .setMyCommands(describe(defaultLocale, [...MENU_COMMANDS, ...ADMIN_COMMANDS]), {
        scope: { type: 'chat', chat_id: adminId },
      })
      .catch((err: unknown) => admins.onError(adminId, err));
  }
}
