import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { ContentRejectedError, UpstreamError } from '../../src/services/ai-errors.js';
import { type AspectRatio, renderSize } from '../../src/services/aspect-ratio.js';
import { createCachedLoader, createMemoryCache } from '../../src/services/cache.js';
import { createImageConverter } from '../../src/services/image-converter.js';
import { createImageService, type ImageApi } from '../../src/services/images.js';
import { clipStyleName, createPromptService, imagePrompt } from '../../src/services/prompts.js';
import { createAiPolicy } from '../../src/services/resilience.js';
import { STYLE_CATALOGUE } from '../../src/services/style-catalogue.js';
import type { AiUsageReport } from '../../src/services/usage.js';
import { createVisionService } from '../../src/services/vision.js';
import { defaultChatContent, FAKE_ANALYSIS, openAiClientFor, useFakeOpenAi } from '../support/fake-openai.js';
import { fixture, pngClaimingSize } from '../support/fixtures.js';
import { silentLogger } from '../support/logger.js';
import { FAILURES } from '../support/openai-rules.js';
import { rejectionOf } from '../support/rejection.js';

const fake = useFakeOpenAi();

const settings = {
  retries: 0,
  backoffInitialMs: 10,
  backoffMaxMs: 10,
  timeoutMs: 5000,
  breakerThreshold: 5,
  halfOpenAfterMs: 1000,
};
const converter = createImageConverter(
  parseConfig({
    BOT_TOKEN: '1:test',
    CONVERTER_CONCURRENCY: '2',
    CONVERTER_QUEUE_LIMIT: '50',
    PNG_COMPRESSION_LEVEL: '6',
    MAX_INPUT_PIXELS: '40000000',
    NORMALISED_MAX_SIDE: '1536',
  }).images,
);

function services(options: { imageModel?: string; api?: ImageApi } = {}) {
  const openai = openAiClientFor(fake());
  const load = createCachedLoader(createMemoryCache({ maxEntries: 100 }));
  const usage: AiUsageReport[] = [];
  const onUsage = (report: AiUsageReport) => usage.push(report);
  return {
    usage,
    vision: createVisionService({
      openai,
      policy: createAiPolicy('vision', settings, silentLogger),
      model: 'vision-model',
      load,
      ttlSeconds: 60,
      onUsage,
    }),
    prompts: createPromptService({
      openai,
      policy: createAiPolicy('prompts', settings, silentLogger),
      model: 'prompt-model',
      load,
      ttlSeconds: 60,
      onUsage,
    }),
    images: createImageService({
      openai,
      policy: createAiPolicy('images', settings, silentLogger),
      model: options.imageModel ?? 'image-model',
      converter,
      api: options.api,
      onUsage,
    }),
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const err = await rejectionOf(promise);
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe('vision', () => {
  it('sends the photo as a data URL with a strict schema, and caches the analysis by photo id', async () => {
    const { vision } = services();
    const photo = await converter.normalise(fixture('flowers.jpeg'));
    const results = await Promise.all([vision.analyse(photo, 'uniq-1'), vision.analyse(photo, 'uniq-1')]);
    expect(results).toEqual([FAKE_ANALYSIS, FAKE_ANALYSIS]);
    await vision.analyse(photo, 'uniq-1');
    expect(fake().requestsTo('chat')).toHaveLength(1);
    const body = fake().requestsTo('chat')[0]?.body as {
      model: string;
      messages: { content: unknown }[];
      response_format: { json_schema: { strict: boolean; schema: { additionalProperties: boolean } } };
    };
    expect(body.model).toBe('vision-model');
    expect(JSON.stringify(body.messages)).toContain('data:image/jpeg;base64,/9j/');
    expect(body.response_format.json_schema.strict).toBe(true);
    expect(body.response_format.json_schema.schema.additionalProperties).toBe(false);
    await vision.analyse(photo, 'uniq-2');
    expect(fake().requestsTo('chat')).toHaveLength(2);
  });

  it('rejects an answer that does not match the schema with a typed error', async () => {
    const { vision } = services();
    fake().chatContent = () => JSON.stringify({ product_type: 'mug' });
    try {
      await expect(vision.analyse(await converter.normalise(fixture('320x240.jpg')), 'bad')).rejects.toThrow(
        /did not match the schema/,
      );
    } finally {
      fake().chatContent = defaultChatContent;
    }
  });
});

describe('prompts', () => {
  it('asks the prompt model for 4 styles, cached by analysis and ratio', async () => {
    const { prompts } = services();
    const styles = await prompts.fromAnalysis(FAKE_ANALYSIS, '3:4');
    expect(styles.map((s) => s.name)).toEqual(['Marble studio', 'Morning kitchen', 'Cozy cafe', 'Bold color pop']);
    expect(styles[0]?.scene).toBe('The ceramic coffee mug in a marble studio setting, soft light');
    await prompts.fromAnalysis(FAKE_ANALYSIS, '3:4');
    expect(fake().requestsTo('chat')).toHaveLength(1);
    await prompts.fromAnalysis(FAKE_ANALYSIS, '16:9');
    expect(fake().requestsTo('chat')).toHaveLength(2);
  });

  it("draws 4 different catalogue styles without a model call, named in the seller's language", () => {
    const { prompts } = services();
    for (const locale of ['en', 'ru'] as const) {
      const styles = prompts.randomCreative(locale);
      expect(new Set(styles.map((s) => s.key)).size).toBe(4);
      for (const style of styles) {
        const entry = STYLE_CATALOGUE.find((c) => c.key === style.key);
        expect(style.name).toBe(entry?.name[locale]);
        // The model always reads English.
        expect(style.scene).toBe(`The product ${entry?.scene}`);
      }
      if (locale === 'ru') for (const style of styles) expect(style.name).not.toMatch(/[A-Za-z]/);
    }
    expect(fake().requests).toHaveLength(0);
  });

  it('tells the image model, for every style, to keep the product exactly as it is', () => {
    const prompt = imagePrompt({ name: 'Mine', scene: 'On a beach at sunset' }, FAKE_ANALYSIS, '9:16');
    expect(prompt).toMatch(/^Photograph of the white and navy blue ceramic coffee mug\. Scene: On a beach at sunset\./);
    expect(prompt).toContain('Keep the product from the photo exactly as it is');
    expect(prompt).toContain('small logo "ACME" on the side');
    expect(prompt).toContain('9:16 composition');
  });
});

describe('images', () => {
  it.each([
    ['1:1', '1024x1024'],
    ['16:9', '1536x1024'],
    ['9:16', '1024x1536'],
    ['3:4', '1024x1536'],
    ['4:3', '1536x1024'],
  ] as const)('renders %s at %s and returns a PNG of exactly that ratio', async (ratio, modelSize) => {
    const { images } = services();
    const photo = await converter.normalise(fixture('with-alpha.png'));
    const png = await images.generate(photo, 'A mug on marble', ratio);
    const meta = await sharp(png).metadata();
    const { exact } = renderSize(ratio);
    expect(meta).toMatchObject({ format: 'png', width: exact.width, height: exact.height });
    const [a, b] = ratio.split(':').map(Number);
    expect((meta.width ?? 0) * (b ?? 1)).toBe((meta.height ?? 0) * (a ?? 1));

    const [request] = fake().requestsTo('edits');
    expect(request?.body).toMatchObject({
      model: 'image-model',
      prompt: 'A mug on marble',
      size: modelSize,
      output_format: 'webp',
      n: '1',
    });
    const file = request?.files.find((f) => f.name === 'image');
    expect(file?.contentType).toBe('image/png');
    expect(file?.filename).toBe('product.png');
    expect(file?.data.equals(photo.data)).toBe(true);
    fake().requests.length = 0;
  });
});

describe('fake OpenAI server', () => {
  it('serves images.generate with a real WebP of the requested size to the real SDK', async () => {
    const openai = openAiClientFor(fake());
    const result = await openai.images.generate({
      model: 'image-model',
      prompt: 'a mug',
      size: '1536x1024',
      output_format: 'webp',
    });
    const webp = Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64');
    expect(await sharp(webp).metadata()).toMatchObject({ format: 'webp', width: 1536, height: 1024 });
    expect(fake().requestsTo('generations')[0]?.body).toMatchObject({ model: 'image-model', prompt: 'a mug' });
  });
});

describe('memory cache', () => {
  it('expires entries after their TTL and evicts the least recently used', async () => {
    let now = 0;
    const cache = createMemoryCache({ maxEntries: 2, now: () => now });
    await cache.set('a', 1, 10);
    await cache.set('b', 2, 10);
    expect(await cache.get('a')).toBe(1);
    await cache.set('c', 3, 10);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe(1);
    now = 10_001;
    expect(await cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});

describe('strict structured outputs, answered badly', () => {
  it('reports the tokens of each answer, and nothing for a cached one', async () => {
    const { vision, prompts, usage } = services();
    await vision.analyse(await converter.normalise(fixture('320x240.jpg')), 'usage-1');
    await vision.analyse(await converter.normalise(fixture('320x240.jpg')), 'usage-1');
    await prompts.fromAnalysis(FAKE_ANALYSIS, '1:1');
    expect(usage).toEqual([
      {
        upstream: 'vision',
        model: 'vision-model',
        images: 0,
        inputTokens: 10,
        outputTokens: 10,
        seconds: expect.any(Number),
      },
      {
        upstream: 'prompts',
        model: 'prompt-model',
        images: 0,
        inputTokens: 10,
        outputTokens: 10,
        seconds: expect.any(Number),
      },
    ]);
  });

  it('clips a style name that is too long at a word boundary instead of failing', async () => {
    const long = 'Sunlit Mediterranean terrace with lemon trees and blue tiles';
    fake().chatContent = () =>
      JSON.stringify({
        styles: [long, 'B', 'C', 'D'].map((name) => ({ name, scene: `A scene for ${name}, soft light` })),
      });
    const styles = await services().prompts.fromAnalysis(FAKE_ANALYSIS, '4:3');
    expect(styles[0]?.name).toBe('Sunlit Mediterranean terrace with lemon');
    expect(styles[0]?.name.length).toBeLessThanOrEqual(40);
    expect(clipStyleName('x'.repeat(60))).toBe('x'.repeat(40));
    expect(clipStyleName('  Marble   studio ')).toBe('Marble studio');
  });

  it.each([
    ['not JSON', 'Sure! Here are four styles: ...', /the answer was not JSON/],
    [
      'three styles',
      JSON.stringify({ styles: [1, 2, 3].map(() => ({ name: 'A', scene: 'A long enough scene' })) }),
      /did not match the schema/,
    ],
    [
      'an empty name',
      JSON.stringify({ styles: [1, 2, 3, 4].map(() => ({ name: ' ', scene: 'A long enough scene' })) }),
      /did not match the schema/,
    ],
  ])('an answer that is %s is a clear UpstreamError', async (_what, content, message) => {
    fake().chatContent = () => content;
    const { prompts, usage } = services();
    const err = await failure(prompts.fromAnalysis({ ...FAKE_ANALYSIS, style: _what }, '1:1'));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.message).toMatch(message);
    expect(usage).toHaveLength(1); // the answer was billed all the same
  });

  it('a refusal is a ContentRejectedError of kind refusal', async () => {
    fake().queue('chat', { refusal: 'I cannot describe this image.' });
    const err = await failure(services().vision.analyse(await converter.normalise(fixture('320x240.jpg')), 'refused'));
    expect(err).toBeInstanceOf(ContentRejectedError);
    expect(err).toMatchObject({ kind: 'refusal', reason: 'I cannot describe this image.' });
  });
});

describe('image answers', () => {
  const photo = () => converter.normalise(fixture('with-alpha.png'));

  it('sends quality and input_fidelity explicitly, and reports the answer usage', async () => {
    const { images, usage } = services({ imageModel: 'gpt-image-1' });
    await images.generate(await photo(), 'A mug on marble', '1:1');
    expect(fake().requestsTo('edits')[0]?.body).toMatchObject({ quality: 'medium', input_fidelity: 'high' });
    expect(usage).toEqual([
      {
        upstream: 'images',
        model: 'gpt-image-1',
        images: 1,
        inputTokens: expect.any(Number),
        outputTokens: 1056,
        seconds: expect.any(Number),
      },
    ]);
  });

  it('leaves input_fidelity out for gpt-image-1-mini, which refuses it', async () => {
    await services({ imageModel: 'gpt-image-1-mini' }).images.generate(await photo(), 'A mug', '1:1');
    const body = fake().requestsTo('edits')[0]?.body;
    expect(body).toMatchObject({ model: 'gpt-image-1-mini', quality: 'medium' });
    expect(body).not.toHaveProperty('input_fidelity');
  });

  it.each([
    ['base64 garbage', () => '!!!not base64 at all%%%', /could not be used/],
    [
      'a 1x1 image',
      () =>
        sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } })
          .png()
          .toBuffer(),
      /1x1 pixels/,
    ],
    ['a 10000x10000 image', () => pngClaimingSize(10_000, 10_000), /10000x10000 pixels/],
    ['an empty image', () => '', /held no image|was empty/],
  ])('%s is a clear UpstreamError, not a crash nor a hang', async (_what, make, message) => {
    const { images, usage } = services();
    fake().queue('edits', { image: await make() });
    const started = Date.now();
    const err = await failure(images.generate(await photo(), 'A mug', '1:1'));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.message).toMatch(message);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(usage).toHaveLength(1); // the answer was billed all the same
  });

  it('a moderation_blocked answer is a ContentRejectedError of kind moderation', async () => {
    fake().queue('edits', { failure: FAILURES.moderationBlocked() });
    const err = await failure(services().images.generate(await photo(), 'A mug', '1:1'));
    expect(err).toBeInstanceOf(ContentRejectedError);
    expect(err).toMatchObject({ kind: 'moderation', upstream: 'images' });
  });

  it.each(['16:9', '9:16'] as const)(
    'pads a real %s render out to the ratio, cropping nothing of it',
    async (ratio) => {
      const { model, exact } = renderSize(ratio);
      const render = await sharp(fixture('flowers.jpeg'))
        .resize(model.width, model.height, { fit: 'fill' })
        .png()
        .toBuffer();
      fake().queue('edits', { image: render });
      const png = await services().images.generate(await photo(), 'Flowers', ratio);
      const meta = await sharp(png).metadata();
      expect(meta).toMatchObject({ format: 'png', width: exact.width, height: exact.height });
      const [a, b] = ratio.split(':').map(Number);
      expect((meta.width ?? 0) * (b ?? 1)).toBe((meta.height ?? 0) * (a ?? 1));
      // The whole render is there, pixel for pixel, in the middle of the canvas.
      const left = Math.floor((exact.width - model.width) / 2);
      const top = Math.floor((exact.height - model.height) / 2);
      const inner = await sharp(png).extract({ left, top, width: model.width, height: model.height }).raw().toBuffer();
      expect(inner.equals(await sharp(render).raw().toBuffer())).toBe(true);
      // The padding continues the render's edge colours (a blurred copy), not black or white bars.
      const strip = (image: Buffer, size: { width: number; height: number }) =>
        sharp(image)
          .extract(ratio === '16:9' ? { ...size, left: 0, top: 0, width: 8 } : { ...size, left: 0, top: 0, height: 8 })
          .stats();
      const [edge, pad] = await Promise.all([strip(render, model), strip(png, exact)]);
      for (const c of [0, 1, 2])
        expect(Math.abs((pad.channels[c]?.mean ?? 0) - (edge.channels[c]?.mean ?? 0))).toBeLessThan(30);
    },
  );
});

describe('IMAGE_API=chat (OpenRouter / Gemini image output)', () => {
  const photo = () => converter.normalise(fixture('flowers.jpeg'));

  it.each(['1:1', '16:9', '3:4'] as AspectRatio[])(
    'renders %s through chat completions and pads to the exact ratio',
    async (ratio) => {
      const { images, usage } = services({ api: 'chat', imageModel: 'google/gemini-2.5-flash-image' });
      const input = await photo();
      const png = await images.generate(input, 'A vase on oak', ratio);
      const meta = await sharp(png).metadata();
      const [a, b] = ratio.split(':').map(Number);
      expect(meta.format).toBe('png');
      expect((meta.width ?? 0) * (b ?? 1)).toBe((meta.height ?? 0) * (a ?? 1));
      const [request] = fake().requestsTo('chat');
      expect(request?.body).toMatchObject({
        model: 'google/gemini-2.5-flash-image',
        modalities: ['image', 'text'],
        image_config: { aspect_ratio: ratio },
      });
      expect(JSON.stringify(request?.body.messages)).toContain(
        `data:image/jpeg;base64,${input.data.toString('base64').slice(0, 40)}`,
      );
      expect(fake().requestsTo('edits')).toHaveLength(0);
      expect(usage).toEqual([
        {
          upstream: 'images',
          model: 'google/gemini-2.5-flash-image',
          images: 1,
          inputTokens: expect.any(Number),
          outputTokens: 1290,
          seconds: expect.any(Number),
        },
      ]);
    },
  );

  it('a model that answers in words only declined: ContentRejectedError of kind refusal', async () => {
    fake().queue('chat', { content: "I can't generate images of that." });
    const err = await failure(services({ api: 'chat' }).images.generate(await photo(), 'A vase', '1:1'));
    expect(err).toBeInstanceOf(ContentRejectedError);
    expect(err).toMatchObject({ kind: 'refusal', reason: "I can't generate images of that." });
  });

  it('an answer with neither image nor words is an UpstreamError', async () => {
    fake().queue('chat', { content: '' });
    const err = await failure(services({ api: 'chat' }).images.generate(await photo(), 'A vase', '1:1'));
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.message).toMatch(/held no image/);
  });

  it('an image that is not an image is an UpstreamError', async () => {
    fake().queue('chat', { image: 'bm90IGFuIGltYWdl' });
    const err = await failure(services({ api: 'chat' }).images.generate(await photo(), 'A vase', '1:1'));
    expect(err).toBeInstanceOf(UpstreamError);
  });
});
