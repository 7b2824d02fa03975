import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createOpenAiClient } from '../../src/services/openai-client.js';
import { handleRequests, readBody } from './http.js';
import { type FilePart, parseMultipart } from './multipart.js';
import {
  type ApiFailure,
  checkImageRequest,
  checkResponseFormat,
  duration,
  FAILURES,
  imageOutputTokens,
} from './openai-rules.js';

export type Endpoint = 'chat' | 'edits' | 'generations';

const ROUTES: Record<string, Endpoint> = {
  '/v1/chat/completions': 'chat',
  '/v1/images/edits': 'edits',
  '/v1/images/generations': 'generations',
};

/** What the fake does with one request instead of answering normally. */
export type Behaviour =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** An API error as the real service answers it (openai-rules.ts FAILURES), at once. */
  | { failure: ApiFailure }
  | { hang: true }
  | { reset: true }
  | { delayMs: number }
  /** Answers normally once `until` settles (the test decides the instant an answer lands). */
  | { until: Promise<unknown> }
  /** A chat answer with this text (and no image, even when one was asked for: the model declined). */
  | { content: string }
  /** A chat answer refused by the model: `message.refusal` set, `content` null. */
  | { refusal: string }
  /** An image answer carrying these bytes (a Buffer) or this base64 text as its image. */
  | { image: Buffer | string };

/** An account problem answered to every request until cleared (the key, billing, verification). */
export type AccountProblem = 'invalid_api_key' | 'insufficient_quota' | 'unverified';

/** One answer sent: which endpoint, which status, when. */
export interface AnswerRecord {
  endpoint: Endpoint;
  status: number;
  at: number;
}

export interface RecordedRequest {
  endpoint: Endpoint;
  headers: IncomingMessage['headers'];
  /** JSON body, or the text fields of a multipart body. */
  body: Record<string, unknown>;
  files: FilePart[];
  at: number;
  /** True when the client closed the connection before an answer was sent (an aborted request). */
  closedByClient: boolean;
}

export const FAKE_ANALYSIS = {
  product_type: 'ceramic coffee mug',
  key_features: ['glossy glaze', 'rounded handle'],
  materials: ['ceramic'],
  colors: ['white', 'navy blue'],
  style: 'minimalist',
  notable_details: ['small logo "ACME" on the side'],
  product_name: { en: 'ceramic coffee mug', ru: 'керамическая кофейная кружка' },
};

/**
 * A local stand-in for an OpenAI-compatible API over real HTTP, so the real openai SDK runs
 * against it, as strict as the real service (openai-rules.ts): chat completions (text,
 * structured output checked against the strict-mode subset, image output OpenRouter style) and
 * image edits/generations (gpt-image parameters checked) that return real images with `usage`.
 *
 * For other tests:
 * - `imageLimit = { perMinute: 12 }`: a token bucket over image requests (edits, generations,
 *   chat with image output), full at the start; past it, 429 rate_limit_exceeded with
 *   `retry-after` and `x-ratelimit-*` headers. Off (undefined) by default.
 * - `rateLimited(retryAfter, endpoint?)`: the next request to the endpoint answers that 429 with
 *   `retry-after` as given (seconds, any string for a malformed value, null for none).
 * - `accountProblem = 'invalid_api_key' | 'insufficient_quota' | 'unverified'`: every request fails so.
 * - `queue(endpoint, ...behaviours)`: one-off answers (errors, refusals, garbage images, delays).
 * - `answered` counts answers by status (`answered[429]`); `answers` lists them.
 */
export class FakeOpenAi {
  readonly requests: RecordedRequest[] = [];
  readonly answers: AnswerRecord[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly behaviours: Record<Endpoint, Behaviour[]> = { chat: [], edits: [], generations: [] };
  /** Added to every answer of an endpoint (simulated model time). */
  readonly latencyMs: Record<Endpoint, number> = { chat: 0, edits: 0, generations: 0 };
  /** Model time drawn for each request (a spread like the real service's); replaces `latencyMs` when set. */
  latencyFor: ((endpoint: Endpoint) => number) | undefined;
  /** Whether requests are kept in `requests` (a long benchmark turns it off). */
  keepRequests = true;
  /** The assistant's message content for a chat request; the default knows our two schemas. */
  chatContent: (body: Record<string, unknown>) => string = defaultChatContent;
  /** Images per minute the organisation may request (a token bucket); undefined: no limit. */
  imageLimit: { perMinute: number; burst?: number } | undefined;
  /** Fails every request the way the real API does for this account problem. */
  accountProblem: AccountProblem | undefined;
  private bucket = { tokens: Number.NaN, at: 0 };

  /** Answers so far, by HTTP status. */
  get answered(): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const a of this.answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
    return counts;
  }

  /** The next request to `endpoint` answers 429 rate_limit_exceeded with this retry-after. */
  rateLimited(retryAfter: number | string | null, endpoint: Endpoint = 'edits'): void {
    this.queue(endpoint, { failure: FAILURES.rateLimited({ retryAfter, limit: this.imageLimit?.perMinute }) });
  }

  /** Forgets recorded requests and answers, queued behaviours, latencies, limits and account problems. */
  reset(): void {
    this.requests.length = 0;
    for (const endpoint of Object.keys(this.latencyMs) as Endpoint[]) this.latencyMs[endpoint] = 0;
    this.latencyFor = undefined;
    this.answers.length = 0;
    for (const list of Object.values(this.behaviours)) list.length = 0;
    this.chatContent = defaultChatContent;
    this.imageLimit = undefined;
    this.accountProblem = undefined;
    this.bucket = { tokens: Number.NaN, at: 0 };
  }

  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('FakeOpenAi is not listening');
    return `http://127.0.0.1:${address.port}/v1`;
  }

  async start(): Promise<this> {
    this.server = createServer(handleRequests((req, res) => this.route(req, res)));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The next requests to `endpoint` get these behaviours, one each, in order. */
  queue(endpoint: Endpoint, ...behaviours: Behaviour[]): void {
    this.behaviours[endpoint].push(...behaviours);
  }

  requestsTo(endpoint: Endpoint): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const endpoint = ROUTES[(req.url ?? '').split('?')[0] ?? ''];
    const raw = await readBody(req);
    if (!endpoint) return send(res, 404, { error: { message: `No route ${req.url}`, type: 'invalid_request_error' } });
    const { body, files } = parseBody(req.headers['content-type'] ?? '', raw);
    const record: RecordedRequest = {
      endpoint,
      headers: req.headers,
      body,
      files,
      at: Date.now(),
      closedByClient: false,
    };
    if (this.keepRequests) this.requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedByClient = true;
    });
    const answer = (status: number, payload: unknown, headers?: Record<string, string>) => {
      if (res.destroyed) return;
      this.answers.push({ endpoint, status, at: Date.now() });
      send(res, status, payload, headers);
    };
    const fail = (f: ApiFailure) => answer(f.status, { error: f.error }, f.headers);

    const behaviour = this.behaviours[endpoint].shift();
    if (behaviour && 'hang' in behaviour) return; // never answers; the client must give up
    if (behaviour && 'reset' in behaviour) {
      req.socket.destroy();
      return;
    }
    if (behaviour && 'failure' in behaviour) return fail(behaviour.failure);
    if (behaviour && 'until' in behaviour) await behaviour.until.catch(() => undefined);
    const delay =
      (this.latencyFor?.(endpoint) ?? this.latencyMs[endpoint]) +
      (behaviour && 'delayMs' in behaviour ? behaviour.delayMs : 0);
    if (behaviour && 'status' in behaviour) {
      if (delay > 0) await sleep(delay);
      return answer(
        behaviour.status,
        behaviour.body ?? { error: { message: `injected ${behaviour.status}` } },
        behaviour.headers,
      );
    }

    // The real API's own checks answer at once: the key, the account, the rate, the request.
    const refused = this.refusal(endpoint, body, files);
    if (refused) return fail(refused);
    const limit = isImageRequest(endpoint, body) ? this.takeImageToken(String(body.model ?? '')) : { headers: {} };
    if ('failure' in limit) return fail(limit.failure);
    const limitHeaders = limit.headers;
    if (delay > 0) await sleep(delay);

    const image = behaviour && 'image' in behaviour ? behaviour.image : undefined;
    if (endpoint !== 'chat') return answer(200, await imageResult(endpoint, body, image), limitHeaders);
    if (behaviour && 'refusal' in behaviour) return answer(200, chatCompletion(body, null, behaviour.refusal));
    if (behaviour && 'content' in behaviour) return answer(200, chatCompletion(body, behaviour.content));
    if (isImageRequest(endpoint, body)) return answer(200, await chatImageCompletion(body, image), limitHeaders);
    return answer(200, chatCompletion(body, this.chatContent(body)));
  }

  /** What the real API refuses before any work: an account problem, then an invalid request. */
  private refusal(endpoint: Endpoint, body: Record<string, unknown>, files: FilePart[]): ApiFailure | undefined {
    if (this.accountProblem === 'invalid_api_key') return FAILURES.invalidApiKey();
    if (this.accountProblem === 'insufficient_quota') return FAILURES.insufficientQuota();
    if (this.accountProblem === 'unverified' && endpoint !== 'chat') return FAILURES.unverified(String(body.model));
    if (endpoint === 'chat') return checkResponseFormat(body.response_format);
    const images = files.filter((f) => f.name === 'image' || f.name === 'image[]');
    return checkImageRequest(endpoint, body, images);
  }

  /**
   * One image from the bucket (refilled at perMinute/60 a second, holding at most `burst`), and
   * the x-ratelimit-* headers the answer carries (rate-limits guide, "Rate limits in headers");
   * or the 429 when it is empty.
   */
  private takeImageToken(model: string): { headers: Record<string, string> } | { failure: ApiFailure } {
    const limit = this.imageLimit;
    if (!limit) return { headers: {} };
    const capacity = limit.burst ?? limit.perMinute;
    const perSecond = limit.perMinute / 60;
    const now = Date.now();
    if (Number.isNaN(this.bucket.tokens)) this.bucket = { tokens: capacity, at: now };
    this.bucket.tokens = Math.min(capacity, this.bucket.tokens + ((now - this.bucket.at) / 1000) * perSecond);
    this.bucket.at = now;
    if (this.bucket.tokens < 1) {
      const wait = (1 - this.bucket.tokens) / perSecond;
      return { failure: FAILURES.rateLimited({ model, limit: limit.perMinute, retryAfter: Math.ceil(wait) }) };
    }
    this.bucket.tokens -= 1;
    const headers = {
      'x-ratelimit-limit-requests': String(limit.perMinute),
      'x-ratelimit-remaining-requests': String(Math.floor(this.bucket.tokens)),
      'x-ratelimit-reset-requests': duration((capacity - this.bucket.tokens) / perSecond),
    };
    return { headers };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An image request: the images endpoints, or a chat request asking for image output. */
function isImageRequest(endpoint: Endpoint, body: Record<string, unknown>): boolean {
  if (endpoint !== 'chat') return true;
  return Array.isArray(body.modalities) && body.modalities.includes('image');
}

export function defaultChatContent(body: Record<string, unknown>): string {
  const format = body.response_format as { json_schema?: { name?: string } } | undefined;
  switch (format?.json_schema?.name) {
    case 'product_analysis':
      return JSON.stringify(FAKE_ANALYSIS);
    case 'style_prompts':
      return JSON.stringify({
        styles: ['Marble studio', 'Morning kitchen', 'Cozy cafe', 'Bold color pop'].map((name) => ({
          name,
          scene: `The ${FAKE_ANALYSIS.product_type} in a ${name.toLowerCase()} setting, soft light`,
        })),
      });
    default:
      return 'OK';
  }
}

function chatCompletion(body: Record<string, unknown>, content: string | null, refusal: string | null = null) {
  return {
    id: `chatcmpl-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

/**
 * Gemini 2.5 Flash Image's size per aspect_ratio (its model page), the size OpenRouter's
 * `image_config.aspect_ratio` selects; 1:1 when none is given.
 */
const GEMINI_SIZES: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '3:4': [864, 1184],
  '4:3': [1184, 864],
  '9:16': [768, 1344],
  '16:9': [1344, 768],
  '2:3': [832, 1248],
  '3:2': [1248, 832],
};

/** The text parts of a chat request's last message (the image prompt). */
function promptOf(body: Record<string, unknown>): string {
  const messages = (body.messages ?? []) as { content?: unknown }[];
  const content = messages.at(-1)?.content;
  if (typeof content === 'string') return content;
  return ((content ?? []) as { type?: string; text?: string }[])
    .filter((p) => p.type === 'text')
    .map((p) => p.text ?? '')
    .join(' ');
}

/**
 * Image output through chat completions as OpenRouter answers it (its image-generation docs):
 * `choices[0].message.images[0].image_url.url` a `data:image/png;base64,...` URL, beside text.
 * Usage: Gemini bills 1290 output tokens per image.
 */
async function chatImageCompletion(body: Record<string, unknown>, image?: Buffer | string) {
  const ratio = String((body.image_config as { aspect_ratio?: string } | undefined)?.aspect_ratio ?? '1:1');
  const [width, height] = GEMINI_SIZES[ratio] ?? [1024, 1024];
  const prompt = promptOf(body);
  const b64 =
    image === undefined ? (await solidImage(width, height, prompt, 'png')).toString('base64') : asBase64(image);
  return {
    id: `gen-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        finish_reason: 'stop',
        native_finish_reason: 'STOP',
        logprobs: null,
        message: {
          role: 'assistant',
          content: 'Here is the product in the requested scene.',
          refusal: null,
          images: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` }, index: 0 }],
        },
      },
    ],
    usage: { prompt_tokens: 1300 + Math.ceil(prompt.length / 4), completion_tokens: 1290, total_tokens: 2590 },
  };
}

const asBase64 = (image: Buffer | string) => (typeof image === 'string' ? image : image.toString('base64'));

const images = new Map<string, Promise<Buffer>>();

/**
 * A real image derived from the prompt (made once per size, format and prompt): of one colour,
 * or, when the prompt asks for a plain white background, the product of cutOutImage on the
 * off-white, vignetted, shadowed backdrop of whiteBackdrop (as models paint "white").
 */
function solidImage(width: number, height: number, prompt: string, format: 'png' | 'jpeg' | 'webp') {
  const key = `${width}x${height}:${format}:${prompt}`;
  let result = images.get(key);
  if (!result) {
    const digest = createHash('sha256').update(prompt).digest();
    const background = { r: digest[0] ?? 0, g: digest[1] ?? 0, b: digest[2] ?? 0 };
    const encode = (image: Sharp) =>
      image.toFormat(format, format === 'png' ? { compressionLevel: 1 } : { quality: 80 }).toBuffer();
    result = WHITE_BACKGROUND.test(prompt)
      ? cutOutImage(width, height, prompt, 'png').then((product) =>
          encode(sharp(Buffer.from(whiteBackdrop(width, height))).composite([{ input: product }])),
        )
      : encode(sharp({ create: { width, height, channels: 3, background } }));
    images.set(key, result);
    if (images.size > 500) images.delete(images.keys().next().value ?? '');
  }
  return result;
}

/**
 * The "white" a model paints: RGB 250,250,249 at the centre fading to 244,244,243 in the
 * corners, with a soft contact shadow (RGB 215) under the product of cutOutImage.
 */
function whiteBackdrop(width: number, height: number): string {
  const shadowY = Math.round(height * 0.8);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><radialGradient id="v" cx="50%" cy="50%" r="71%">
      <stop offset="0%" stop-color="rgb(250,250,249)"/><stop offset="100%" stop-color="rgb(244,244,243)"/>
    </radialGradient></defs>
    <rect width="${width}" height="${height}" fill="url(#v)"/>
    <ellipse cx="${width / 2}" cy="${shadowY}" rx="${Math.round(width * 0.28)}" ry="${Math.round(height * 0.025)}" fill="rgb(215,215,215)"/></svg>`;
}

/** A prompt asking for the product alone on plain white (the packshots' scene). */
const WHITE_BACKGROUND = /plain pure white background/i;

const cutOuts = new Map<string, Promise<Buffer>>();

/**
 * What a gpt-image model answers with `background: "transparent"`: the product on a fully
 * transparent backdrop. Known content: a rectangle of the prompt's colour (digest) spanning
 * the middle 50% x 60% of the frame, with a pure white label inside it (touching nothing at
 * the frame's border), anti-aliased by a 1 px soft edge.
 */
export function cutOutImage(width: number, height: number, prompt: string, format: 'png' | 'webp') {
  const key = `${width}x${height}:${format}:${prompt}`;
  let result = cutOuts.get(key);
  if (!result) {
    const digest = createHash('sha256').update(prompt).digest();
    // Dark enough to be product, never near-white.
    const colour = `rgb(${(digest[0] ?? 0) % 160},${(digest[1] ?? 0) % 160},${(digest[2] ?? 0) % 160})`;
    const w = Math.round(width * 0.5);
    const h = Math.round(height * 0.6);
    const x = Math.round((width - w) / 2);
    const y = Math.round((height - h) / 2);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${colour}"/>
      <rect x="${x + w / 4}" y="${y + h / 3}" width="${w / 2}" height="${h / 3}" fill="#ffffff"/></svg>`;
    result = sharp(Buffer.from(svg))
      .toFormat(format, format === 'png' ? { compressionLevel: 1 } : { quality: 90, alphaQuality: 100 })
      .toBuffer();
    cutOuts.set(key, result);
    if (cutOuts.size > 100) cutOuts.delete(cutOuts.keys().next().value ?? '');
  }
  return result;
}

/**
 * images.edit / images.generate as gpt-image models answer (openai-node resources/images.d.ts,
 * ImagesResponse): `data[].b64_json` in `output_format` (png by default), the settings used, and
 * `usage` with input/output tokens. Input token counts are approximations (the guide gives
 * output tokens per size and quality only).
 */
async function imageResult(endpoint: 'edits' | 'generations', body: Record<string, unknown>, image?: Buffer | string) {
  const size = String(body.size ?? 'auto');
  const [width, height] = size === 'auto' ? [1024, 1024] : size.split('x').map(Number);
  const format = String(body.output_format ?? 'png') as 'png' | 'jpeg' | 'webp';
  const quality = String(body.quality ?? 'auto') === 'auto' ? 'medium' : String(body.quality);
  const n = Number(body.n ?? 1);
  const transparent = body.background === 'transparent';
  const prompt = String(body.prompt ?? '');
  const data =
    image ??
    (transparent
      ? await cutOutImage(width ?? 1024, height ?? 1024, prompt, format === 'jpeg' ? 'png' : format)
      : await solidImage(width ?? 1024, height ?? 1024, prompt, format));
  const text = Math.ceil(String(body.prompt ?? '').length / 4);
  const imageTokens = endpoint === 'generations' ? 0 : body.input_fidelity === 'high' ? 4160 : 323;
  const input = text + imageTokens;
  const output = imageOutputTokens(size, quality) * n;
  return {
    created: Math.floor(Date.now() / 1000),
    background: transparent ? 'transparent' : 'opaque',
    data: Array.from({ length: n }, () => ({ b64_json: asBase64(data) })),
    output_format: format,
    quality,
    size: `${width}x${height}`,
    usage: {
      input_tokens: input,
      input_tokens_details: { image_tokens: input - text, text_tokens: text },
      output_tokens: output,
      total_tokens: input + output,
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function parseBody(contentType: string, raw: Buffer): { body: Record<string, unknown>; files: FilePart[] } {
  if (contentType.includes('application/json')) {
    return { body: raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {}, files: [] };
  }
  const { fields, files } = parseMultipart(raw, contentType);
  return { body: fields, files };
}

/** The real SDK client pointed at a fake. */
export function openAiClientFor(fake: FakeOpenAi) {
  return createOpenAiClient(
    parseConfig({
      BOT_TOKEN: '1:test',
      OPENAI_API_KEY: 'sk-test-secret-key-value',
      OPENAI_BASE_URL: fake.baseUrl,
      VISION_TIMEOUT_S: '15',
      PROMPT_TIMEOUT_S: '15',
      IMAGE_TIMEOUT_S: '60',
    }).ai,
  );
}

/** One fake for the test file, its request record cleared before each test. */
export function useFakeOpenAi(): () => FakeOpenAi {
  let fake: FakeOpenAi | undefined;
  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
  });
  afterAll(() => fake?.close());
  beforeEach(() => fake?.reset());
  return () => {
    if (!fake) throw new Error('useFakeOpenAi: the fake is not started yet');
    return fake;
  };
}
