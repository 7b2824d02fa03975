import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  type ComplianceReport,
  iccDescription,
  checkCompliance as measure,
} from '../../src/services/image-compliance.js';
import { MARKETPLACE_PRESETS, type MarketplacePreset } from '../../src/services/marketplace-presets.js';
import { fixture } from '../support/fixtures.js';

const { 'amazon-main': amazon, wildberries, etsy, shopify, free } = MARKETPLACE_PRESETS;
const DARK = { r: 40, g: 30, b: 20, alpha: 1 };
const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

interface Scene {
  width: number;
  height: number;
  /** The product's box as shares of the frame's width and height, centred. */
  product: { width: number; height: number };
  background?: { r: number; g: number; b: number; alpha: number };
  colour?: { r: number; g: number; b: number; alpha: number };
}

/** A dark product box on a plain background, as a sharp pipeline ready to encode. */
async function scene({ width, height, product, background = WHITE, colour = DARK }: Scene) {
  const box = { width: Math.round(width * product.width), height: Math.round(height * product.height) };
  const productImage = await sharp({ create: { ...box, channels: 4, background: colour } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 4, background } }).composite([
    { input: productImage, left: Math.round((width - box.width) / 2), top: Math.round((height - box.height) / 2) },
  ]);
}

const jpeg = async (s: Scene) =>
  (await scene(s)).flatten({ background: '#ffffff' }).jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer();

/** The checker, its figures printed for the record with REPORT_COMPLIANCE=1. */
async function checkCompliance(file: Buffer, preset: MarketplacePreset): Promise<ComplianceReport> {
  const report = await measure(file, preset);
  if (process.env.REPORT_COMPLIANCE) {
    const figures = report.checks.map(
      (c) => `${c.ok ? '✓' : c.advisory ? '⚠' : '✗'} ${c.rule} ${JSON.stringify(c.measured)}`,
    );
    process.stdout.write(`${expect.getState().currentTestName}\n  ${preset.key}: ${figures.join('; ')}\n`);
  }
  return report;
}

const check = (report: ComplianceReport, rule: string) => {
  const found = report.checks.find((c) => c.rule === rule);
  if (!found) throw new Error(`no ${rule} check in ${report.checks.map((c) => c.rule).join(', ')}`);
  return found;
};
const failed = (report: ComplianceReport) => report.checks.filter((c) => !c.ok).map((c) => c.rule);

describe('checkCompliance for Amazon main image', () => {
  it('fails an exact-white square whose product fills 80%, and measures the fill within 1%', async () => {
    const file = await jpeg({ width: 2000, height: 2000, product: { width: 0.8, height: 0.6 } });
    const report = await checkCompliance(file, amazon);
    const fill = check(report, 'fill');
    expect(fill.measured).toMatchObject({
      width: expect.closeTo(0.8, 2),
      height: expect.closeTo(0.6, 2),
      fill: expect.closeTo(0.8, 2),
    });
    expect(fill).toMatchObject({ ok: false, required: 0.85 });
    expect(check(report, 'background')).toMatchObject({ ok: true, measured: 1 });
    expect(failed(report)).toEqual(['fill']);
    expect(report.ok).toBe(false);
  });

  it('passes every rule when the product fills 90% (read off the larger side) of a 2000x2000 JPEG', async () => {
    const file = await jpeg({ width: 2000, height: 2000, product: { width: 0.6, height: 0.9 } });
    const report = await checkCompliance(file, amazon);
    expect(check(report, 'fill').measured).toMatchObject({ fill: expect.closeTo(0.9, 2) });
    expect(report.checks.map((c) => c.rule)).toEqual([
      'ratio',
      'dimensions',
      'format',
      'colour-space',
      'transparency',
      'background',
      'fill',
    ]);
    expect(failed(report)).toEqual([]);
    expect(report).toMatchObject({ ok: true, image: { width: 2000, height: 2000, format: 'jpeg' } });
    expect(check(report, 'colour-space').measured).toEqual({ space: 'srgb', profile: null });
  });

  it('finds no white at all on an off-white (254) background, though the product is measured', async () => {
    const offWhite = { r: 254, g: 254, b: 254, alpha: 1 };
    const file = await jpeg({ width: 2000, height: 2000, product: { width: 0.9, height: 0.9 }, background: offWhite });
    const report = await checkCompliance(file, amazon);
    expect(check(report, 'background')).toMatchObject({ ok: false, measured: 0, required: 0.99 });
    expect(check(report, 'fill')).toMatchObject({ ok: true, measured: { fill: expect.closeTo(0.9, 2) } });
    expect(failed(report)).toEqual(['background']);
  });

  it('measures a product box off the JPEG 8 px grid within a pixel or two', async () => {
    const file = await jpeg({ width: 2000, height: 2000, product: { width: 0.8685, height: 0.5 } });
    const fill = check(await checkCompliance(file, amazon), 'fill');
    expect(fill).toMatchObject({ ok: true, measured: { fill: expect.closeTo(0.8685, 2) } });
    // 1737 px drawn; JPEG's ringing may add a pixel or two, never a block.
    const { width } = fill.measured as { width: number };
    expect(Math.abs(width * 2000 - 1737)).toBeLessThanOrEqual(2);
  });

  it('counts a pale product (235 grey) as product, and near-white (250) as background', async () => {
    const grey = (v: number) => ({ r: v, g: v, b: v, alpha: 1 });
    const pale = await jpeg({ width: 2000, height: 2000, product: { width: 0.9, height: 0.9 }, colour: grey(235) });
    expect(check(await checkCompliance(pale, amazon), 'fill').measured).toMatchObject({ fill: expect.closeTo(0.9, 2) });
    const faint = await jpeg({ width: 2000, height: 2000, product: { width: 0.9, height: 0.9 }, colour: grey(250) });
    expect(check(await checkCompliance(faint, amazon), 'fill').measured).toMatchObject({ fill: 0 });
  });

  it('fails a 1000 px square on size alone', async () => {
    const file = await jpeg({ width: 1000, height: 1000, product: { width: 0.9, height: 0.9 } });
    const report = await checkCompliance(file, amazon);
    expect(check(report, 'dimensions')).toMatchObject({
      ok: false,
      measured: { width: 1000, height: 1000 },
      required: { minLongestSide: 1600 },
    });
    expect(failed(report)).toEqual(['dimensions']);
  });

  it('fails a product that fills nothing: a blank white frame has no product box', async () => {
    const file = await sharp({ create: { width: 2000, height: 2000, channels: 3, background: WHITE } })
      .jpeg()
      .toBuffer();
    const report = await checkCompliance(file, amazon);
    expect(check(report, 'fill')).toMatchObject({ ok: false, measured: { width: 0, height: 0, fill: 0 } });
  });
});

describe('checkCompliance on transparency', () => {
  it('fails a PNG with transparent pixels where transparency is not allowed, and counts them', async () => {
    const clear = { r: 0, g: 0, b: 0, alpha: 0 };
    const file = await (
      await scene({ width: 2000, height: 2000, product: { width: 0.9, height: 0.9 }, background: clear })
    )
      .png()
      .toBuffer();
    const transparentPixels = 2000 * 2000 - 1800 * 1800;

    const forAmazon = await checkCompliance(file, amazon);
    expect(check(forAmazon, 'transparency')).toMatchObject({
      ok: false,
      measured: { hasAlpha: true, transparentPixels },
    });
    // Transparent is not white: the border is what a marketplace would render, black on Etsy.
    expect(check(forAmazon, 'background')).toMatchObject({ ok: false, measured: 0 });
    expect(check(forAmazon, 'fill').measured).toMatchObject({ fill: expect.closeTo(0.9, 2) });
    expect(failed(forAmazon)).toEqual(['transparency', 'background']);

    expect(failed(await checkCompliance(file, etsy))).toEqual(['transparency']);
    expect(await checkCompliance(file, free)).toMatchObject({ ok: true, checks: [] });
  });

  it('counts barely transparent pixels too: white at alpha 254 is neither opaque nor pure white', async () => {
    const nearlyOpaque = { r: 255, g: 255, b: 255, alpha: 254 / 255 };
    const file = await (
      await scene({ width: 2000, height: 2000, product: { width: 0.9, height: 0.9 }, background: nearlyOpaque })
    )
      .png()
      .toBuffer();
    const report = await checkCompliance(file, amazon);
    expect(check(report, 'transparency').measured).toEqual({
      hasAlpha: true,
      transparentPixels: 2000 * 2000 - 1800 * 1800,
    });
    expect(check(report, 'background')).toMatchObject({ ok: false, measured: 0 });
  });

  it('passes a PNG that has an alpha channel but every pixel opaque', async () => {
    const file = await (await scene({ width: 2000, height: 2000, product: { width: 0.9, height: 0.9 } }))
      .png()
      .toBuffer();
    expect((await sharp(file).metadata()).hasAlpha).toBe(true);
    const report = await checkCompliance(file, amazon);
    expect(check(report, 'transparency')).toMatchObject({
      ok: true,
      measured: { hasAlpha: true, transparentPixels: 0 },
    });
    expect(report.ok).toBe(true);
  });
});

describe('checkCompliance on colour space', () => {
  it('fails a CMYK JPEG', async () => {
    const report = await checkCompliance(fixture('Channel_digital_image_CMYK_color.jpg'), wildberries);
    expect(check(report, 'colour-space')).toMatchObject({ ok: false, measured: { space: 'cmyk' }, required: 'srgb' });
  });

  it('reads the embedded profile: an sRGB one passes, a Display P3 one fails though sharp calls the pixels srgb', async () => {
    const image = await jpeg({ width: 1200, height: 1600, product: { width: 0.5, height: 0.5 } });
    const [withSrgb, withP3] = await Promise.all(
      ['srgb', 'p3'].map((profile) => sharp(image).withIccProfile(profile).jpeg().toBuffer()),
    );
    const srgb = check(await checkCompliance(withSrgb as Buffer, wildberries), 'colour-space');
    const p3 = check(await checkCompliance(withP3 as Buffer, wildberries), 'colour-space');
    expect(srgb).toMatchObject({ ok: true, measured: { space: 'srgb', profile: expect.stringMatching(/sRGB/) } });
    expect(p3).toMatchObject({ ok: false, measured: { space: 'srgb', profile: expect.stringMatching(/P3/) } });
  });

  it('reads no description from a truncated profile', () => {
    expect(iccDescription(Buffer.alloc(100))).toBeNull();
  });
});

describe('checkCompliance for ratio presets and file size', () => {
  it('passes a 1200x1600 JPEG for Wildberries and fails a 1200x1500 one on ratio', async () => {
    const scene34 = { product: { width: 0.7, height: 0.7 }, background: { r: 200, g: 220, b: 240, alpha: 1 } };
    const passing = await checkCompliance(await jpeg({ width: 1200, height: 1600, ...scene34 }), wildberries);
    expect(passing.checks.map((c) => c.rule)).toEqual([
      'ratio',
      'dimensions',
      'format',
      'colour-space',
      'transparency',
    ]);
    expect(passing).toMatchObject({ ok: true, image: { width: 1200, height: 1600, format: 'jpeg' } });
    expect(check(passing, 'ratio').measured).toEqual({ width: 1200, height: 1600, ratio: 0.75 });

    const short = await checkCompliance(await jpeg({ width: 1200, height: 1500, ...scene34 }), wildberries);
    expect(failed(short)).toEqual(['ratio']);
  });

  it('fails a file over Shopify 20 MB, and reports Etsy 1 MB only as advice', async () => {
    const side = 2700;
    const noise = (width: number, height: number) =>
      sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
    const big = await noise(side, side).png({ compressionLevel: 1 }).toBuffer();
    const shopifyReport = await checkCompliance(big, shopify);
    expect(big.length).toBeGreaterThan(20 * 1024 * 1024);
    expect(check(shopifyReport, 'file-size')).toMatchObject({
      ok: false,
      advisory: false,
      measured: big.length,
      required: 20 * 1024 * 1024,
    });
    expect(shopifyReport.ok).toBe(false);

    const photo = await noise(2000, 2000).jpeg({ quality: 92, chromaSubsampling: '4:4:4' }).toBuffer();
    const etsyReport = await checkCompliance(photo, etsy);
    expect(check(etsyReport, 'file-size')).toMatchObject({ ok: false, advisory: true, required: 1024 * 1024 });
    expect(etsyReport.ok).toBe(true);
  });
});
