import { availableParallelism } from 'node:os';
import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import sharp, { type Metadata } from 'sharp';
import type { ImagesConfig } from '../config/index.js';
import { type AspectRatio, paddedSize } from './aspect-ratio.js';
import { ImageComposeError } from './image-compose.js';
import { type MarketplaceFile, makeMarketplaceFile } from './marketplace-file.js';
import type { MarketplacePreset } from './marketplace-presets.js';
import type { Metrics } from './metrics.js';

/** Formats a seller may send; anything else is refused before it is decoded. */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp'] as const;

export type ImageRejection =
  | 'not_an_image'
  | 'unsupported_format'
  | 'too_many_pixels'
  | 'corrupt'
  | 'unexpected_size'
  /** A cut-out render with no product in it: every pixel transparent. */
  | 'no_product';

/**
 * Sides a generated image may have: every model we serve renders 768 to 1536 px a side (gpt-image
 * 1024/1536, Gemini 768-1344), so anything far outside is a broken answer, not a photoshoot.
 */
export const RENDERED_SIDE = { min: 256, max: 4096 } as const;

/** Blur of the padding around a render: the edge colours smoothed into a plain backdrop. */
const PADDING_BLUR_SIGMA = 30;

/** An image we will not process, and why, in words a seller can be told. */
export class ImageRejectedError extends Error {
  override name = 'ImageRejectedError';
  constructor(
    readonly reason: ImageRejection,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Every conversion slot and queue place is taken. */
export class ConverterBusyError extends Error {
  override name = 'ConverterBusyError';
}

export interface NormalisedPhoto {
  data: Buffer;
  mime: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
}

export type ConverterConfig = Omit<ImagesConfig, 'maxPhotoBytes'>;

/**
 * Image work on sharp's asynchronous API (libuv's thread pool, never the event loop), behind
 * a bulkhead: at most CONVERTER_CONCURRENCY images at once, CONVERTER_QUEUE_LIMIT waiting,
 * the rest refused with ConverterBusyError rather than queued without bound.
 */
export function createImageConverter(config: ConverterConfig, metrics?: Metrics) {
  const concurrency = config.converterConcurrency || availableParallelism();
  const slots = bulkhead(concurrency, config.converterQueueLimit);
  const limitInputPixels = config.maxInputPixels;
  // sharp's operation cache is process-wide; keep it small so decoded images are not retained.
  sharp.cache({ memory: 32, files: 0, items: 32 });

  async function run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await slots.execute(work);
      metrics?.conversion(operation, 'ok', (performance.now() - started) / 1000);
      return result;
    } catch (err) {
      if (err instanceof ImageRejectedError)
        metrics?.conversion(operation, 'rejected', (performance.now() - started) / 1000);
      if (err instanceof BulkheadRejectedError) {
        throw new ConverterBusyError(`Image converter is full (${concurrency} running, queue full)`, { cause: err });
      }
      throw err;
    }
  }

  /** Reads only the header: format and size are checked before a single pixel is decoded. */
  async function inspect(input: Buffer) {
    let meta: Metadata;
    try {
      meta = await sharp(input, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw new ImageRejectedError('not_an_image', 'The file is not an image we can read', { cause: err });
    }
    if (!ACCEPTED_FORMATS.includes(meta.format as (typeof ACCEPTED_FORMATS)[number])) {
      throw new ImageRejectedError('unsupported_format', `Unsupported image format: ${meta.format ?? 'unknown'}`);
    }
    const width = meta.width ?? 0;
    const height = meta.pageHeight ?? meta.height ?? 0;
    if (width <= 0 || height <= 0) throw new ImageRejectedError('corrupt', 'The image has no size');
    if (width * height > limitInputPixels) {
      throw new ImageRejectedError(
        'too_many_pixels',
        `The image has ${width}x${height} pixels; the limit is ${limitInputPixels}`,
      );
    }
    return meta;
  }

  const decodeFailure = (err: unknown) =>
    err instanceof ImageRejectedError
      ? err
      : err instanceof ImageComposeError
        ? new ImageRejectedError('no_product', err.message, { cause: err })
        : new ImageRejectedError('corrupt', 'The image is damaged or incomplete', { cause: err });

  /** A generated image's header, checked: a wrong format or a size no model renders is refused before decoding. */
  async function inspectRendered(input: Buffer) {
    const meta = await inspect(input);
    const width = meta.width ?? 0;
    const height = meta.pageHeight ?? meta.height ?? 0;
    if (Math.min(width, height) < RENDERED_SIDE.min || Math.max(width, height) > RENDERED_SIDE.max) {
      throw new ImageRejectedError(
        'unexpected_size',
        `The image is ${width}x${height} pixels; a render has sides of ${RENDERED_SIDE.min} to ${RENDERED_SIDE.max}`,
      );
    }
    return { meta, width, height };
  }

  return {
    concurrency,
    /** Images being converted and waiting. */
    stats: () => ({ active: slots.executionSlots, queued: slots.queueSlots }),

    /**
     * A seller's photo made safe and uniform for the AI models: upright (EXIF), 8-bit sRGB
     * (CMYK and 16-bit converted), first frame only, long side at most NORMALISED_MAX_SIDE;
     * PNG when it has transparency, JPEG otherwise; metadata dropped.
     */
    normalise(input: Buffer): Promise<NormalisedPhoto> {
      return run('normalise', async () => {
        const meta = await inspect(input);
        try {
          const pipeline = sharp(input, { limitInputPixels, failOn: 'truncated', animated: false })
            .rotate()
            .resize(config.normalisedMaxSide, config.normalisedMaxSide, { fit: 'inside', withoutEnlargement: true })
            .toColourspace('srgb');
          const encoded = meta.hasAlpha ? pipeline.png({ compressionLevel: 6 }) : pipeline.jpeg({ quality: 90 });
          const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
          return { data, mime: meta.hasAlpha ? 'image/png' : 'image/jpeg', width: info.width, height: info.height };
        } catch (err) {
          throw decodeFailure(err);
        }
      });
    },

    /**
     * A generated WebP as a PNG, optionally cropped (centred) to an exact size so the result
     * has exactly the aspect ratio the seller chose.
     */
    webpToPng(input: Buffer, size?: { width: number; height: number }): Promise<Buffer> {
      return run('webp_to_png', async () => {
        try {
          let pipeline = sharp(input, { limitInputPixels, failOn: 'truncated' });
          if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'cover', position: 'centre' });
          return await pipeline.png({ compressionLevel: config.pngCompressionLevel }).toBuffer();
        } catch (err) {
          throw decodeFailure(err);
        }
      });
    },

    /**
     * A generated image, checked and made exactly `ratio` as a PNG: its header is read first (a
     * wrong format or a size no model renders is refused before decoding), then the canvas is
     * extended to the ratio with the render's own edges, blurred, so the backdrop simply goes on
     * and nothing of the render (the product above all) is cropped away.
     */
    renderedToPng(input: Buffer, ratio: AspectRatio): Promise<Buffer> {
      return run('rendered_to_png', async () => {
        const { meta, width, height } = await inspectRendered(input);
        const target = paddedSize(width, height, ratio);
        const left = Math.floor((target.width - width) / 2);
        const top = Math.floor((target.height - height) / 2);
        const pad = { left, top, right: target.width - width - left, bottom: target.height - height - top };
        const png = { compressionLevel: config.pngCompressionLevel };
        try {
          const source = sharp(input, { limitInputPixels, failOn: 'truncated', animated: false });
          if (target.width === width && target.height === height) return await source.png(png).toBuffer();
          const backdrop = await source
            .clone()
            .extend({ ...pad, extendWith: 'copy' })
            .blur(PADDING_BLUR_SIGMA)
            .raw()
            .toBuffer({ resolveWithObject: true });
          const composed = await sharp(backdrop.data, { raw: backdrop.info })
            .composite([{ input, left, top, limitInputPixels, failOn: 'truncated', animated: false }])
            .raw()
            .toBuffer({ resolveWithObject: true });
          // Compositing adds an alpha channel; an opaque render stays opaque.
          const result = sharp(composed.data, { raw: composed.info });
          return await (meta.hasAlpha ? result : result.removeAlpha()).png(png).toBuffer();
        } catch (err) {
          throw decodeFailure(err);
        }
      });
    },

    /**
     * A generated image made into a marketplace's file (marketplace-file.ts: composed on pure
     * white or fitted to the exact size, encoded, checked), after the same header checks as
     * renderedToPng, on the same bounded slots.
     */
    forMarketplace(input: Buffer, preset: MarketplacePreset, ratio: AspectRatio): Promise<MarketplaceFile> {
      return run('marketplace', async () => {
        await inspectRendered(input);
        try {
          return await makeMarketplaceFile(input, preset, ratio);
        } catch (err) {
          throw decodeFailure(err);
        }
      });
    },
  };
}

export type ImageConverter = ReturnType<typeof createImageConverter>;
