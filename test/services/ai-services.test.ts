import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderSize } from '../../src/services/aspect-ratio.js';
import { createCachedLoader, createMemoryCache } from '../../src/services/cache.js';
import { createImageConverter } from '../../src/services/image-converter.js';
import { createImageService } from '../../src/services/images.js';
import { createPromptService, imagePrompt, STYLE_CATALOGUE } from '../../src/services/prompts.js';
import { createAiPolicy } from '../../src/services/resilience.js';
import { createVisionService } from '../../src/services/vision.js';
import { defaultChatContent, FAKE_ANALYSIS, openAiClientFor, useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { silentLogger } from '../support/logger.js';

const fake = useFakeOpenAi();

const settings = {
  retries: 0,
  backoffInitialMs: 10,
  backoffMaxMs: 10,
  timeoutMs: 5000,
  breakerThreshold: 5,
  halfOpenAfterMs: 1000,
};
const converter = createImageConverter({
  CONVERTER_CONCURRENCY: 2,
  CONVERTER_QUEUE_LIMIT: 50,
  PNG_COMPRESSION_LEVEL: 6,
  MAX_INPUT_PIXELS: 40_000_000,
  NORMALISED_MAX_SIDE: 1536,
});

function services() {
  const openai = openAiClientFor(fake());
  const load = createCachedLoader(createMemoryCache({ maxEntries: 100 }));
  return {
    vision: createVisionService({
      openai,
      policy: createAiPolicy('vision', settings, silentLogger),
      model: 'vision-model',
      load,
      ttlSeconds: 60,
    }),
    prompts: createPromptService({
      openai,
      policy: createAiPolicy('prompts', settings, silentLogger),
      model: 'prompt-model',
      load,
      ttlSeconds: 60,
    }),
    images: createImageService({
      openai,
      policy: createAiPolicy('images', settings, silentLogger),
      model: 'image-model',
      converter,
    }),
  };
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

  it('draws 4 different catalogue styles without a model call', () => {
    const { prompts } = services();
    const styles = prompts.randomCreative();
    expect(new Set(styles.map((s) => s.name)).size).toBe(4);
    for (const style of styles) expect(STYLE_CATALOGUE.map((c) => c.name)).toContain(style.name);
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
    const result = await openai.images.generate({ model: 'image-model', prompt: 'a mug', size: '1536x1024' });
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
