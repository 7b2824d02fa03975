import sharp, { type Region as Rect } from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  composeOnWhite,
  encodeForMarketplace,
  fitToRatio,
  ImageComposeError,
  type RawImage,
  snapNearWhiteBackground,
} from '../../src/services/image-compose.js';
import { fixture } from '../support/fixtures.js';

type Rgb = readonly [number, number, number];

/** A blank raw canvas: transparent RGBA, or RGB of one colour. */
function canvas(width: number, height: number, channels: 3 | 4, colour: Rgb = [0, 0, 0]): RawImage {
  const data = Buffer.alloc(width * height * channels);
  if (channels === 3) for (let i = 0; i < data.length; i += 3) data.set(colour, i);
  return { data, info: { width, height, channels } };
}

function paint({ data, info }: RawImage, rect: Rect, pixel: readonly number[]): void {
  for (let y = rect.top; y < rect.top + rect.height; y++) {
    for (let x = rect.left; x < rect.left + rect.width; x++) data.set(pixel, (y * info.width + x) * info.channels);
  }
}

const png = ({ data, info }: RawImage) => sharp(data, { raw: info }).png().toBuffer();
const pixelAt = ({ data, info }: RawImage, x: number, y: number) =>
  [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x + 1) * info.channels)] as number[];
const isWhite = (image: RawImage, p: number) => [0, 1, 2].every((c) => image.data[p * 3 + c] === 255);
const contains = (r: Rect, x: number, y: number) =>
  x >= r.left && x < r.left + r.width && y >= r.top && y < r.top + r.height;

/** The bounding box of every pixel that is not exactly 255,255,255 (RGB). */
function nonWhiteBox(image: RawImage): Rect {
  const { width, height } = image.info;
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (isWhite(image, y * width + x)) continue;
      [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
    }
  }
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** Pixels outside `box` that are not pure white. */
function nonWhiteOutside(image: RawImage, box: Rect): number {
  const { width, height } = image.info;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!contains(box, x, y) && !isWhite(image, y * width + x)) count++;
    }
  }
  return count;
}

describe('composeOnWhite', () => {
  /** A cut-out render: one opaque product on a 1024 px transparent canvas, off-centre, with a sub-threshold haze. */
  async function cutOut(product: Rect) {
    const image = canvas(1024, 1024, 4);
    paint(image, { left: 0, top: 0, width: 1024, height: 40 }, [255, 255, 255, 4]);
    paint(image, product, [180, 40, 30, 255]);
    return png(image);
  }

  it.each([
    ['a wide product in a square frame', { left: 100, top: 600, width: 400, height: 250 }, 2000, 2000, 'width'],
    ['a tall product in a 3:4 frame', { left: 700, top: 90, width: 200, height: 500 }, 1200, 1600, 'height'],
  ] as const)(
    'puts %s on pure white, centred, filling 0.87 of its limiting side',
    async (_, product, width, height, side) => {
      const composed = await composeOnWhite(await cutOut(product), { width, height, fill: 0.87 });
      expect(composed.info).toEqual({ width, height, channels: 3 });
      const box = nonWhiteBox(composed);
      const fill = side === 'width' ? box.width / width : box.height / height;
      expect(fill).toBeGreaterThanOrEqual(0.86);
      expect(fill).toBeLessThanOrEqual(0.88);
      // The product keeps its proportions and its colour, and sits in the middle of the frame.
      expect(box.width / box.height).toBeCloseTo(product.width / product.height, 1);
      expect(Math.abs(box.left + box.width / 2 - width / 2)).toBeLessThanOrEqual(1);
      expect(Math.abs(box.top + box.height / 2 - height / 2)).toBeLessThanOrEqual(1);
      expect(pixelAt(composed, width / 2, height / 2)).toEqual([180, 40, 30]);
      // Everything around the product, the haze included, is exactly 255,255,255.
      expect(nonWhiteOutside(composed, box)).toBe(0);
    },
  );

  it('refuses a fully transparent render, and one with only a faint haze', async () => {
    const haze = canvas(64, 64, 4);
    paint(haze, { left: 0, top: 0, width: 64, height: 64 }, [200, 200, 200, 8]);
    for (const render of [await png(canvas(64, 64, 4)), haze]) {
      const composing = composeOnWhite(render, { width: 100, height: 100, fill: 0.87 });
      await expect(composing).rejects.toThrow(ImageComposeError);
      await expect(composing).rejects.toMatchObject({ reason: 'fully_transparent' });
    }
  });
});

describe('snapNearWhiteBackground', () => {
  const side = 2000;
  /** Inside the square product (a dark outline), or the diamond (a one-pixel outline connected only diagonally). */
  const inSquare = (x: number, y: number) => x >= 500 && x < 1100 && y >= 500 && y < 1100;
  const inDiamond = (x: number, y: number) => Math.abs(x - 1500) + Math.abs(y - 1500) <= 300;
  const speck = { left: 100, top: 100, width: 10, height: 10 };

  /** An off-white render (247-255 noise) with white and near-white parts inside both products. */
  function render(): RawImage {
    const image = canvas(side, side, 3);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const level = 247 + ((x * 7 + y * 13) % 9);
        image.data.set([level, level, level], (y * side + x) * 3);
      }
    }
    paint(image, { left: 500, top: 500, width: 600, height: 600 }, [40, 60, 90]);
    paint(image, { left: 520, top: 520, width: 300, height: 560 }, [255, 255, 255]);
    paint(image, { left: 820, top: 520, width: 260, height: 280 }, [250, 251, 252]);
    for (let y = 1200; y <= 1800; y++) {
      for (let x = 1200; x <= 1800; x++) {
        const d = Math.abs(x - 1500) + Math.abs(y - 1500);
        if (d <= 300) image.data.set(d === 300 ? [30, 30, 30] : [252, 252, 252], (y * side + x) * 3);
      }
    }
    paint(image, speck, [230, 230, 230]);
    return image;
  }

  it('sets the border-connected near-white backdrop to 255 and changes no pixel inside the products', async () => {
    const before = render();
    const after = await snapNearWhiteBackground(await png(before), { tolerance: 8 });
    expect(after.info).toEqual({ width: side, height: side, channels: 3 });
    let changedInside = 0;
    let offWhiteOutside = 0;
    let product = 0;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const p = (y * side + x) * 3;
        if (inSquare(x, y) || inDiamond(x, y) || contains(speck, x, y)) {
          product++;
          if (before.data.compare(after.data, p, p + 3, p, p + 3) !== 0) changedInside++;
        } else if (!isWhite(after, p / 3)) offWhiteOutside++;
      }
    }
    expect(changedInside).toBe(0);
    expect(offWhiteOutside).toBe(0);
    expect(after.snapped).toBe(side * side - product);
  });

  it('with cutOut, makes the reached backdrop transparent and every pixel of the products opaque and unchanged', async () => {
    const before = render();
    const cut = await snapNearWhiteBackground(await png(before), { tolerance: 8, cutOut: true });
    expect(cut.info).toEqual({ width: side, height: side, channels: 4 });
    let wrong = 0;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const p = y * side + x;
        const inside = inSquare(x, y) || inDiamond(x, y) || contains(speck, x, y);
        const pixel = [...cut.data.subarray(p * 4, p * 4 + 4)];
        const expected = inside ? [...before.data.subarray(p * 3, p * 3 + 3), 255] : null;
        if (expected ? pixel.join() !== expected.join() : pixel[3] !== 0) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(cut.borderShare).toBe(1);
  });

  it('fills a single winding corridor of half a million pixels from one opening (no recursion)', async () => {
    const n = 1001;
    const maze = canvas(n, n, 3, [20, 20, 20]);
    let corridor = 0;
    for (let y = 1; y < n - 1; y += 2) {
      paint(maze, { left: 1, top: y, width: n - 2, height: 1 }, [250, 250, 250]);
      corridor += n - 2;
      if (y + 2 < n - 1) {
        paint(maze, { left: (y - 1) % 4 === 0 ? n - 2 : 1, top: y + 1, width: 1, height: 1 }, [250, 250, 250]);
        corridor++;
      }
    }
    paint(maze, { left: 0, top: 1, width: 1, height: 1 }, [250, 250, 250]);
    const snapped = await snapNearWhiteBackground(maze, { tolerance: 5 });
    expect(snapped.snapped).toBe(corridor + 1);
    expect(pixelAt(snapped, n - 2, n - 2)).toEqual([255, 255, 255]);
    // With a tolerance below the corridor's 5 levels, nothing is reached.
    expect((await snapNearWhiteBackground(maze, { tolerance: 4 })).snapped).toBe(0);
  });
});

describe('fitToRatio', () => {
  const backdrop: Rgb = [240, 236, 230];

  /** A render whose product touches the bottom edge, with markers in the four corners. */
  function render(width: number, height: number): RawImage {
    const image = canvas(width, height, 3, backdrop);
    paint(image, { left: width / 4, top: height / 2, width: width / 2, height: height / 2 }, [200, 30, 40]);
    for (const [x, y] of [
      [0, 0],
      [width - 8, 0],
      [0, height - 8],
      [width - 8, height - 8],
    ] as const) {
      paint(image, { left: x, top: y, width: 8, height: 8 }, [20, 40, 220]);
    }
    return image;
  }

  it.each([
    ['upscales a smaller render', 1024, 1536, { left: 66, top: 0, width: 1067, height: 1600 }, true],
    ['downscales a larger one', 2048, 2048, { left: 0, top: 200, width: 1200, height: 1200 }, false],
    ['leaves one of the exact size alone', 1200, 1600, { left: 0, top: 0, width: 1200, height: 1600 }, false],
  ] as const)('%s to exactly 1200x1600, keeping every pixel', async (_, width, height, content, upscaled) => {
    const input = await png(render(width, height));
    const fitted = await fitToRatio(input, { width: 1200, height: 1600 });
    expect(fitted.info).toEqual({ width: 1200, height: 1600, channels: 3 });
    expect(fitted.upscaled).toBe(upscaled);
    // The content is the whole render resized, not a crop of it: byte for byte.
    const whole = await sharp(input)
      .resize(content.width, content.height, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer();
    const region = await sharp(fitted.data, { raw: fitted.info }).extract(content).raw().toBuffer();
    expect(region.equals(whole)).toBe(true);
    // The padding is the render's own backdrop, sampled from its border.
    let padding = 0;
    let offBackdrop = 0;
    for (let y = 0; y < 1600; y++) {
      for (let x = 0; x < 1200; x++) {
        if (contains(content, x, y)) continue;
        padding++;
        if (fitted.data.compare(Buffer.from(backdrop), 0, 3, (y * 1200 + x) * 3, (y * 1200 + x) * 3 + 3) !== 0)
          offBackdrop++;
      }
    }
    expect(padding).toBe(1200 * 1600 - content.width * content.height);
    expect(offBackdrop).toBe(0);
  });

  it('pads with white when asked, and flattens transparency onto white', async () => {
    const cutOut = canvas(100, 100, 4);
    paint(cutOut, { left: 40, top: 40, width: 20, height: 20 }, [0, 0, 0, 255]);
    const fitted = await fitToRatio(await png(cutOut), { width: 300, height: 400, background: 'white' });
    expect(fitted).toMatchObject({ info: { width: 300, height: 400, channels: 3 }, upscaled: true });
    expect(pixelAt(fitted, 0, 0)).toEqual([255, 255, 255]);
    expect(pixelAt(fitted, 150, 20)).toEqual([255, 255, 255]);
    expect(pixelAt(fitted, 150, 200)).toEqual([0, 0, 0]);
  });
});

/** The libjpeg quality whose scaled standard luminance table the file's first quantisation table is. */
function jpegQuality(jpeg: Buffer): number | undefined {
  const base = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
    87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99,
  ];
  const dqt = jpeg.indexOf(Buffer.from([0xff, 0xdb]));
  const table = [...jpeg.subarray(dqt + 5, dqt + 5 + 64)].sort((a, b) => a - b).join();
  for (let q = 100; q >= 1; q--) {
    const scale = q < 50 ? 5000 / q : 200 - 2 * q;
    const scaled = base.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
    if (scaled.sort((a, b) => a - b).join() === table) return q;
  }
  return undefined;
}

describe('encodeForMarketplace', () => {
  /** A 2000 px photo-like image carrying EXIF and a Display P3 profile. */
  async function tagged(): Promise<Buffer> {
    const image = canvas(2000, 2000, 3);
    for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 31 + (i >> 12)) % 256;
    return sharp(image.data, { raw: image.info })
      .withExif({ IFD0: { Copyright: 'a camera', Artist: 'someone' } })
      .withIccProfile('p3')
      .jpeg({ quality: 95 })
      .toBuffer();
  }

  it('writes a JPEG at quality >= 90 with 4:4:4 chroma, sRGB, with no EXIF and no profile', async () => {
    const input = await tagged();
    expect(await sharp(input).metadata()).toMatchObject({ hasProfile: true });
    const jpeg = await encodeForMarketplace(input, { format: 'jpeg' });
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 2000, height: 2000, channels: 3, space: 'srgb' });
    expect(meta).toMatchObject({ chromaSubsampling: '4:4:4', hasProfile: false, hasAlpha: false });
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(jpegQuality(jpeg)).toBeGreaterThanOrEqual(90);
    expect(jpegQuality(await encodeForMarketplace(input, { format: 'jpeg', quality: 97 }))).toBe(97);
  });

  it('refuses a JPEG quality under 90', () => {
    expect(() => encodeForMarketplace(Buffer.alloc(0), { format: 'jpeg', quality: 80 })).toThrow(RangeError);
  });

  it('writes an opaque, lossless sRGB PNG and turns transparency white, not black', async () => {
    const cutOut = canvas(200, 200, 4);
    paint(cutOut, { left: 50, top: 50, width: 100, height: 100 }, [10, 120, 200, 255]);
    for (const format of ['png', 'jpeg'] as const) {
      const file = await encodeForMarketplace(await png(cutOut), { format });
      const meta = await sharp(file).metadata();
      expect(meta).toMatchObject({ format, channels: 3, hasAlpha: false, hasProfile: false, space: 'srgb' });
      const pixels = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      expect(pixelAt(pixels, 5, 5)).toEqual([255, 255, 255]);
      if (format === 'png') expect(pixelAt(pixels, 100, 100)).toEqual([10, 120, 200]);
    }
  });

  it('converts a CMYK photo to sRGB', async () => {
    const jpeg = await encodeForMarketplace(fixture('Channel_digital_image_CMYK_color.jpg'), { format: 'jpeg' });
    expect(await sharp(jpeg).metadata()).toMatchObject({ space: 'srgb', channels: 3, hasProfile: false });
  });
});
