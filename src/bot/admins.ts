import type { Api } from 'grammy';
import type { Logger } from '../logger.js';
import type { BotContext } from './context.js';
import { describeBotApiError, telegramError } from './telegram-error.js';
import { senderLabel } from './views/user-label.js';

/** True when the sender is one of ADMIN_IDS. */
export const isAdmin = (ctx: BotContext): boolean =>
  ctx.from !== undefined && ctx.config.admin.ids.includes(ctx.from.id);

/**
 * Tells every admin something that needs their eye (a payment outside the normal path, a
 * support request). Best effort: an admin who blocked the bot does not stop the others.
 * Returns how many admins received it.
 */
export async function notifyAdmins(api: Api, adminIds: readonly number[], text: string, logger: Logger) {
  let delivered = 0;
  for (const adminId of adminIds) {
    try {
      await api.sendMessage(adminId, text);
      delivered += 1;
    } catch (err) {
      // An admin who blocked the bot chose not to hear from it: noted, not a warning.
      const refused = telegramError(err);
      if (refused?.code === 403) {
        logger.info({ admin_id: adminId, reason: refused.description }, 'an admin cannot be reached');
        continue;
      }
      logger.warn({ admin_id: adminId, reason: describeBotApiError(err) }, 'could not notify an admin');
    }
  }
  return delivered;
}

/**
 * Tells the admins about a payment outside the normal path, in the bot's default language;
 * `key` names the text, which also gets the sender as `user` ("Ann (@ann_shop, 700000001)").
 */
export function alertAdmins(ctx: BotContext, key: string, vars: Record<string, string | number>) {
  const text = ctx.i18n.fluent.translate(ctx.config.defaultLocale, key, {
    user: ctx.from ? senderLabel(ctx.from) : '0',
    ...vars,
  });
  return notifyAdmins(ctx.api, ctx.config.admin.ids, text, ctx.logger);
}
