import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { ConverterBusyError, createImageConverter, ImageRejectedError } from '../../src/services/image-converter.js';
import { fixture, pngClaimingSize } from '../support/fixtures.js';

/** The converter an operator's environment sets up. */
const converterWith = (env: Record<string, string> = {}) =>
  createImageConverter(
    parseConfig({
      BOT_TOKEN: '1:test',
      CONVERTER_CONCURRENCY: '0',
      CONVERTER_QUEUE_LIMIT: '200',
      PNG_COMPRESSION_LEVEL: '6',
      MAX_INPUT_PIXELS: '40000000',
      NORMALISED_MAX_SIDE: '1536',
      ...env,
    }).images,
  );
const converter = converterWith();

/** Mean absolute difference of two images of the same size, per channel value (0-255). */
async function difference(a: Buffer, b: Buffer): Promise<number> {
  const size = { width: 64, height: 64, fit: 'fill' as const };
  const [x, y] = await Promise.all([a, b].map((img) => sharp(img).resize(size).removeAlpha().raw().toBuffer()));
  let total = 0;
  for (let i = 0; i < (x?.length ?? 0); i++) total += Math.abs((x?.[i] ?? 0) - (y?.[i] ?? 0));
  return total / (x?.length ?? 1);
}

async function rejection(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageRejectedError);
  return (err as ImageRejectedError).reason;
}

describe('webpToPng', () => {
  it.each([
    ['4.webp', 1024, 772, false],
    ['5_webp_a.webp', 300, 300, true],
  ])('turns %s into a valid PNG of the same size', async (name, width, height, alpha) => {
    const png = await converter.webpToPng(fixture(name));
    const meta = await sharp(png).metadata();
    expect(meta).toMatchObject({ format: 'png', width, height, hasAlpha: alpha });
    // Lossless: every pixel (alpha included) is what the WebP decodes to.
    const [converted, original] = await Promise.all([png, fixture(name)].map((img) => sharp(img).raw().toBuffer()));
    expect(converted?.equals(original as Buffer)).toBe(true);
  });

  it('crops to an exact size, centred', async () => {
    const png = await converter.webpToPng(fixture('4.webp'), { width: 1024, height: 576 });
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 1024, height: 576 });
  });

  it('refuses a damaged result with a typed error', async () => {
    const broken = fixture('4.webp').subarray(0, 2000);
    expect(await rejection(converter.webpToPng(broken))).toBe('corrupt');
  });
});

describe('normalise', () => {
  it('turns EXIF-rotated photos upright', async () => {
    const landscape = await converter.normalise(fixture('Landscape_6.jpg'));
    expect([landscape.width, landscape.height]).toEqual([600, 450]);
    expect((await sharp(landscape.data).metadata()).orientation ?? 1).toBe(1);

    const portrait = await converter.normalise(fixture('Portrait_3.jpg'));
    expect([portrait.width, portrait.height]).toEqual([450, 600]);
    const stored = fixture('Portrait_3.jpg');
    const upright = await sharp(stored, { autoOrient: false }).rotate(180).toBuffer();
    const asStored = await sharp(stored, { autoOrient: false }).toBuffer();
    expect(await difference(portrait.data, upright)).toBeLessThan(5);
    expect(await difference(portrait.data, asStored)).toBeGreaterThan(20);
  });

  it('converts CMYK to 8-bit sRGB', async () => {
    const result = await converter.normalise(fixture('Channel_digital_image_CMYK_color.jpg'));
    const meta = await sharp(result.data).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', space: 'srgb', channels: 3, depth: 'uchar' });
    expect(result.mime).toBe('image/jpeg');
  });

  it('converts 16-bit to 8-bit and keeps transparency as PNG', async () => {
    const sixteen = await sharp(fixture('with-alpha.png')).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(sixteen).metadata()).depth).toBe('ushort');
    const result = await converter.normalise(sixteen);
    expect(result.mime).toBe('image/png');
    expect(await sharp(result.data).metadata()).toMatchObject({ depth: 'uchar', hasAlpha: true, space: 'srgb' });
  });

  it('shrinks large photos so the long side is at most 1536 px', async () => {
    const result = await converter.normalise(fixture('2569067123_aca715a2ee_o.jpg'));
    expect([result.width, result.height]).toEqual([1536, 1254]);
  });

  it('takes the first frame of an animated WebP', async () => {
    const result = await converter.normalise(fixture('animated-loop-3.webp'));
    expect([result.width, result.height]).toEqual([370, 285]);
    expect((await sharp(result.data).metadata()).pages ?? 1).toBe(1);
  });

  it('refuses truncated and corrupt files, non-images and other formats with typed errors', async () => {
    expect(await rejection(converter.normalise(fixture('truncated.jpg')))).toBe('corrupt');
    expect(await rejection(converter.normalise(fixture('corrupt-header.jpg')))).toBe('not_an_image');
    expect(await rejection(converter.normalise(Buffer.from('%PDF-1.4 not an image')))).toBe('not_an_image');
    const gif = await sharp(fixture('320x240.jpg')).gif().toBuffer();
    expect(await rejection(converter.normalise(gif))).toBe('unsupported_format');
  });

  it('refuses an image above the pixel limit without decoding it', async () => {
    const bomb = pngClaimingSize(30_000, 30_000);
    expect(bomb.length).toBeLessThan(2000);
    const started = performance.now();
    expect(await rejection(converter.normalise(bomb))).toBe('too_many_pixels');
    expect(performance.now() - started).toBeLessThan(500);
    const small = converterWith({ MAX_INPUT_PIXELS: '50000' });
    expect(await rejection(small.normalise(fixture('320x240.jpg')))).toBe('too_many_pixels');
  });
});

describe('bounded pool', () => {
  it('refuses work beyond its slots and queue instead of queueing without bound', async () => {
    const tiny = converterWith({ CONVERTER_CONCURRENCY: '1', CONVERTER_QUEUE_LIMIT: '1' });
    const input = fixture('4.webp');
    const results = await Promise.allSettled([tiny.webpToPng(input), tiny.webpToPng(input), tiny.webpToPng(input)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(ConverterBusyError);
  });

  it('keeps the event loop responsive while 50 large conversions run', async () => {
    const big = await sharp({
      create: { width: 2048, height: 2048, channels: 3, background: { r: 200, g: 120, b: 40 } },
    })
      .composite([{ input: await sharp(fixture('flowers.jpeg')).resize(2048, 1152).toBuffer(), top: 448, left: 0 }])
      .webp()
      .toBuffer();
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    await Promise.all(Array.from({ length: 50 }, () => converter.webpToPng(big)));
    histogram.disable();
    const p99Ms = histogram.percentile(99) / 1e6;
    expect(p99Ms).toBeLessThan(100);
  });
});
