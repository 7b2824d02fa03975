import sharp from 'sharp';
import type { ComplianceRuleName, DimensionRule, ImageFormat, MarketplacePreset } from './marketplace-presets.js';
import { foregroundBox } from './pixel-box.js';

/**
 * Pixels of the frame's border band read for background purity: a few pixels deep, so one
 * anti-aliased row does not decide it and a product touching the edge shows.
 */
export const BORDER_BAND_PX = 4;
/**
 * How far from white (per channel, after flattening onto white) a pixel must be to count as
 * product: JPEG leaves near-white noise next to a product's edge, not a part of it.
 */
export const PRODUCT_TOLERANCE = 10;

interface Check<R extends ComplianceRuleName, M, Q> {
  rule: R;
  ok: boolean;
  /** The marketplace recommends this rather than enforces it: a miss is no failure. */
  advisory: boolean;
  measured: M;
  required: Q;
}

export type ComplianceCheck =
  | Check<'ratio', { width: number; height: number; ratio: number }, readonly [number, number]>
  | Check<'dimensions', { width: number; height: number }, DimensionRule>
  | Check<'format', string, readonly ImageFormat[]>
  | Check<'colour-space', { space: string; profile: string | null }, 'srgb'>
  | Check<'transparency', { hasAlpha: boolean; transparentPixels: number }, 'opaque'>
  | Check<'file-size', number, number>
  | Check<'background', number, number>
  | Check<'fill', { width: number; height: number; fill: number }, number>;

type WithoutAdvisory<C> = C extends unknown ? Omit<C, 'advisory'> : never;

export interface ComplianceReport {
  /** Every rule the marketplace enforces holds (advisory misses do not count). */
  ok: boolean;
  checks: ComplianceCheck[];
  image: { width: number; height: number; format: string; bytes: number };
}

/**
 * What a marketplace image's checks found, as kept with it until it is shown: the preset,
 * the report, and what the compose step did to get there.
 */
export interface ComplianceSummary extends ComplianceReport {
  preset: string;
  /** The render was smaller than the delivered size and enlarged. */
  upscaled: boolean;
  /** The render's own size. */
  rendered: { width: number; height: number };
  /** The first render failed a rule (or had no product) and was rendered once more. */
  rerendered: boolean;
}

/**
 * Checks an encoded image against a marketplace preset, measuring what the marketplace reads:
 * size and ratio, format, colour space, transparency, file size, the white of the border band
 * and the product's bounding box. Returns data, one entry per rule the preset sets, for the
 * caller to word in the seller's language.
 */
export async function checkCompliance(file: Buffer, preset: MarketplacePreset): Promise<ComplianceReport> {
  const meta = await sharp(file).metadata();
  const { width = 0, height = 0, format = 'unknown' } = meta;
  const checks: ComplianceCheck[] = [];
  const add = (check: WithoutAdvisory<ComplianceCheck>) =>
    checks.push({ ...check, advisory: preset.advisory.includes(check.rule) } as ComplianceCheck);

  if (preset.ratio) {
    const [a, b] = preset.ratio;
    // Within a pixel: 1201x1600 is 3:4 for any marketplace, 1210x1600 is not.
    const ok = Math.abs(width * b - height * a) <= Math.max(a, b);
    add({ rule: 'ratio', ok, measured: { width, height, ratio: width / height }, required: preset.ratio });
  }
  if (Object.keys(preset.dimensions).length > 0) {
    const ok = meetsDimensions(width, height, preset.dimensions);
    add({ rule: 'dimensions', ok, measured: { width, height }, required: preset.dimensions });
  }
  if (preset.formats) {
    const ok = (preset.formats as readonly string[]).includes(format);
    add({ rule: 'format', ok, measured: format, required: preset.formats });
  }
  if (preset.srgb) {
    const profile = meta.icc ? iccDescription(meta.icc) : null;
    const space = meta.space ?? 'unknown';
    const ok = space === 'srgb' && (profile === null || /srgb/i.test(profile));
    add({ rule: 'colour-space', ok, measured: { space, profile }, required: 'srgb' });
  }
  if (preset.maxBytes !== null) {
    add({ rule: 'file-size', ok: file.length <= preset.maxBytes, measured: file.length, required: preset.maxBytes });
  }

  if (!preset.transparencyAllowed || preset.whiteBackground || preset.productFill) {
    const pixels = await measurePixels(file, meta.hasAlpha === true);
    if (!preset.transparencyAllowed) {
      const { transparentPixels } = pixels;
      const measured = { hasAlpha: meta.hasAlpha === true, transparentPixels };
      add({ rule: 'transparency', ok: transparentPixels === 0, measured, required: 'opaque' });
    }
    if (preset.whiteBackground) {
      const { minBorderShare } = preset.whiteBackground;
      const ok = pixels.borderWhite >= minBorderShare;
      add({ rule: 'background', ok, measured: pixels.borderWhite, required: minBorderShare });
    }
    if (preset.productFill) {
      const { min } = preset.productFill;
      add({ rule: 'fill', ok: pixels.fill.fill >= min, measured: pixels.fill, required: min });
    }
  }

  const ok = checks.every((check) => check.ok || check.advisory);
  return { ok, checks, image: { width, height, format, bytes: file.length } };
}

function meetsDimensions(width: number, height: number, rule: DimensionRule): boolean {
  const longest = Math.max(width, height);
  const shortest = Math.min(width, height);
  return (
    longest >= (rule.minLongestSide ?? 0) &&
    shortest >= (rule.minShortestSide ?? 0) &&
    width >= (rule.minWidth ?? 0) &&
    height >= (rule.minHeight ?? 0) &&
    longest <= (rule.maxSide ?? Number.POSITIVE_INFINITY) &&
    width * height <= (rule.maxPixels ?? Number.POSITIVE_INFINITY)
  );
}

/**
 * One decode to sRGB RGBA serves every pixel rule: transparent pixels, the share of the
 * border band that is opaque RGB 255,255,255 exactly, and the product's bounding box (pixels
 * that, flattened onto white, differ from it by more than PRODUCT_TOLERANCE) as shares of
 * the frame's width and height. The whole-frame passes run in libvips (its thread pool, not
 * the event loop); JavaScript reads only the border band.
 */
async function measurePixels(file: Buffer, hasAlpha: boolean) {
  const { data, info } = await sharp(file)
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const raw = { raw: { width, height, channels: 4 as const } };
  // Counted in JavaScript only for a file with an alpha channel (ours are opaque JPEGs).
  const transparentPixels = hasAlpha ? countTransparent(data) : 0;
  // Per channel, flattened onto white: 255 within the tolerance of white, 0 (product) past it.
  const mask = await sharp(data, raw)
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .threshold(255 - PRODUCT_TOLERANCE, { greyscale: false })
    .raw()
    .toBuffer();
  const box = await foregroundBox(mask, { width, height, channels: 3, background: 255, threshold: 1 });
  const band = Math.min(BORDER_BAND_PX, Math.floor(Math.min(width, height) / 2));
  let borderPixels = 0;
  let borderWhite = 0;
  const visit = (x: number, y: number) => {
    const i = (y * width + x) * 4;
    borderPixels++;
    if (data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255 && data[i + 3] === 255) borderWhite++;
  };
  for (let y = 0; y < height; y++) {
    if (y < band || y >= height - band) {
      for (let x = 0; x < width; x++) visit(x, y);
    } else {
      for (let x = 0; x < band; x++) visit(x, y);
      for (let x = Math.max(band, width - band); x < width; x++) visit(x, y);
    }
  }
  const boxWidth = box ? box.width / width : 0;
  const boxHeight = box ? box.height / height : 0;
  return {
    transparentPixels,
    borderWhite: borderPixels > 0 ? borderWhite / borderPixels : 0,
    fill: { width: boxWidth, height: boxHeight, fill: Math.max(boxWidth, boxHeight) },
  };
}

function countTransparent(rgba: Buffer): number {
  let count = 0;
  for (let i = 3; i < rgba.length; i += 4) if ((rgba[i] ?? 0) < 255) count++;
  return count;
}

/**
 * The description of an embedded ICC profile ("sRGB IEC61966-2.1", libvips' "sP3C"): sharp
 * names the colour space of the pixels, not the profile, so a wide-gamut RGB file reads as
 * srgb. Reads the v2 `desc` and v4 `mluc` tag types; anything malformed reads as none.
 */
export function iccDescription(icc: Buffer): string | null {
  try {
    const count = icc.readUInt32BE(128);
    for (let i = 0; i < count; i++) {
      const entry = 132 + i * 12;
      if (icc.toString('latin1', entry, entry + 4) !== 'desc') continue;
      const start = icc.readUInt32BE(entry + 4);
      const tag = icc.subarray(start, start + icc.readUInt32BE(entry + 8));
      const type = tag.toString('latin1', 0, 4);
      if (type === 'desc') return tag.toString('latin1', 12, 12 + tag.readUInt32BE(8)).replace(/\0+$/, '');
      if (type === 'mluc') {
        const length = tag.readUInt32BE(20);
        const offset = tag.readUInt32BE(24);
        return Buffer.from(tag.subarray(offset, offset + length))
          .swap16()
          .toString('utf16le');
      }
      return null;
    }
    return null;
  } catch {
    return null;
  }
}
