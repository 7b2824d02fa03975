import { z } from 'zod';
import { ASPECT_RATIOS, type AspectRatio } from '../../services/aspect-ratio.js';
import { MARKETPLACE_PRESET_KEYS } from '../../services/marketplace-presets.js';
import { createCallbackData, rowId } from './codec.js';

const id = rowId;
/** An aspect ratio in a payload: "3x4", since ':' separates the values. */
const ratioCode = z.enum(ASPECT_RATIOS.map((r) => r.replace(':', 'x')) as [string, ...string[]]);

/** The payload form of an aspect ratio. */
export const toRatioCode = (ratio: AspectRatio) => ratio.replace(':', 'x');
/** The aspect ratio a payload's ratio code stands for. */
export const toRatio = (code: string) => code.replace('x', ':') as AspectRatio;

// The set-up of a draft: ratio -> style source (-> a saved style) -> confirm -> Generate.
export const ratioData = createCallbackData('ps-ratio', { draft: id, ratio: ratioCode });
export const sourceData = createCallbackData('ps-src', {
  draft: id,
  source: z.enum(['analysis', 'random', 'saved', 'packshot']),
});
// A marketplace instead of a ratio: the list of presets, and one chosen.
export const marketplacesData = createCallbackData('ps-mkts', { draft: id });
export const marketplaceData = createCallbackData('ps-mkt', {
  draft: id,
  preset: z.enum(MARKETPLACE_PRESET_KEYS.filter((key) => key !== 'free') as [string, ...string[]]),
});
export const savedData = createCallbackData('ps-saved', { draft: id, slot: z.coerce.number().int().min(1).max(4) });
export const backData = createCallbackData('ps-back', { draft: id, to: z.enum(['ratio', 'source']) });
export const generateData = createCallbackData('ps-go', { draft: id });
// The style gallery (every catalogue style's example) and the examples of a draft's chosen styles.
export const galleryData = createCallbackData('ps-gallery', {});
export const examplesData = createCallbackData('ps-examples', { draft: id });
/** A time in a payload: Unix seconds (0: none). */
const unixSeconds = z.coerce
  .number()
  .int()
  .min(0)
  .max(2 ** 40);
/** "Analyse again" under a style preview a busy service stopped: not before `at`. */
export const reanalyseData = createCallbackData('ps-reprev', { draft: id, at: unixSeconds });
/** Back to a set-up draft's confirm step (after a payment). */
export const continueData = createCallbackData('ps-cont', { draft: id });

// The buttons under a finished photoshoot.
export const againData = createCallbackData('ps-again', { job: id });
export const otherData = createCallbackData('ps-other', { job: id });
export const retryData = createCallbackData('ps-retry', { job: id });
const position = z.coerce.number().int().min(0).max(9);
export const saveData = createCallbackData('ps-save', { job: id, position });
export const keepNameData = createCallbackData('ps-keep', { job: id, position });
// Under a photoshoot that delivered nothing: the same photo and choices again, not before `at`
// (Unix seconds; 0: at once) when a service was busy.
export const tryAgainData = createCallbackData('ps-redo', { job: id, at: unixSeconds });
