import { CircuitState } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import {
  AiCanceledError,
  AiTimeoutError,
  AiUnavailableError,
  ContentRejectedError,
  UpstreamError,
} from '../../src/services/ai-errors.js';
import { createCachedLoader, createMemoryCache } from '../../src/services/cache.js';
import type { NormalisedPhoto } from '../../src/services/image-converter.js';
import { createAiPolicy, type PolicySettings } from '../../src/services/resilience.js';
import { createVisionService } from '../../src/services/vision.js';
import { FAKE_ANALYSIS, openAiClientFor, useFakeOpenAi } from '../support/fake-openai.js';
import { captureLogger } from '../support/logger.js';

const fake = useFakeOpenAi();

const FAST: PolicySettings = {
  retries: 2,
  backoffInitialMs: 10,
  backoffMaxMs: 50,
  timeoutMs: 2000,
  breakerThreshold: 5,
  halfOpenAfterMs: 300,
};

const photo: NormalisedPhoto = { data: Buffer.from('not really a jpeg'), mime: 'image/jpeg', width: 1, height: 1 };
let nextPhoto = 0;

/** The real vision service over the real SDK against the fake, with no caching, under `settings`. */
function visionWith(settings: Partial<PolicySettings> = {}) {
  const { logger, records } = captureLogger({ OPENAI_API_KEY: 'sk-test-secret-key-value' });
  const openai = openAiClientFor(fake());
  const policy = createAiPolicy('vision', { ...FAST, ...settings }, logger);
  const vision = createVisionService({
    openai,
    policy,
    model: 'vision-test',
    load: createCachedLoader(createMemoryCache({ maxEntries: 0 })),
    ttlSeconds: 0,
  });
  const analyse = () => vision.analyse(photo, `photo-${nextPhoto++}`);
  return { analyse, policy, records };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  );
}

describe('AI policy over the real SDK', () => {
  it('retries two 500s and succeeds on the third request', async () => {
    const { analyse } = visionWith();
    fake().queue('chat', { status: 500 }, { status: 500 });
    await expect(analyse()).resolves.toEqual(FAKE_ANALYSIS);
    expect(fake().requestsTo('chat')).toHaveLength(3);
  });

  it('does not retry a 400 and surfaces a typed upstream error', async () => {
    const { analyse } = visionWith();
    fake().queue('chat', { status: 400, body: { error: { message: 'bad image', type: 'invalid_request_error' } } });
    const err = await failure(analyse());
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(400);
    expect(fake().requestsTo('chat')).toHaveLength(1);
  });

  it('treats a moderation block as content rejected, without retrying', async () => {
    const { analyse } = visionWith();
    fake().queue('chat', {
      status: 400,
      body: { error: { message: 'Your request was rejected by the safety system', code: 'moderation_blocked' } },
    });
    expect(await failure(analyse())).toBeInstanceOf(ContentRejectedError);
    expect(fake().requestsTo('chat')).toHaveLength(1);
  });

  it('retries a rate limit and a reset connection, but not a spent quota', async () => {
    const { analyse } = visionWith();
    fake().queue(
      'chat',
      { status: 429, body: { error: { message: 'slow down', code: 'rate_limit_exceeded' } } },
      { reset: true },
    );
    await expect(analyse()).resolves.toEqual(FAKE_ANALYSIS);
    expect(fake().requestsTo('chat')).toHaveLength(3);

    fake().requests.length = 0;
    fake().queue('chat', { status: 429, body: { error: { message: 'quota', code: 'insufficient_quota' } } });
    expect(await failure(analyse())).toBeInstanceOf(UpstreamError);
    expect(fake().requestsTo('chat')).toHaveLength(1);
  });

  it('opens the breaker after 5 failures, fails fast, lets one trial through after the delay, and closes on success', async () => {
    const { analyse, policy, records } = visionWith({ retries: 0 });
    fake().queue('chat', ...Array.from({ length: 5 }, () => ({ status: 503 })));
    for (let i = 0; i < 5; i++) expect(await failure(analyse())).toBeInstanceOf(UpstreamError);
    expect(policy.state).toBe(CircuitState.Open);
    expect(fake().requestsTo('chat')).toHaveLength(5);

    const started = performance.now();
    const fast = await failure(analyse());
    expect(performance.now() - started).toBeLessThan(50);
    expect(fast).toBeInstanceOf(AiUnavailableError);
    expect((fast as AiUnavailableError).retryInSeconds).toBeGreaterThanOrEqual(1);
    expect(fake().requestsTo('chat')).toHaveLength(5);

    await new Promise((r) => setTimeout(r, 350));
    await expect(analyse()).resolves.toEqual(FAKE_ANALYSIS);
    expect(fake().requestsTo('chat')).toHaveLength(6);
    expect(policy.state).toBe(CircuitState.Closed);

    const transitions = records()
      .filter((r) => String(r.msg).startsWith('circuit breaker'))
      .map((r) => `${r.from}->${r.to}`);
    expect(transitions).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
    expect(JSON.stringify(records())).not.toContain('sk-test-secret-key-value');
  });

  it('aborts a hanging request at the timeout and reports a typed timeout promptly', async () => {
    const { analyse, records } = visionWith({ retries: 0, timeoutMs: 300 });
    fake().queue('chat', { hang: true });
    const started = performance.now();
    const err = await failure(analyse());
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(AiTimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1000);
    await expect.poll(() => fake().requestsTo('chat')[0]?.closedByClient, { timeout: 2000 }).toBe(true);
    expect(records().some((r) => r.msg === 'giving up')).toBe(true);
  });

  it('aborts a call its caller cancels, at once, without a retry, a warning or a count against the breaker', async () => {
    const { logger, records } = captureLogger({});
    const policy = createAiPolicy('images', { ...FAST, breakerThreshold: 1 }, logger);
    const openai = openAiClientFor(fake());
    fake().queue('chat', { hang: true });
    const cancel = new AbortController();
    const call = policy.execute(
      (signal) =>
        openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { signal }),
      cancel.signal,
    );
    await expect.poll(() => fake().requestsTo('chat').length, { timeout: 2000 }).toBe(1);
    const started = performance.now();
    cancel.abort();
    expect(await failure(call)).toBeInstanceOf(AiCanceledError);
    expect(performance.now() - started).toBeLessThan(500);
    await expect.poll(() => fake().requestsTo('chat')[0]?.closedByClient, { timeout: 2000 }).toBe(true);
    expect(fake().requestsTo('chat')).toHaveLength(1);
    expect(policy.state).toBe(CircuitState.Closed);
    expect(records().some((r) => r.msg === 'giving up')).toBe(false);
    // A call cancelled before it starts sends nothing.
    expect(await failure(policy.execute(() => Promise.resolve('never'), cancel.signal))).toBeInstanceOf(
      AiCanceledError,
    );
  });
});
