import type { Api } from 'grammy';
import type { Pool } from '../db/client.js';
import type { StylePreview } from '../db/previews.js';
import { findUserById } from '../db/users.js';
import type { Logger } from '../logger.js';
import type { PreviewReporter } from '../photoshoot/preview.js';
import { confirmKeyboard, sourceKeyboard } from './keyboards/photoshoot-setup.js';
import type { Translator } from './photoshoot-report.js';
import { describeBotApiError } from './telegram-error.js';
import { confirmText } from './views/confirm.js';
import { failureText } from './views/failures.js';

/**
 * A style preview's end as the seller sees it: the "analysing" message becomes the confirm step
 * (the styles, the ratio, the balance, Generate), or, when the preview failed, the reason and
 * the style sources again. In the language the seller asked in.
 */
export function createTelegramPreviewReporter(deps: {
  db: Pool;
  api: Api;
  i18n: Translator;
  logger: Logger;
}): PreviewReporter {
  const { db, api, i18n, logger } = deps;
  const textsFor = (locale: string) => ({
    t: (key: string, variables?: Record<string, string | number>) => i18n.t(locale, key, variables),
  });
  const edit = async (preview: StylePreview, text: string, reply_markup: ReturnType<typeof sourceKeyboard>) => {
    try {
      await api.editMessageText(preview.chatId, preview.messageId, text, { reply_markup });
    } catch (err) {
      // The seller still has the draft's buttons (or a new photo); nothing is lost.
      logger.warn({ reason: describeBotApiError(err), preview_id: preview.id }, 'could not show the style preview');
    }
  };
  return {
    async ready(preview, styles) {
      const texts = textsFor(preview.locale);
      const balance = (await findUserById(db, preview.userId))?.balance ?? 0;
      const text = confirmText(texts, { styles, ratio: preview.aspectRatio, balance });
      await edit(preview, text, confirmKeyboard(texts, preview.draftId));
    },
    async failed(preview, err) {
      const texts = textsFor(preview.locale);
      const reason = failureText(err);
      const text = reason ? texts.t(reason.key, reason.variables) : texts.t('preview-failed');
      await edit(preview, text, sourceKeyboard(texts, preview.draftId));
    },
  };
}
