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
 * libvips' trim in line-art mode (no median filter, so every such pixel counts), on its thread
 * pool, so a 2000×2000 image does not hold the event loop as a JavaScript pass over its pixels
 * would. Trim answers the whole frame both for an image without foreground and for a
 * foreground touching every edge; the first row tells them apart (without foreground, trim
 * would have removed it).
 */
export async function foregroundBox(
  pixels: Buffer,
  image: { width: number; height: number; channels: 1 | 3; background: 0 | 255; threshold: number },
): Promise<Box | null> {
  const { width, height, channels, background, threshold } = image;
  const { info } = await sharp(pixels, { raw: { width, height, channels } })
    .trim({ background: background === 255 ? '#ffffff' : '#000000', threshold, lineArt: true })
    .toBuffer({ resolveWithObject: true });
  const box = {
    left: -(info.trimOffsetLeft ?? 0),
    top: -(info.trimOffsetTop ?? 0),
    width: info.width,
    height: info.height,
  };
  if (box.width < width || box.height < height) return box;
  for (let i = 0; i < width * channels; i++) {
    if (Math.abs((pixels[i] ?? background) - background) > threshold) return box;
  }
  return null;
}

/** Calls `visit` once for each pixel of a frame's outermost ring (each corner once). */
export function forEachRingPixel(width: number, height: number, visit: (x: number, y: number) => void): void {
  for (let x = 0; x < width; x++) {
    visit(x, 0);
    if (height > 1) visit(x, height - 1);
  }
  for (let y = 1; y < height - 1; y++) {
    visit(0, y);
    if (width > 1) visit(width - 1, y);
  }
}
