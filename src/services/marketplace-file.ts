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
 * A render's pixels with its backdrop cut out, ready for composeOnWhite, or undefined when it
 * has no backdrop to cut: a cut-out render (at least MIN_WHITE_RING_SHARE of its outermost ring
 * transparent, alpha at most PRODUCT_ALPHA_THRESHOLD) as it is; otherwise (opaque, or a render
 * that ignored the transparent background and has only a little alpha noise) its near-white
 * backdrop reached from the edges, made transparent by the flood fill, when at least that share
 * of the ring was near-white.
 */
async function cutOutOf(input: Buffer): Promise<RawImage | undefined> {
  if ((await sharp(input).metadata()).hasAlpha === true) {
    const { data, info } = await sharp(input).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const { width, height } = info;
    let ring = 0;
    let clear = 0;
    forEachRingPixel(width, height, (x, y) => {
      ring++;
      if ((data[(y * width + x) * 4 + 3] ?? 255) <= PRODUCT_ALPHA_THRESHOLD) clear++;
    });
    if (clear >= MIN_WHITE_RING_SHARE * ring) return { data, info: { width, height, channels: 4 } };
  }
  const snapped = await snapNearWhiteBackground(input, { tolerance: SNAP_TOLERANCE, cutOut: true });
  return snapped.borderShare >= MIN_WHITE_RING_SHARE ? snapped : undefined;
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
  const fill = preset.productFill?.composeTarget;
  const cut = preset.whiteBackground && fill !== undefined ? await cutOutOf(input) : undefined;
  const pixels =
    cut && fill !== undefined ? await composeOnWhite(cut, { ...frame, fill }) : await fitToRatio(input, frame);
  const upscaled = 'scale' in pixels ? pixels.scale > 1 : pixels.upscaled;
  const { format } = preset.deliverFormat;
  const file = await encodeForMarketplace(pixels, { format });
  return { file, format, report: await checkCompliance(file, preset), upscaled, rendered };
}
