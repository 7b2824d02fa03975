export const ASPECT_RATIOS = ['1:1', '3:4', '4:3', '16:9', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** Sizes gpt-image models render (images.edit accepts only these and `auto`). */
const MODEL_SIZES = {
  square: { width: 1024, height: 1024 },
  portrait: { width: 1024, height: 1536 },
  landscape: { width: 1536, height: 1024 },
} as const;

export function ratioParts(ratio: AspectRatio): [number, number] {
  const [a, b] = ratio.split(':').map(Number);
  return [a ?? 1, b ?? 1];
}

/**
 * The smallest size of exactly `ratio` that holds a `width` x `height` image whole: the render
 * is padded out to it, never cropped, so a product near the edge of a 3:2 render of a 16:9
 * photoshoot is not cut off.
 */
export function paddedSize(width: number, height: number, ratio: AspectRatio) {
  const [a, b] = ratioParts(ratio);
  const k = Math.max(Math.ceil(width / a), Math.ceil(height / b));
  return { width: k * a, height: k * b };
}

/** The model size to ask for, and the exact-ratio size its render is padded out to. */
export function renderSize(ratio: AspectRatio) {
  const [a, b] = ratioParts(ratio);
  const model = a === b ? MODEL_SIZES.square : a < b ? MODEL_SIZES.portrait : MODEL_SIZES.landscape;
  return { model, exact: paddedSize(model.width, model.height, ratio) };
}
