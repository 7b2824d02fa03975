import sharp from 'sharp';
import type { AspectRatio } from './aspect-ratio.js';
import { type ComplianceReport, checkCompliance } from './image-compliance.js';
import {
  composeOnWhite,
  encodeForMarketplace,
  fitToRatio,
  PRODUCT_ALPHA_THRESHOLD,
  type RawImage,
  snapNearWhiteBackground,
} from './image-compose.js';
import { deliveryFrame, type MarketplacePreset } from './marketplace-presets.js';
import { forEachRingPixel } from './pixel-box.js';

/**
 * How far from white (per channel) a render's backdrop may be and still be snapped to pure
 * white: image models paint "white" as 245-255 with a faint vignette; a light product edge
 * is darker than that and stays.
 */
export const SNAP_TOLERANCE = 12;

/**
 * The share of a render's outermost ring that must be near-white (or, for a cut-out,
 * transparent) for its backdrop to count as such: below it the model painted another backdrop,
 * which no snapping makes white; the file is then delivered fitted, fails the background rule,
 * and is rendered again.
 */
export const MIN_WHITE_RING_SHARE = 0.5;

/** A file made for a marketplace, and what its checks found. */
export interface MarketplaceFile {
  file: Buffer;
  format: 'jpeg' | 'png';
  report: ComplianceReport;
  /** The render was smaller than the delivered size and enlarged (lanczos3). */
  upscaled: boolean;
  /** The render's own size. */
  rendered: { width: number; height: number };
}

/**
 * Whether a render is a cut-out: at least MIN_WHITE_RING_SHARE of its outermost ring
 * transparent (alpha at most PRODUCT_ALPHA_THRESHOLD). A render that ignored the transparent
 * background and has only a little alpha noise is treated as opaque (snapped), not trimmed
 * to a box that holds its whole backdrop.
 */
async function isCutOut(input: Buffer): Promise<boolean> {
  if ((await sharp(input).metadata()).hasAlpha !== true) return false;
  const { data, info } = await sharp(input).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  let ring = 0;
  let clear = 0;
  forEachRingPixel(width, height, (x, y) => {
    ring++;
    if ((data[(y * width + x) * 4 + 3] ?? 255) <= PRODUCT_ALPHA_THRESHOLD) clear++;
  });
  return clear >= MIN_WHITE_RING_SHARE * ring;
}

/**
 * A render made into the file a marketplace takes, deterministically:
 * - white-background presets: a cut-out render (transparent backdrop) is trimmed to the product
 *   and composed onto RGB 255 white at the preset's fill; an opaque render's near-white
 *   backdrop, reached from the edges, is cut out the same way (a flood fill: nothing inside the
 *   product is touched); a render whose backdrop is not white at all is fitted as it is, so
 *   its check fails and it is rendered again;
 * - other presets: fitted to the exact delivered size, padded with the render's own border
 *   colour, never cropped;
 * then encoded (JPEG q92 4:4:4 or PNG, sRGB, no metadata) and checked against the preset.
 */
export async function makeMarketplaceFile(
  input: Buffer,
  preset: MarketplacePreset,
  ratio: AspectRatio,
): Promise<MarketplaceFile> {
  const meta = await sharp(input).metadata();
  const rendered = { width: meta.width ?? 0, height: meta.pageHeight ?? meta.height ?? 0 };
  const frame = deliveryFrame(preset, ratio) ?? rendered;
  let pixels: RawImage;
  let upscaled: boolean;
  const fill = preset.productFill?.composeTarget;
  if (preset.whiteBackground && fill !== undefined) {
    let cut: Buffer | RawImage | undefined = (await isCutOut(input)) ? input : undefined;
    if (!cut) {
      const snapped = await snapNearWhiteBackground(input, { tolerance: SNAP_TOLERANCE, cutOut: true });
      if (snapped.borderShare >= MIN_WHITE_RING_SHARE) cut = snapped;
    }
    if (cut) {
      const composed = await composeOnWhite(cut, { ...frame, fill });
      pixels = composed;
      upscaled = composed.scale > 1;
    } else {
      const fitted = await fitToRatio(input, frame);
      pixels = fitted;
      upscaled = fitted.upscaled;
    }
  } else {
    const fitted = await fitToRatio(input, frame);
    pixels = fitted;
    upscaled = fitted.upscaled;
  }
  const { format } = preset.deliverFormat;
  const file = await encodeForMarketplace(pixels, { format });
  return { file, format, report: await checkCompliance(file, preset), upscaled, rendered };
}
