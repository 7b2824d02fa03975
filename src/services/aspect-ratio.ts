export const ASPECT_RATIOS = ['1:1', '3:4', '4:3', '16:9', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

/** Sizes the image model renders; each ratio is rendered at the nearest and cropped to exact. */
const MODEL_SIZES = {
  square: { width: 1024, height: 1024 },
  portrait: { width: 1024, height: 1536 },
  landscape: { width: 1536, height: 1024 },
} as const;

function parts(ratio: AspectRatio): [number, number] {
  const [a, b] = ratio.split(':').map(Number);
  return [a ?? 1, b ?? 1];
}

/** The model size to ask for, and the exact-ratio size (the largest that fits) to crop to. */
export function renderSize(ratio: AspectRatio) {
  const [a, b] = parts(ratio);
  const model = a === b ? MODEL_SIZES.square : a < b ? MODEL_SIZES.portrait : MODEL_SIZES.landscape;
  const k = Math.min(Math.floor(model.width / a), Math.floor(model.height / b));
  return { model, exact: { width: k * a, height: k * b } };
}
