import { InlineKeyboard } from 'grammy';
import { ASPECT_RATIOS } from '../../services/aspect-ratio.js';
import { MARKETPLACE_PRESET_KEYS, type MarketplacePreset } from '../../services/marketplace-presets.js';
import {
  backData,
  examplesData,
  galleryData,
  generateData,
  marketplaceData,
  marketplacesData,
  ratioData,
  savedData,
  sourceData,
  toRatioCode,
} from '../callback-data/photoshoot.js';
import { buyKeyboard } from './buy.js';

/** Texts in the reader's language: an update's context, or a translator bound to a locale. */
export interface Texts {
  t(key: string): string;
}

/** The first step of a draft: one button per aspect ratio, or a marketplace (which sets the ratio). */
export const ratioKeyboard = (ctx: Texts, draftId: number) =>
  InlineKeyboard.from([
    ASPECT_RATIOS.map((r) => InlineKeyboard.text(r, ratioData.pack({ draft: draftId, ratio: toRatioCode(r) }))),
    [InlineKeyboard.text(ctx.t('button-marketplace'), marketplacesData.pack({ draft: draftId }))],
  ]);

/** The marketplace presets, two a row, and back to the ratios. */
export function marketplaceKeyboard(ctx: Texts, draftId: number) {
  const keyboard = new InlineKeyboard();
  const presets = MARKETPLACE_PRESET_KEYS.filter((key) => key !== 'free');
  for (const [index, preset] of presets.entries()) {
    keyboard.text(ctx.t(`marketplace-${preset}`), marketplaceData.pack({ draft: draftId, preset }));
    if (index % 2 === 1) keyboard.row();
  }
  return keyboard.row().text(ctx.t('button-back'), backData.pack({ draft: draftId, to: 'ratio' }));
}

/**
 * Where the styles come from: the product's analysis, random creative styles, or a saved style;
 * for a marketplace, packshots on white first, and only those for a main-image preset.
 */
export function sourceKeyboard(ctx: Texts, draftId: number, preset: MarketplacePreset | null = null) {
  const keyboard = new InlineKeyboard();
  if (preset) keyboard.text(ctx.t('source-packshot'), sourceData.pack({ draft: draftId, source: 'packshot' })).row();
  if (preset && !preset.lifestyleStyles) {
    return keyboard.text(ctx.t('button-back'), backData.pack({ draft: draftId, to: 'ratio' }));
  }
  return keyboard
    .text(ctx.t('source-analysis'), sourceData.pack({ draft: draftId, source: 'analysis' }))
    .row()
    .text(ctx.t('source-random'), sourceData.pack({ draft: draftId, source: 'random' }))
    .row()
    .text(ctx.t('source-saved'), sourceData.pack({ draft: draftId, source: 'saved' }))
    .row()
    .text(ctx.t('gallery-button'), galleryData.pack({}))
    .row()
    .text(ctx.t('button-back'), backData.pack({ draft: draftId, to: 'ratio' }));
}

/** The seller's saved styles, one a row, and the way back to the style source. */
export function savedStylesKeyboard(ctx: Texts, draftId: number, saved: readonly { name: string; slot: number }[]) {
  const keyboard = new InlineKeyboard();
  for (const style of saved) keyboard.text(style.name, savedData.pack({ draft: draftId, slot: style.slot })).row();
  return keyboard.text(ctx.t('button-back'), backData.pack({ draft: draftId, to: 'source' }));
}

/**
 * Generate (which charges), or Buy when the balance does not cover it; `examples`: a row showing
 * the chosen styles' examples; and back to the style source.
 */
export function confirmKeyboard(ctx: Texts, draftId: number, { affordable = true, examples = false } = {}) {
  const keyboard = affordable
    ? new InlineKeyboard().text(ctx.t('button-generate'), generateData.pack({ draft: draftId }))
    : buyKeyboard(ctx);
  keyboard.row();
  if (examples) keyboard.text(ctx.t('gallery-examples-button'), examplesData.pack({ draft: draftId })).row();
  return keyboard.text(ctx.t('button-back'), backData.pack({ draft: draftId, to: 'source' }));
}
