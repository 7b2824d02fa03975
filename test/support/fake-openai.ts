import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createOpenAiClient } from '../../src/services/openai-client.js';
import { handleRequests, readBody } from './http.js';
import { type FilePart, parseMultipart } from './multipart.js';

export type Endpoint = 'chat' | 'edits' | 'generations';

const ROUTES: Record<string, Endpoint> = {
  '/v1/chat/completions': 'chat',
  '/v1/images/edits': 'edits',
  '/v1/images/generations': 'generations',
};

/** What the fake does with one request instead of answering normally. */
export type Behaviour =
  | { status: number; body?: unknown }
  | { hang: true }
  | { reset: true }
  | { delayMs: number }
  /** Answers normally once `until` settles (the test decides the instant an answer lands). */
  | { until: Promise<unknown> };

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
};

/**
 * A local stand-in for an OpenAI-compatible API over real HTTP, so the real openai SDK runs
 * against it: chat completions (text and structured output) and image edits/generations that
 * return real WebP images. Per-endpoint failure injection and a record of every request.
 */
export class FakeOpenAi {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly behaviours: Record<Endpoint, Behaviour[]> = { chat: [], edits: [], generations: [] };
  /** Added to every answer of an endpoint (simulated model time). */
  readonly latencyMs: Record<Endpoint, number> = { chat: 0, edits: 0, generations: 0 };
  /** Whether requests are kept in `requests` (a long benchmark turns it off). */
  keepRequests = true;
  /** The assistant's message content for a chat request; the default knows our two schemas. */
  chatContent: (body: Record<string, unknown>) => string = defaultChatContent;

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

    const behaviour = this.behaviours[endpoint].shift();
    if (behaviour && 'hang' in behaviour) return; // never answers; the client must give up
    if (behaviour && 'reset' in behaviour) {
      req.socket.destroy();
      return;
    }
    if (behaviour && 'until' in behaviour) await behaviour.until.catch(() => undefined);
    const delay = this.latencyMs[endpoint] + (behaviour && 'delayMs' in behaviour ? behaviour.delayMs : 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (behaviour && 'status' in behaviour) {
      return send(res, behaviour.status, behaviour.body ?? { error: { message: `injected ${behaviour.status}` } });
    }
    if (endpoint === 'chat') return send(res, 200, chatCompletion(body, this.chatContent(body)));
    return send(res, 200, await imageResult(body));
  }
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

function chatCompletion(body: Record<string, unknown>, content: string) {
  return {
    id: `chatcmpl-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

const images = new Map<string, Promise<Record<string, unknown>>>();

/** A real WebP of the requested size, its colour derived from the prompt (made once per size and prompt). */
function imageResult(body: Record<string, unknown>) {
  const key = `${String(body.size)}:${String(body.prompt)}`;
  let result = images.get(key);
  if (!result) {
    result = renderImage(body);
    images.set(key, result);
    if (images.size > 500) images.delete(images.keys().next().value ?? '');
  }
  return result;
}

async function renderImage(body: Record<string, unknown>) {
  const [width, height] = String(body.size ?? '1024x1024')
    .split('x')
    .map(Number);
  const digest = createHash('sha256')
    .update(String(body.prompt ?? ''))
    .digest();
  const webp = await sharp({
    create: {
      width: width || 1024,
      height: height || 1024,
      channels: 3,
      background: { r: digest[0] ?? 0, g: digest[1] ?? 0, b: digest[2] ?? 0 },
    },
  })
    .webp({ quality: 80 })
    .toBuffer();
  return {
    created: Math.floor(Date.now() / 1000),
    data: [{ b64_json: webp.toString('base64') }],
    output_format: 'webp',
    size: `${width}x${height}`,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
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
  return createOpenAiClient({
    OPENAI_API_KEY: 'sk-test-secret-key-value',
    OPENAI_BASE_URL: fake.baseUrl,
    VISION_TIMEOUT_S: 15,
    PROMPT_TIMEOUT_S: 15,
    IMAGE_TIMEOUT_S: 60,
  });
}

/** One fake for the test file, its request record cleared before each test. */
export function useFakeOpenAi(): () => FakeOpenAi {
  let fake: FakeOpenAi | undefined;
  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
  });
  afterAll(() => fake?.close());
  beforeEach(() => {
    if (fake) {
      fake.requests.length = 0;
      fake.chatContent = defaultChatContent;
    }
  });
  return () => {
    if (!fake) throw new Error('useFakeOpenAi: the fake is not started yet');
    return fake;
  };
}
