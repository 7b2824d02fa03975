import type { Draft } from '../../db/drafts.js';
import type { StyleChoice } from '../../services/prompts.js';
import { confirmKeyboard, type Texts } from '../keyboards/photoshoot-setup.js';
import { presetName } from './compliance.js';
import { styleList } from './style-list.js';

type Translate = Texts & { t(key: string, variables: Record<string, string | number>): string };

/** The confirm step's text: the styles, the ratio, the balance (and the photos of a batch). */
export function confirmText(
  texts: Translate,
  draft: { styles: readonly StyleChoice[]; ratio: string; balance: number; photos?: number },
): string {
  const names = draft.styles.map((s) => s.name);
  const styles = styleList(texts, names);
  const { ratio, balance, photos = 1 } = draft;
  return photos > 1
    ? texts.t('confirm-batch', { styles, ratio, photos, balance })
    : texts.t('confirm', { styles, ratio, balance });
}

/**
 * A set-up draft's confirm step, the same wherever it is shown (the set-up, the style preview,
 * "Continue" after a payment): its text, and Generate, or "Buy photoshoots" when the balance
 * does not cover it (a batch costs one photoshoot per photo), with the styles' examples when
 * they have some.
 */
export function confirmStep(
  texts: Translate,
  draft: Pick<Draft, 'id' | 'styleSource' | 'aspectRatio' | 'photos'> &
    Partial<Pick<Draft, 'marketplace'>> & { styles: readonly StyleChoice[] },
  balance: number,
) {
  const { styles } = draft;
  const photos = draft.photos.length;
  const aspect = draft.aspectRatio ?? '1:1';
  // For a marketplace: "1:1 for Amazon main image".
  const ratio = draft.marketplace
    ? texts.t('marketplace-confirm-ratio', { ratio: aspect, preset: presetName(texts, draft.marketplace) })
    : aspect;
  return {
    text: confirmText(texts, { styles, ratio, balance, photos }),
    reply_markup: confirmKeyboard(texts, draft.id, {
      affordable: balance >= Math.max(1, photos),
      // Catalogue styles have example pictures in the gallery.
      examples: styles.some((style) => style.key !== undefined),
    }),
  };
}
