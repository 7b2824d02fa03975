import sharp from 'sharp';

/** A rectangle of pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The bounding box of the foreground of raw 8-bit pixels: every pixel with a channel more than
 * `threshold` away from `background` (0 or 255), or null when there is none. Measured by
 * libvips on its thread pool (stats, then trim in line-art mode: no median filter, so every
 * such pixel counts), so a 2000×2000 image does not hold the event loop as a JavaScript pass
 * over its pixels would.
 */
export async function foregroundBox(
  pixels: Buffer,
  image: { width: number; height: number; channels: 1 | 3; background: 0 | 255; threshold: number },
): Promise<Box | null> {
  const { width, height, channels, background, threshold } = image;
  const raw = { raw: { width, height, channels } };
  const bands = (await sharp(pixels, raw).stats()).channels;
  const none =
    background === 255
      ? bands.every((band) => band.min >= 255 - threshold)
      : bands.every((band) => band.max <= threshold);
  if (none) return null;
  // The trimmed image's size is the box; its offsets (negative) place it.
  const { info } = await sharp(pixels, raw)
    .trim({ background: background === 255 ? '#ffffff' : '#000000', threshold, lineArt: true })
    .toBuffer({ resolveWithObject: true });
  return { left: -(info.trimOffsetLeft ?? 0), top: -(info.trimOffsetTop ?? 0), width: info.width, height: info.height };
}
