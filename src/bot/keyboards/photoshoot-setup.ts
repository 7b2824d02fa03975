import { InlineKeyboard } from 'grammy';
import { ASPECT_RATIOS } from '../../services/aspect-ratio.js';
import {
  backData,
  examplesData,
  galleryData,
  generateData,
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

/** The first step of a draft: one button per aspect ratio. */
export const ratioKeyboard = (draftId: number) =>
  InlineKeyboard.from([
    ASPECT_RATIOS.map((r) => InlineKeyboard.text(r, ratioData.pack({ draft: draftId, ratio: toRatioCode(r) }))),
  ]);

/** Where the styles come from: the product's analysis, random creative styles, or a saved style. */
export const sourceKeyboard = (ctx: Texts, draftId: number) =>
  new InlineKeyboard()
    .text(ctx.t('source-analysis'), sourceData.pack({ draft: draftId, source: 'analysis' }))
    .row()
    .text(ctx.t('source-random'), sourceData.pack({ draft: draftId, source: 'random' }))
    .row()
    .text(ctx.t('source-saved'), sourceData.pack({ draft: draftId, source: 'saved' }))
    .row()
    .text(ctx.t('gallery-button'), galleryData.pack({}))
    .row()
    .text(ctx.t('button-back'), backData.pack({ draft: draftId, to: 'ratio' }));

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
