import type { StyleChoice } from '../../services/prompts.js';
import type { Texts } from '../keyboards/photoshoot-setup.js';
import { styleList } from './style-list.js';

/** The confirm step's text: the styles, the ratio, the balance (and the photos of a batch). */
export function confirmText(
  texts: Texts & { t(key: string, variables: Record<string, string | number>): string },
  draft: { styles: readonly StyleChoice[]; ratio: string; balance: number; photos?: number },
): string {
  const names = draft.styles.map((s) => s.name);
  const styles = styleList(texts, names);
  const { ratio, balance, photos = 1 } = draft;
  return photos > 1
    ? texts.t('confirm-batch', { styles, ratio, photos, balance })
    : texts.t('confirm', { styles, ratio, balance });
}
