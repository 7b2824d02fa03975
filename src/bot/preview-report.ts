import { type Api, InlineKeyboard } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Pool } from '../db/client.js';
import { findDraft } from '../db/drafts.js';
import type { StylePreview } from '../db/previews.js';
import { findUserById } from '../db/users.js';
import type { Logger } from '../logger.js';
import type { PreviewReporter } from '../photoshoot/preview.js';
import { retryAt } from './busy-wait.js';
import { reanalyseData, sourceData } from './callback-data/photoshoot.js';
import type { Texts } from './keyboards/photoshoot-setup.js';
import type { Translator } from './photoshoot-report.js';
import { describeBotApiError } from './telegram-error.js';
import { confirmStep } from './views/confirm.js';
import { failureText } from './views/failures.js';

/**
 * Under a preview that failed (not for its photo): analyse again (once a busy service is tried
 * again, `retryInSeconds` from now), or take random or saved styles.
 */
const previewFailedKeyboard = (texts: Texts, draft: number, retryInSeconds = 0) =>
  new InlineKeyboard()
    .text(
      texts.t('button-analyse-again'),
      retryInSeconds > 0
        ? reanalyseData.pack({ draft, at: retryAt(retryInSeconds) })
        : sourceData.pack({ draft, source: 'analysis' }),
    )
    .row()
    .text(texts.t('source-random'), sourceData.pack({ draft, source: 'random' }))
    .row()
    .text(texts.t('source-saved'), sourceData.pack({ draft, source: 'saved' }));

/**
 * A style preview's end as the seller sees it: the "analysing" message becomes the confirm step
 * (the styles, the ratio, the balance, Generate or Buy), or, when the preview failed, the reason
 * and a way on: analyse again or other styles, or, when the photo is the problem, that a new
 * photo is needed. In the language the seller asked in.
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
  const edit = async (preview: StylePreview, text: string, reply_markup?: InlineKeyboardMarkup) => {
    try {
      await api.editMessageText(preview.chatId, preview.messageId, text, reply_markup ? { reply_markup } : {});
    } catch (err) {
      // The seller still has the draft's buttons (or a new photo); nothing is lost.
      logger.warn({ reason: describeBotApiError(err), preview_id: preview.id }, 'could not show the style preview');
    }
  };
  return {
    async ready(preview, styles) {
      const texts = textsFor(preview.locale);
      const balance = (await findUserById(db, preview.userId))?.balance ?? 0;
      const found = await findDraft(db, preview.draftId);
      const photos = found?.photos ?? [];
      const marketplace = found?.marketplace ?? null;
      const draft = {
        id: preview.draftId,
        styleSource: 'analysis' as const,
        aspectRatio: preview.aspectRatio,
        photos,
        marketplace,
      };
      const step = confirmStep(texts, { ...draft, styles }, balance);
      await edit(preview, step.text, step.reply_markup);
    },
    async failed(preview, err) {
      const texts = textsFor(preview.locale);
      const reason = failureText(err);
      if (reason?.photo) return edit(preview, `${texts.t(reason.key)}\n\n${texts.t('failure-new-photo')}`);
      const text = reason ? texts.t(reason.key, reason.variables) : texts.t('preview-failed');
      await edit(preview, text, previewFailedKeyboard(texts, preview.draftId, reason?.retryInSeconds));
    },
  };
}
