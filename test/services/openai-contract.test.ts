import { APIError, toFile } from 'openai';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stylesSchema } from '../../src/services/prompts.js';
import { jsonSchemaFormat } from '../../src/services/structured-output.js';
import { productAnalysisSchema } from '../../src/services/vision.js';
import { FAKE_ANALYSIS, openAiClientFor, useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { checkResponseFormat, FAILURES } from '../support/openai-rules.js';
import { rejectionOf } from '../support/rejection.js';

/**
 * One test per rule of the real API the fake enforces (test/support/openai-rules.ts names the
 * sources), each through the real openai SDK client: the fake refuses what the real API refuses,
 * with its status, type, code, param and message.
 */
const fake = useFakeOpenAi();
const client = () => openAiClientFor(fake());

async function apiError(call: Promise<unknown>): Promise<APIError> {
  const err = await rejectionOf(call);
  expect(err).toBeInstanceOf(APIError);
  return err as APIError;
}

const strictFormat = (name: string, schema: Record<string, unknown>) => ({
  type: 'json_schema' as const,
  json_schema: { name, strict: true, schema },
});

const chatWith = (format: ReturnType<typeof strictFormat>) =>
  client().chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    response_format: format,
  });

const styles = (item: Record<string, unknown>) => ({
  type: 'object',
  properties: { styles: { type: 'array', items: item } },
  required: ['styles'],
  additionalProperties: false,
});

const nameItem = (name: Record<string, unknown>) => ({
  type: 'object',
  properties: { name },
  required: ['name'],
  additionalProperties: false,
});

describe('structured outputs, strict mode', () => {
  it.each([
    ['minLength', { type: 'string', minLength: 1 }],
    ['maxLength', { type: 'string', maxLength: 40 }],
    ['default', { type: 'string', default: 'x' }],
    ['not', { type: 'string', not: { const: 'x' } }],
    ['if', { type: 'string', if: { const: 'a' }, else: { const: 'b' } }],
  ])(
    "refuses '%s' with 400 invalid_request_error naming the schema, its context and the keyword",
    async (keyword, name) => {
      const err = await apiError(chatWith(strictFormat('style_prompts', styles(nameItem(name)))));
      expect(err.status).toBe(400);
      expect(err.type).toBe('invalid_request_error');
      expect(err.param).toBe('response_format');
      expect(err.code).toBeNull();
      expect(err.error).toMatchObject({
        message: `Invalid schema for response_format 'style_prompts': In context=('properties', 'styles', 'items', 'properties', 'name'), '${keyword}' is not permitted.`,
      });
    },
  );

  it.each([
    ['minProperties', { minProperties: 1 }],
    ['patternProperties', { patternProperties: { '^x': { type: 'string' } } }],
  ])("refuses '%s' on an object", async (keyword, extra) => {
    const err = await apiError(chatWith(strictFormat('s', { ...nameItem({ type: 'string' }), ...extra })));
    expect(err.message).toContain(`In context=(), '${keyword}' is not permitted.`);
  });

  it("refuses 'uniqueItems' on an array", async () => {
    const schema = styles({ type: 'string' });
    (schema.properties.styles as Record<string, unknown>).uniqueItems = true;
    const err = await apiError(chatWith(strictFormat('s', schema)));
    expect(err.message).toContain("In context=('properties', 'styles'), 'uniqueItems' is not permitted.");
  });

  it("refuses an object whose 'required' misses a property", async () => {
    const schema = {
      ...nameItem({ type: 'string' }),
      properties: { name: { type: 'string' }, city: { type: 'string' } },
    };
    const err = await apiError(chatWith(strictFormat('profile', schema)));
    expect(err.status).toBe(400);
    expect(err.message).toContain(
      "Invalid schema for response_format 'profile': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'city'.",
    );
  });

  it("refuses an object without 'additionalProperties: false', nested ones included", async () => {
    const { additionalProperties: _open, ...item } = nameItem({ type: 'string' });
    const err = await apiError(chatWith(strictFormat('s', styles(item))));
    expect(err.message).toContain(
      "In context=('properties', 'styles', 'items'), 'additionalProperties' is required to be supplied and to be false.",
    );
  });

  it('accepts the whole supported subset: pattern, format, enum, numbers, arrays, anyOf, $defs/$ref, const, null unions', async () => {
    const schema = {
      type: 'object',
      properties: {
        code: { type: 'string', pattern: '^[A-Z]+$', description: 'upper case' },
        when: { type: 'string', format: 'date-time' },
        colour: { type: 'string', enum: ['red', 'blue'] },
        score: { type: 'number', minimum: 0, maximum: 10, exclusiveMinimum: -1, exclusiveMaximum: 11, multipleOf: 0.5 },
        count: { type: 'integer', minimum: 1 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 4 },
        note: { type: ['string', 'null'] },
        kind: { const: 'product' },
        either: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/point' }] },
      },
      required: ['code', 'when', 'colour', 'score', 'count', 'tags', 'note', 'kind', 'either'],
      additionalProperties: false,
      $defs: {
        point: {
          type: 'object',
          properties: { x: { type: 'number' } },
          required: ['x'],
          additionalProperties: false,
        },
      },
    };
    const completion = await chatWith(strictFormat('everything', schema));
    expect(completion.choices[0]?.message.content).toBe('OK');
  });

  it('does not check a schema sent without strict: true', async () => {
    const format = {
      type: 'json_schema' as const,
      json_schema: { name: 'loose', schema: styles(nameItem({ type: 'string', minLength: 1 })) },
    };
    const completion = await client().chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: format,
    });
    expect(completion.choices).toHaveLength(1);
  });

  it('zod emits minLength/maxLength for the limits the bot keeps, and the fake would refuse them', () => {
    const raw = z.toJSONSchema(stylesSchema) as Record<string, unknown>;
    expect(JSON.stringify(raw)).toContain('"maxLength":40');
    expect(checkResponseFormat(strictFormat('style_prompts', raw))?.error.message).toMatch(/is not permitted/);
  });

  it.each([
    ['product_analysis', productAnalysisSchema],
    ['style_prompts', stylesSchema],
  ] as const)('every schema the bot sends (%s) passes the strict checker', async (name, schema) => {
    const format = jsonSchemaFormat(name, schema);
    expect(checkResponseFormat(format)).toBeUndefined();
    const completion = await client().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: format,
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toBeTypeOf('object');
  });

  it("keeps the SDK's parser on the narrowed format: chat.completions.parse fills message.parsed", async () => {
    const completion = await client().chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: jsonSchemaFormat('product_analysis', productAnalysisSchema),
    });
    expect(completion.choices[0]?.message.parsed).toEqual(FAKE_ANALYSIS);
  });

  it('answers a refusal as message.refusal with content null, on demand', async () => {
    fake().queue('chat', { refusal: "I'm sorry, I can't help with that." });
    const completion = await chatWith(jsonSchemaFormat('product_analysis', productAnalysisSchema));
    expect(completion.choices[0]?.message).toMatchObject({
      content: null,
      refusal: "I'm sorry, I can't help with that.",
    });
  });
});

const photo = async () => toFile(fixture('with-alpha.png'), 'product.png', { type: 'image/png' });
const edit = async (params: Record<string, unknown>) =>
  client().images.edit({ model: 'gpt-image-1', image: await photo(), prompt: 'a mug on marble', ...params } as never);

describe('images.edit, gpt-image models', () => {
  it.each([
    [
      'size',
      '512x512',
      "Invalid value: '512x512'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.",
    ],
    ['output_format', 'gif', "Invalid value: 'gif'. Supported values are: 'png', 'jpeg', and 'webp'."],
    ['quality', 'standard', "Invalid value: 'standard'. Supported values are: 'low', 'medium', 'high', and 'auto'."],
    ['input_fidelity', 'medium', "Invalid value: 'medium'. Supported values are: 'high' and 'low'."],
  ])('refuses %s %s with 400 invalid_value naming the supported values', async (param, value, message) => {
    const err = await apiError(edit({ [param]: value }));
    expect(err.status).toBe(400);
    expect(err.type).toBe('invalid_request_error');
    expect(err.code).toBe('invalid_value');
    expect(err.param).toBe(param);
    expect(err.error).toMatchObject({ message });
  });

  it('refuses input_fidelity for gpt-image-1-mini', async () => {
    const err = await apiError(edit({ model: 'gpt-image-1-mini', input_fidelity: 'high' }));
    expect(err.status).toBe(400);
    expect(err.param).toBe('input_fidelity');
    expect(err.message).toContain("input_fidelity 'high' is only supported for model gpt-model-1");
  });

  it('refuses an input image that is not png, webp or jpeg', async () => {
    const gif = await toFile(Buffer.from('GIF89a'), 'product.gif', { type: 'image/gif' });
    const err = await apiError(client().images.edit({ model: 'gpt-image-1', image: gif, prompt: 'x' }));
    expect(err.status).toBe(400);
    expect(err.param).toBe('image');
    expect(err.message).toContain(
      "Invalid file 'image': unsupported mimetype ('image/gif'). Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
    );
  });

  it('refuses an input image of 50 MB or more', async () => {
    const big = await toFile(Buffer.alloc(50 * 1024 * 1024), 'product.png', { type: 'image/png' });
    const err = await apiError(client().images.edit({ model: 'gpt-image-1', image: big, prompt: 'x' }));
    expect(err.status).toBe(400);
    expect(err.param).toBe('image');
  });

  it('answers an image in output_format at the size asked, with usage tokens', async () => {
    const result = await edit({ size: '1024x1536', quality: 'medium', output_format: 'webp', input_fidelity: 'high' });
    const image = Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64');
    expect(await sharp(image).metadata()).toMatchObject({ format: 'webp', width: 1024, height: 1536 });
    expect(result.usage).toMatchObject({ output_tokens: 1584, input_tokens: expect.any(Number) });
    expect(result.usage?.input_tokens_details).toMatchObject({
      image_tokens: expect.any(Number),
      text_tokens: expect.any(Number),
    });
    expect(result.usage?.total_tokens).toBe((result.usage?.input_tokens ?? 0) + (result.usage?.output_tokens ?? 0));
  });

  it('answers png by default, as the real API does', async () => {
    const result = await edit({});
    expect((await sharp(Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64')).metadata()).format).toBe('png');
  });

  it('answers moderation_blocked (400) on demand', async () => {
    fake().queue('edits', { failure: FAILURES.moderationBlocked() });
    const err = await apiError(edit({}));
    expect(err.status).toBe(400);
    expect(err.code).toBe('moderation_blocked');
    expect(err.message).toContain('Your request was rejected by the safety system');
  });

  it('keeps a configurable latency', async () => {
    fake().latencyMs.edits = 300;
    try {
      const started = Date.now();
      await edit({});
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      fake().latencyMs.edits = 0;
    }
  });
});

describe('rate limits and account problems', () => {
  it('a per-minute image limit answers 429 rate_limit_exceeded with retry-after and x-ratelimit headers once spent', async () => {
    fake().imageLimit = { perMinute: 2 };
    const first = await edit({}).then(() => 'ok');
    const raw = await client()
      .images.edit({ model: 'gpt-image-1', image: await photo(), prompt: 'x' })
      .withResponse();
    expect(first).toBe('ok');
    expect(raw.response.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(raw.response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const err = await apiError(edit({}));
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('requests');
    expect(err.message).toMatch(
      /^429 Rate limit reached for gpt-image-1 in organization org-\w+ on images per minute \(IPM\): Limit 2, Used 2, Requested 1\. Please try again in \d+s\./,
    );
    const retryAfter = Number(err.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(err.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(err.headers?.get('x-ratelimit-reset-requests')).toMatch(/^\d+(ms|s|m\d+s)$/);
    expect(fake().answered).toEqual({ 200: 2, 429: 1 });
  });

  it('the limit is off by default', async () => {
    await Promise.all(Array.from({ length: 8 }, () => edit({})));
    expect(fake().answered).toEqual({ 200: 8 });
  });

  it.each([
    [20, '20'],
    [86_400, '86400'],
    ['soon', 'soon'],
    [null, null],
  ] as const)('forces a 429 with retry-after %s on demand', async (given, header) => {
    fake().rateLimited(given);
    const err = await apiError(edit({}));
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.headers?.get('retry-after')).toBe(header);
    expect(fake().answered[429]).toBe(1);
  });

  it.each([
    ['insufficient_quota', 429, 'insufficient_quota', 'insufficient_quota', 'You exceeded your current quota'],
    ['invalid_api_key', 401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided'],
    [
      'unverified',
      403,
      'invalid_request_error',
      null,
      'Your organization must be verified to use the model `gpt-image-1`',
    ],
  ] as const)('answers %s (%i) to every request until cleared', async (problem, status, type, code, message) => {
    fake().accountProblem = problem;
    for (let i = 0; i < 2; i++) {
      const err = await apiError(edit({}));
      expect([err.status, err.type, err.code]).toEqual([status, type, code]);
      expect(err.message).toContain(message);
    }
    fake().accountProblem = undefined;
    await edit({});
  });
});

describe('image output through chat completions (OpenRouter style)', () => {
  const ask = (ratio?: string) =>
    client().chat.completions.create({
      model: 'google/gemini-2.5-flash-image',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'a mug on marble' }] }],
      modalities: ['image', 'text'],
      ...(ratio ? { image_config: { aspect_ratio: ratio } } : {}),
    } as never) as Promise<{
      choices: { message: { content: string | null; images?: { image_url: { url: string } }[] } }[];
    }>;

  it('answers message.images[0].image_url.url as a PNG data URL beside text, sized by aspect_ratio', async () => {
    const completion = await ask('16:9');
    const message = completion.choices[0]?.message;
    expect(message?.content).toBeTruthy();
    const url = message?.images?.[0]?.image_url.url ?? '';
    expect(url).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(url.split(',')[1] ?? '', 'base64');
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 1344, height: 768 });
  });

  it('answers text only when the model declines, on demand', async () => {
    fake().queue('chat', { content: 'I cannot create that image.' });
    const message = (await ask()).choices[0]?.message;
    expect(message?.images).toBeUndefined();
    expect(message?.content).toBe('I cannot create that image.');
  });
});
