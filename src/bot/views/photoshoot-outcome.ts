import type { ProcessedImage, RenderedImage } from '../../db/processed-images.js';
import type { Settlement } from '../../db/settlement.js';
import { presetName } from './compliance.js';

type T = (key: string, variables?: Record<string, string | number>) => string;

/** Images delivered now or by an earlier attempt whose file did not pass its marketplace's rules. */
export function offRulesOf(images: readonly ProcessedImage[], rendered: readonly RenderedImage[]): number {
  const now = new Map(rendered.map((r) => [r.id, r.compliance]));
  return images.filter((image) => {
    const compliance = now.has(image.id) ? now.get(image.id) : image.status === 'done' ? image.compliance : null;
    return compliance?.ok === false;
  }).length;
}

/**
 * The final text of a photoshoot that ended normally, and how many styles its free retry
 * would make (the result keyboard's count). A marketplace file delivered off its rules counts
 * as not made: it is not charged, and retried free when the rest of the photoshoot was charged
 * (with nothing charged, there is no free retry; the result-offer rule is the same).
 */
export function outcomeText(
  texts: { t: T },
  outcome: {
    images: readonly ProcessedImage[];
    ready: readonly RenderedImage[];
    delivered: number;
    settlement: Settlement;
    /** What a busy service said, when nothing was delivered because of it. */
    busy?: { key: string; variables?: Record<string, string | number> } | undefined;
  },
  marketplace: string | null,
): { text: string; failed: number } {
  const { t } = texts;
  const { images, delivered, settlement, busy } = outcome;
  const total = images.length;
  const offRules = offRulesOf(images, outcome.ready);
  const passed = delivered - offRules;
  const charged = settlement === 'committed';
  // Nothing charged (the credit went back, or its order was refunded): no free retry on top.
  const released = settlement === 'released' || settlement === 'forfeited';
  const failed = released ? 0 : total - delivered + (charged ? offRules : 0);
  const preset = marketplace ? presetName(texts, marketplace) : undefined;
  let text: string;
  if (passed === total) {
    text = preset ? t('marketplace-done', { count: passed, preset }) : t('progress-done', { count: passed });
  } else if (passed > 0) {
    text = t('progress-partial', { delivered: passed, total, failed: total - passed });
  } else if (delivered > 0) {
    text = '';
  } else {
    text = busy ? t(busy.key, busy.variables) : t('progress-failed');
  }
  if (preset && offRules > 0) {
    // 'free': a photoshoot that cost nothing (a free retry); 'no': none passed, the credit went back.
    const cost = charged ? 'yes' : released ? 'no' : 'free';
    const line = t('marketplace-off-rules', { count: offRules, preset, charged: cost });
    text = text ? `${text}\n\n${line}` : line;
  }
  return { text, failed };
}

/** Styles delivered now or by an earlier attempt, by position. */
export function deliveredStyles(images: readonly ProcessedImage[], rendered: readonly { id: number }[]) {
  const now = new Set(rendered.map((r) => r.id));
  return images
    .filter((image) => image.status === 'done' || now.has(image.id))
    .map((image) => ({ position: image.position, name: image.style }));
}

/** The final text under a line naming the product, when the run knows its name in the seller's language. */
export function withProduct(t: T, text: string, product: string | undefined): string {
  return product ? `${t('result-product', { product })}\n${text}` : text;
}
