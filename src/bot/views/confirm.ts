import type { Draft } from '../../db/drafts.js';
import type { StyleChoice } from '../../services/prompts.js';
import { confirmKeyboard, type Texts } from '../keyboards/photoshoot-setup.js';

type Translate = Texts & { t(key: string, variables: Record<string, string | number>): string };

/** The confirm step's text: the styles, the ratio, the balance (and the photos of a batch). */
export function confirmText(
  texts: Translate,
  draft: { styles: readonly StyleChoice[]; ratio: string; balance: number; photos?: number },
): string {
  const styles = draft.styles.map((s) => s.name).join(', ');
  const { ratio, balance, photos = 1 } = draft;
  return photos > 1
    ? texts.t('confirm-batch', { styles, ratio, photos, balance })
    : texts.t('confirm', { styles, ratio, balance });
}

/**
 * A set-up draft's confirm step, the same wherever it is shown (the set-up, the style preview,
 * "Continue" after a payment): its text, and Generate, or "Buy photoshoots" when the balance
 * does not cover it (a batch costs one photoshoot per photo).
 */
export function confirmStep(
  texts: Translate,
  draft: Pick<Draft, 'id' | 'styleSource' | 'aspectRatio' | 'photos'> & { styles: readonly StyleChoice[] },
  balance: number,
) {
  // A saved style is four variations of one style: named once.
  const styles = draft.styleSource === 'saved' ? draft.styles.slice(0, 1) : draft.styles;
  const photos = draft.photos.length;
  return {
    text: confirmText(texts, { styles, ratio: draft.aspectRatio ?? '1:1', balance, photos }),
    reply_markup: confirmKeyboard(texts, draft.id, { affordable: balance >= Math.max(1, photos) }),
  };
}
