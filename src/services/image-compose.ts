import sharp, { type Sharp } from 'sharp';
import { forEachRingPixel, foregroundBox } from './pixel-box.js';

/**
 * The deterministic steps that make a render pass a marketplace's image rules: a cut-out
 * product composed onto pure white, a near-white backdrop snapped to pure white, a render
 * fitted to an exact size without cropping, and the final encoding. Each takes an encoded
 * image or raw pixels and (all but the encoder) hands back raw 8-bit sRGB pixels, so a chain of
 * steps decodes once and encodes once.
 */

/** Raw 8-bit pixels as sharp hands them out with `toBuffer({ resolveWithObject: true })`. */
export interface RawImage {
  data: Buffer;
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
}

/** An encoded image (PNG, JPEG, WebP, ...) or raw pixels from an earlier step. */
export type ImageInput = Buffer | RawImage;

export interface Frame {
  width: number;
  height: number;
}

/** Pure white: the one background the white-background presets accept. */
const WHITE = { r: 255, g: 255, b: 255 } as const;

/**
 * Alpha (of 255) at or below which a pixel is background, not product: image models leave a
 * faint haze around a cut-out that must not widen the product's bounding box.
 */
export const PRODUCT_ALPHA_THRESHOLD = 8;

/** JPEG quality: marketplaces recompress uploads, so ours starts near lossless. */
export const JPEG_QUALITY = { min: 90, default: 92 } as const;

export type ComposeRejection = 'fully_transparent';

/** An image these steps cannot make compliant, and why. */
export class ImageComposeError extends Error {
  override name = 'ImageComposeError';
  constructor(
    readonly reason: ComposeRejection,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function checkFrame({ width, height }: Frame): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`A frame needs whole positive sides, not ${width}x${height}`);
  }
}

function load(input: ImageInput): Sharp {
  if (Buffer.isBuffer(input)) return sharp(input, { failOn: 'truncated', animated: false }).autoOrient();
  const { width, height, channels } = input.info;
  return sharp(input.data, { raw: { width, height, channels } });
}

async function toRaw(pipeline: Sharp): Promise<RawImage> {
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data, info: { width: info.width, height: info.height, channels: info.channels } };
}

/** 8-bit sRGB pixels: RGBA when `alpha` (opaque images get alpha 255), else RGB flattened onto white. */
function decode(input: ImageInput, alpha: boolean): Promise<RawImage> {
  const srgb = load(input).toColourspace('srgb');
  return toRaw(alpha ? srgb.ensureAlpha() : srgb.flatten({ background: WHITE }));
}

/** The smallest rectangle holding every pixel whose alpha is above the threshold, or null (measured by libvips). */
export async function productBox({ data, info }: RawImage) {
  const { width, height, channels } = info;
  if (channels !== 4) throw new RangeError(`productBox reads RGBA pixels, not ${channels} channels`);
  const alpha = await sharp(data, { raw: { width, height, channels } }).extractChannel(3).raw().toBuffer();
  return foregroundBox(alpha, { width, height, channels: 1, background: 0, threshold: PRODUCT_ALPHA_THRESHOLD });
}

/** Margins that centre a `width` x `height` picture in `frame` (odd pixels go right and bottom). */
function centring(width: number, height: number, frame: Frame) {
  const left = Math.floor((frame.width - width) / 2);
  const top = Math.floor((frame.height - height) / 2);
  return { left, top, right: frame.width - width - left, bottom: frame.height - height - top };
}

/**
 * A product rendered on a transparent background, on pure RGB 255 white at exactly `width` x
 * `height`: trimmed to its bounding box (alpha above PRODUCT_ALPHA_THRESHOLD), scaled
 * (lanczos3) until it fills `fill` of the frame on its limiting side, centred, flattened.
 * `scale` above 1: the product was enlarged (the render was smaller than the delivered size).
 * An image with no product pixel at all is refused with ImageComposeError.
 */
export async function composeOnWhite(
  input: ImageInput,
  frame: Frame & { fill: number },
): Promise<RawImage & { scale: number }> {
  checkFrame(frame);
  if (!(frame.fill > 0 && frame.fill <= 1)) throw new RangeError(`fill is a share of the frame, not ${frame.fill}`);
  const rgba = await decode(input, true);
  const box = await productBox(rgba);
  if (!box) {
    throw new ImageComposeError('fully_transparent', 'The render has no product: every pixel is transparent');
  }
  const scale = Math.min((frame.fill * frame.width) / box.width, (frame.fill * frame.height) / box.height);
  const width = Math.min(frame.width, Math.max(1, Math.round(box.width * scale)));
  const height = Math.min(frame.height, Math.max(1, Math.round(box.height * scale)));
  const composed = await toRaw(
    load(rgba)
      .extract(box)
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
      .flatten({ background: WHITE })
      .extend({ ...centring(width, height, frame), background: WHITE }),
  );
  return { ...composed, scale };
}

/**
 * For a backend that cannot render transparency: the near-white backdrop (every channel at
 * least 255 - `tolerance`) reachable from the image's edges through near-white pixels is set
 * to exactly 255,255,255. A breadth-first flood fill over 4-connected neighbours, each pixel
 * queued at most once (linear time, no recursion); a pixel not connected to the border, such
 * as a white label inside the product's outline, is never touched. `snapped` counts the
 * pixels the fill reached, `borderShare` the share of the outermost ring it started from (low:
 * the backdrop is not white at all). With `cutOut` the result is RGBA instead: the reached
 * backdrop transparent, everything else opaque, ready for composeOnWhite.
 */
export async function snapNearWhiteBackground(
  input: ImageInput,
  { tolerance, cutOut = false }: { tolerance: number; cutOut?: boolean },
): Promise<RawImage & { snapped: number; borderShare: number }> {
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 254) {
    throw new RangeError(`tolerance is 0 to 254 channel values, not ${tolerance}`);
  }
  const image = await decode(input, false);
  const { data, info } = image;
  const { width, height } = info;
  const floor = 255 - tolerance;
  const count = width * height;
  const raw = { raw: { width, height, channels: 3 as const } };
  // Per channel, 255 where it is at least `floor` (libvips, off the event loop): the fill then
  // reads only the pixels it reaches and their neighbours, never the whole image.
  const near = await sharp(data, raw).threshold(floor, { greyscale: false }).raw().toBuffer();
  const seen = new Uint8Array(count);
  const queue = new Int32Array(count);
  let tail = 0;
  const visit = (p: number) => {
    if (seen[p] === 1) return;
    seen[p] = 1;
    const i = p * 3;
    if (near[i] === 255 && near[i + 1] === 255 && near[i + 2] === 255) queue[tail++] = p;
  };
  let ring = 0;
  forEachRingPixel(width, height, (x, y) => {
    ring++;
    visit(y * width + x);
  });
  const borderShare = ring > 0 ? tail / ring : 0;
  for (let head = 0; head < tail; head++) {
    const p = queue[head] ?? 0;
    const x = p % width;
    if (x > 0) visit(p - 1);
    if (x < width - 1) visit(p + 1);
    if (p >= width) visit(p - width);
    if (p < count - width) visit(p + width);
  }
  if (cutOut) {
    const alpha = Buffer.alloc(count, 255);
    for (let k = 0; k < tail; k++) alpha[queue[k] ?? 0] = 0;
    const rgba = await sharp(data, raw)
      .joinChannel(alpha, { raw: { width, height, channels: 1 } })
      .raw()
      .toBuffer();
    return { data: rgba, info: { width, height, channels: 4 }, snapped: tail, borderShare };
  }
  for (let k = 0; k < tail; k++) {
    const i = (queue[k] ?? 0) * 3;
    data[i] = 255;
    data[i + 1] = 255;
    data[i + 2] = 255;
  }
  return { ...image, snapped: tail, borderShare };
}

/** The per-channel median of the outermost ring of an RGB image: its backdrop, robust to a product touching an edge. */
export function borderColour({ data, info }: RawImage) {
  const { width, height, channels } = info;
  if (channels !== 3) throw new RangeError(`borderColour reads RGB pixels, not ${channels} channels`);
  // One 256-bin histogram per channel, side by side: a median in two linear passes, no sort.
  const histogram = new Uint32Array(3 * 256);
  let ring = 0;
  const add = (x: number, y: number) => {
    const i = (y * width + x) * 3;
    for (let c = 0; c < 3; c++) {
      const bin = c * 256 + (data[i + c] ?? 0);
      histogram[bin] = (histogram[bin] ?? 0) + 1;
    }
    ring++;
  };
  forEachRingPixel(width, height, add);
  const median = (c: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) {
      seen += histogram[c * 256 + v] ?? 0;
      if (seen * 2 >= ring) return v;
    }
    return 255;
  };
  return { r: median(0), g: median(1), b: median(2) };
}

/**
 * A render at exactly `width` x `height`, nothing cropped: scaled (lanczos3) to fit inside,
 * then padded, centred, with the render's border colour (or white). `upscaled` says the
 * render was smaller than the frame and had to be enlarged, which the seller is told.
 * Transparency is flattened onto white first.
 */
export async function fitToRatio(
  input: ImageInput,
  frame: Frame & { background?: 'border' | 'white' },
): Promise<RawImage & { upscaled: boolean }> {
  checkFrame(frame);
  const image = await decode(input, false);
  const { width: w, height: h } = image.info;
  const scale = Math.min(frame.width / w, frame.height / h);
  const width = Math.min(frame.width, Math.max(1, Math.round(w * scale)));
  const height = Math.min(frame.height, Math.max(1, Math.round(h * scale)));
  const background = frame.background === 'white' ? WHITE : borderColour(image);
  let pipeline = load(image);
  if (width !== w || height !== h) pipeline = pipeline.resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  const fitted = await toRaw(pipeline.extend({ ...centring(width, height, frame), background }));
  return { ...fitted, upscaled: scale > 1 };
}

/**
 * The file a seller uploads: JPEG at quality >= 90 with 4:4:4 chroma (no colour bleeding on
 * product edges), or PNG; opaque (transparency flattened onto white: marketplaces render it
 * black), 8-bit sRGB. sharp's default output is kept on purpose: it converts any embedded
 * profile (CMYK, Display P3) to sRGB and strips all metadata, ICC profile included, so the
 * file carries no EXIF (camera, GPS) and no profile, and is read as sRGB everywhere.
 */
export function encodeForMarketplace(
  input: ImageInput,
  { format, quality = JPEG_QUALITY.default }: { format: 'jpeg' | 'png'; quality?: number },
): Promise<Buffer> {
  if (!Number.isInteger(quality) || quality < JPEG_QUALITY.min || quality > 100) {
    throw new RangeError(`JPEG quality is ${JPEG_QUALITY.min} to 100, not ${quality}`);
  }
  const opaque = load(input).flatten({ background: WHITE }).toColourspace('srgb');
  return (format === 'jpeg' ? opaque.jpeg({ quality, chromaSubsampling: '4:4:4' }) : opaque.png()).toBuffer();
}
