/**
 * WebP -> PNG: our bounded converter against raw sharp at the same concurrency, side by side
 * in alternating rounds; event-loop delay while converting; RSS after 50 and after 500. Then
 * the marketplace step per image: the plain conversion of a render (renderedToPng) against
 * the compose + encode + check of each preset (forMarketplace), and the check alone, side by side.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { parseConfig } from '../src/config/index.js';
import type { AspectRatio } from '../src/services/aspect-ratio.js';
import { checkCompliance } from '../src/services/image-compliance.js';
import { createImageConverter, type ImageConverter } from '../src/services/image-converter.js';
import { MARKETPLACE_PRESETS, type MarketplacePresetKey } from '../src/services/marketplace-presets.js';
import { cutOutImage } from '../test/support/fake-openai.js';
import { fixture } from '../test/support/fixtures.js';
import { median, printTable, ratio, round1, runPool, writeResult } from './lib.js';

const quick = process.env.BENCH_QUICK === '1';
const PER_RUN = Number(process.env.BENCH_CONVERSIONS ?? (quick ? 16 : 40));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const POOLS = [1, 2, 4];
const LEVEL = 6;
const mb = (bytes: number) => round1(bytes / 1024 / 1024);

/** The converter as an operator's environment sets it up. */
const converterWith = (env: Record<string, string>) =>
  createImageConverter(
    parseConfig({
      BOT_TOKEN: '1:bench',
      PNG_COMPRESSION_LEVEL: String(LEVEL),
      MAX_INPUT_PIXELS: '40000000',
      NORMALISED_MAX_SIDE: '1536',
      ...env,
    }).images,
  );

/** A photo-like 1024x1024 WebP, as the image model returns them. */
async function sampleWebp(): Promise<Buffer> {
  return sharp(fixture('flowers.jpeg')).resize(1024, 1024, { fit: 'cover' }).webp({ quality: 90 }).toBuffer();
}

async function measure(run: () => Promise<unknown>) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  return { rate: PER_RUN / seconds, p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6 };
}

export async function benchConversion(): Promise<void> {
  const input = await sampleWebp();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const samples = new Map<string, { rate: number[]; p50: number[]; p99: number[] }>();
  const record = (key: string, m: { rate: number; p50: number; p99: number }) => {
    const s = samples.get(key) ?? { rate: [], p50: [], p99: [] };
    s.rate.push(m.rate);
    s.p50.push(m.p50);
    s.p99.push(m.p99);
    samples.set(key, s);
  };

  for (let round = 0; round < ROUNDS; round++) {
    for (const pool of POOLS) {
      const converter = converterWith({ CONVERTER_CONCURRENCY: String(pool), CONVERTER_QUEUE_LIMIT: String(PER_RUN) });
      const ours = () => Promise.all(Array.from({ length: PER_RUN }, () => converter.webpToPng(input)));
      const raw = () => runPool(PER_RUN, pool, () => sharp(input).png({ compressionLevel: LEVEL }).toBuffer());
      // Alternate which goes first, so drift on a noisy machine hurts both equally.
      const order = round % 2 === 0 ? ['ours', 'raw'] : ['raw', 'ours'];
      for (const which of order) record(`${which}:${pool}`, await measure(which === 'ours' ? ours : raw));
    }
  }

  const rows = POOLS.map((pool) => {
    const ours = samples.get(`ours:${pool}`);
    const raw = samples.get(`raw:${pool}`);
    return {
      pool,
      'ours img/s': round1(median(ours?.rate ?? [])),
      'raw sharp img/s': round1(median(raw?.rate ?? [])),
      'ours/raw': ratio(median(ours?.rate ?? []), median(raw?.rate ?? [])),
      'loop p50 ms': round1(median(ours?.p50 ?? [])),
      'loop p99 ms': round1(median(ours?.p99 ?? [])),
    };
  });

  // Memory: the default pool, 50 conversions, then 450 more.
  const converter = converterWith({ CONVERTER_CONCURRENCY: '0', CONVERTER_QUEUE_LIMIT: '500' });
  const convert = (n: number) => runPool(n, 8, () => converter.webpToPng(input));
  await convert(50);
  const rssAfter50 = process.memoryUsage().rss;
  await convert(450);
  const rssAfter500 = process.memoryUsage().rss;
  clearInterval(sampler);

  printTable(
    `WebP->PNG 1024x1024, level ${LEVEL}, ${PER_RUN} images x ${ROUNDS} rounds (medians), MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? 'unset'}`,
    rows,
  );
  const memory = {
    'RSS after 50 MB': mb(rssAfter50),
    'RSS after 500 MB': mb(rssAfter500),
    'growth MB': mb(rssAfter500 - rssAfter50),
    'peak RSS MB': mb(peakRss),
  };
  printTable('Memory (default pool)', [memory]);
  const marketplace = await benchMarketplace(input);
  printTable(
    `Marketplace step per image, one at a time (median ms of ${MARKETPLACE_IMAGES} x ${ROUNDS} rounds): plain conversion vs compose + encode + check`,
    marketplace,
  );
  const file = writeResult('conversion', { perRun: PER_RUN, rounds: ROUNDS, level: LEVEL, rows, memory, marketplace });
  process.stdout.write(`  -> ${file}\n`);
}

const MARKETPLACE_IMAGES = Number(process.env.BENCH_MARKETPLACE_IMAGES ?? (quick ? 6 : 12));

/** Median milliseconds of `n` runs of `work`, one at a time. */
async function perImage(n: number, work: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * Each preset on the render its backend returns: a cut-out (transparent WebP) for Amazon over
 * images.edit, a photo-like render on a near-white backdrop for Amazon over the chat backend,
 * the photo-like render for the others; in alternating order with the plain conversion.
 */
async function benchMarketplace(photoRender: Buffer) {
  const converter: ImageConverter = converterWith({ CONVERTER_CONCURRENCY: '1', CONVERTER_QUEUE_LIMIT: '10' });
  const cutOut = await cutOutImage(1024, 1024, 'bench product', 'webp');
  const onWhite = await sharp({
    create: { width: 1024, height: 1024, channels: 3, background: { r: 250, g: 250, b: 249 } },
  })
    .composite([{ input: await cutOutImage(1024, 1024, 'bench product', 'png') }])
    .webp({ quality: 90 })
    .toBuffer();
  const cases: { label: string; key: Exclude<MarketplacePresetKey, 'free'>; input: Buffer }[] = [
    { label: 'amazon-main (cut-out)', key: 'amazon-main', input: cutOut },
    { label: 'amazon-main (snapped white)', key: 'amazon-main', input: onWhite },
    ...(['wildberries', 'ozon', 'etsy', 'shopify', 'ebay'] as const).map((key) => ({
      label: key,
      key,
      input: photoRender,
    })),
  ];
  const rows = [];
  for (const { label, key, input } of cases) {
    const preset = MARKETPLACE_PRESETS[key];
    const aspect = preset.photoshootRatio as AspectRatio;
    const plain: number[] = [];
    const composed: number[] = [];
    const checked: number[] = [];
    // The event loop while marketplace files are made (a fresh monitor per run): what the JavaScript passes hold it for.
    const loopP99: number[] = [];
    const loopMax: number[] = [];
    let file: Buffer = Buffer.alloc(0);
    for (let round = 0; round < ROUNDS; round++) {
      const runPlain = async () =>
        plain.push(...(await perImage(MARKETPLACE_IMAGES, () => converter.renderedToPng(input, aspect))));
      const runComposed = async () => {
        const loop = monitorEventLoopDelay({ resolution: 1 });
        loop.enable();
        composed.push(
          ...(await perImage(MARKETPLACE_IMAGES, async () => {
            file = (await converter.forMarketplace(input, preset, aspect)).file;
          })),
        );
        loop.disable();
        loopP99.push(loop.percentile(99) / 1e6);
        loopMax.push(loop.max / 1e6);
      };
      if (round % 2 === 0) {
        await runPlain();
        await runComposed();
      } else {
        await runComposed();
        await runPlain();
      }
      checked.push(...(await perImage(MARKETPLACE_IMAGES, () => checkCompliance(file, preset))));
    }
    rows.push({
      preset: label,
      'plain ms': round1(median(plain)),
      'marketplace ms': round1(median(composed)),
      'added ms': round1(median(composed) - median(plain)),
      'marketplace/plain': ratio(median(composed), median(plain)),
      'of it: check ms': round1(median(checked)),
      'loop p99 ms': round1(median(loopP99)),
      'loop max ms': round1(Math.max(...loopMax)),
    });
  }
  return rows;
}
