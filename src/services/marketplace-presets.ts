import { type AspectRatio, ratioParts } from './aspect-ratio.js';

/**
 * Where a photoshoot's images will be uploaded, and the rules each marketplace sets for them.
 * One row per preset; a new marketplace is a new row. Sources: the "Marketplaces" table of
 * CONTRACTS.md (the marketplaces' seller help, via secondary guides where it says so) and the
 * presets table of the marketplace-ready output issue, which is stricter where they differ
 * (Amazon's 1600 px, the delivered sizes).
 */

/** The checks a preset can set; image-compliance.ts measures each of them. */
export type ComplianceRuleName =
  | 'ratio'
  | 'dimensions'
  | 'format'
  | 'colour-space'
  | 'transparency'
  | 'file-size'
  | 'background'
  | 'fill';

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'tiff' | 'webp';

/** Pixel limits of the delivered file; an absent field sets no limit. */
export interface DimensionRule {
  minLongestSide?: number;
  minShortestSide?: number;
  minWidth?: number;
  minHeight?: number;
  maxSide?: number;
  maxPixels?: number;
}

/** The size the compose step delivers: exact, a side scaled to, or the render as it is. */
export type DeliverySize =
  | { kind: 'exact'; width: number; height: number }
  | { kind: 'longest-side'; px: number }
  | { kind: 'shortest-side'; px: number }
  | { kind: 'as-rendered' };

/** The encoding delivered: JPEG at quality >= 90 without chroma subsampling, or PNG. */
export type DeliveryFormat = { format: 'jpeg'; quality: number; chromaSubsampling: '4:4:4' } | { format: 'png' };

export interface MarketplacePreset {
  key: MarketplacePresetKey;
  /** Width:height the file must have (within a pixel), or none. */
  ratio: readonly [number, number] | null;
  /**
   * The aspect ratio a photoshoot for this marketplace is made in (the seller picks the preset
   * instead of a ratio): the required one, else the shape the marketplace shows listings in.
   */
  photoshootRatio: AspectRatio | null;
  dimensions: DimensionRule;
  deliverSize: DeliverySize;
  /** Formats the marketplace accepts; null: any. */
  formats: readonly ImageFormat[] | null;
  deliverFormat: DeliveryFormat;
  /** The file must be sRGB (no CMYK, greyscale or wide-gamut profile). */
  srgb: boolean;
  transparencyAllowed: boolean;
  maxBytes: number | null;
  /** Pure RGB 255,255,255 around the product, measured on the frame's border band. */
  whiteBackground: { minBorderShare: number } | null;
  /** The product's bounding box against the frame (the larger of width and height share). */
  productFill: { min: number; composeTarget: number } | null;
  /** Lifestyle scenes allowed; main-image presets force a plain background. */
  lifestyleStyles: boolean;
  /** Rules the marketplace recommends rather than enforces: a miss is reported, not failed. */
  advisory: readonly ComplianceRuleName[];
}

export const MARKETPLACE_PRESET_KEYS = [
  'amazon-main',
  'wildberries',
  'ozon',
  'etsy',
  'shopify',
  'ebay',
  'free',
] as const;
export type MarketplacePresetKey = (typeof MARKETPLACE_PRESET_KEYS)[number];

const MB = 1024 * 1024;
const JPEG: DeliveryFormat = { format: 'jpeg', quality: 92, chromaSubsampling: '4:4:4' };

const BASE = {
  ratio: null,
  photoshootRatio: null,
  dimensions: {},
  deliverSize: { kind: 'as-rendered' },
  formats: ['jpeg', 'png'],
  deliverFormat: JPEG,
  srgb: true,
  transparencyAllowed: false,
  maxBytes: null,
  whiteBackground: null,
  productFill: null,
  lifestyleStyles: true,
  advisory: [],
} satisfies Omit<MarketplacePreset, 'key'>;

export const MARKETPLACE_PRESETS: Readonly<Record<MarketplacePresetKey, MarketplacePreset>> = {
  // Issue: pure white, product >= 85% (composed at 87%), square, longest side >= 1600, 2000
  // delivered, JPEG (or PNG), sRGB, no transparency. CONTRACTS.md: also TIFF/GIF, no WebP.
  // The 0.99 border share lets the product touch the frame at a point; the band is otherwise 255.
  'amazon-main': {
    ...BASE,
    key: 'amazon-main',
    photoshootRatio: '1:1',
    ratio: [1, 1],
    dimensions: { minLongestSide: 1600 },
    deliverSize: { kind: 'exact', width: 2000, height: 2000 },
    formats: ['jpeg', 'png', 'tiff', 'gif'],
    whiteBackground: { minBorderShare: 0.99 },
    productFill: { min: 0.85, composeTarget: 0.87 },
    lifestyleStyles: false,
  },
  // Issue and CONTRACTS.md: vertical 3:4, >= 900x1200 (1200x1600 delivered), <= 8000 px a side, JPG/PNG, sRGB.
  wildberries: {
    ...BASE,
    key: 'wildberries',
    photoshootRatio: '3:4',
    ratio: [3, 4],
    dimensions: { minWidth: 900, minHeight: 1200, maxSide: 8000 },
    deliverSize: { kind: 'exact', width: 1200, height: 1600 },
  },
  // Issue: 3:4 shown in full, 1200x1600 delivered, JPG/PNG. CONTRACTS.md: other limits vary by source.
  ozon: {
    ...BASE,
    key: 'ozon',
    photoshootRatio: '3:4',
    ratio: [3, 4],
    deliverSize: { kind: 'exact', width: 1200, height: 1600 },
  },
  // Issue and CONTRACTS.md: shortest side >= 2000; made 4:3, the shape Etsy's listing thumbnails show; recommended (first photo >= 635), JPG/PNG/GIF,
  // transparency renders black, under 1 MB where possible (larger files may not upload).
  etsy: {
    ...BASE,
    key: 'etsy',
    photoshootRatio: '4:3',
    dimensions: { minShortestSide: 2000 },
    deliverSize: { kind: 'shortest-side', px: 2000 },
    formats: ['jpeg', 'png', 'gif'],
    maxBytes: 1 * MB,
    advisory: ['dimensions', 'file-size'],
  },
  // Issue: square 2048x2048, JPG/PNG, under 20 MB. CONTRACTS.md: up to 4472x4472 or 20 MP.
  shopify: {
    ...BASE,
    key: 'shopify',
    photoshootRatio: '1:1',
    ratio: [1, 1],
    dimensions: { maxSide: 4472, maxPixels: 20_000_000 },
    deliverSize: { kind: 'exact', width: 2048, height: 2048 },
    maxBytes: 20 * MB,
  },
  // Issue: longest side >= 1600 (CONTRACTS.md: >= 500, 1600 recommended); no borders, text or
  // watermarks; made square, the shape of eBay's gallery.
  ebay: {
    ...BASE,
    key: 'ebay',
    photoshootRatio: '1:1',
    dimensions: { minLongestSide: 1600 },
    deliverSize: { kind: 'longest-side', px: 1600 },
  },
  // Today's behaviour: the chosen aspect ratio, PNG as rendered, no marketplace rule.
  free: {
    ...BASE,
    key: 'free',
    formats: null,
    deliverFormat: { format: 'png' },
    srgb: false,
    transparencyAllowed: true,
  },
};

export const isMarketplacePresetKey = (value: string): value is MarketplacePresetKey =>
  (MARKETPLACE_PRESET_KEYS as readonly string[]).includes(value);

/** The preset a stored key names; null, an unknown key and 'free' all mean no marketplace rule. */
export function marketplacePreset(key: string | null | undefined): MarketplacePreset | null {
  return key && key !== 'free' && isMarketplacePresetKey(key) ? MARKETPLACE_PRESETS[key] : null;
}

/**
 * The exact size a preset's file is delivered at for a photoshoot of `ratio`: the preset's own
 * size, or the ratio scaled so its longest or shortest side is the preset's; null: as rendered.
 */
export function deliveryFrame(preset: MarketplacePreset, ratio: AspectRatio): { width: number; height: number } | null {
  const size = preset.deliverSize;
  if (size.kind === 'exact') return { width: size.width, height: size.height };
  if (size.kind === 'as-rendered') return null;
  const [a, b] = ratioParts(ratio);
  const side = size.kind === 'longest-side' ? Math.max(a, b) : Math.min(a, b);
  return { width: Math.round((size.px * a) / side), height: Math.round((size.px * b) / side) };
}
