import type { I18n } from '@grammyjs/i18n';
import type { Api } from 'grammy';
import type { Config } from '../config/index.js';
import type { Logger } from '../logger.js';
import { notifyAdmins } from './admins.js';
import type { BotContext } from './context.js';

/**
 * At startup, without OPENAI_API_KEY, tells each admin (in the default language) that
 * photoshoots cannot be generated and which variable to set. An admin who never opened the
 * bot cannot be written to: logged and skipped. Returns how many admins were told.
 */
export async function announceMissingGeneration(deps: {
  api: Api;
  i18n: I18n<BotContext>;
  config: Pick<Config, 'ai' | 'admin' | 'defaultLocale'>;
  logger: Logger;
}): Promise<number> {
  const { config, logger } = deps;
  const admins = config.admin.ids;
  if (config.ai.apiKey || admins.length === 0) return 0;
  const text = deps.i18n.t(config.defaultLocale, 'admin-generation-unconfigured', { variable: 'OPENAI_API_KEY' });
  const told = await notifyAdmins(deps.api, admins, text, logger);
  logger.info({ admins: told, of: admins.length }, 'admins told that photoshoots are not configured');
  return told;
}
