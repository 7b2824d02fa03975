import { CircuitState } from 'cockatiel';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeIncident } from '../../src/db/incidents.js';
import {
  AiCanceledError,
  AiTimeoutError,
  AiUnavailableError,
  ContentRejectedError,
  UpstreamError,
} from '../../src/services/ai-errors.js';
import { createCachedLoader, createMemoryCache } from '../../src/services/cache.js';
import type { NormalisedPhoto } from '../../src/services/image-converter.js';
import { type AttemptGate, createAiPolicy, type PolicySettings } from '../../src/services/resilience.js';
import { createUpstreamHealth, type IncidentAlert } from '../../src/services/upstream-health.js';
import { createVisionService } from '../../src/services/vision.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FAKE_ANALYSIS, openAiClientFor, useFakeOpenAi } from '../support/fake-openai.js';
import { captureLogger, silentLogger } from '../support/logger.js';

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

/** The images policy as createAiPolicies builds it: a timed-out attempt is final and not a failure. */
const IMAGES: PolicySettings = { ...FAST, retryTimeouts: false, timeoutsCountAsFailures: false };

/** One image through the real SDK under `policy` (images.generate: the same checks as images.edit). */
function imageCall(policy: ReturnType<typeof createAiPolicy>, options: { trial?: boolean } = {}) {
  const openai = openAiClientFor(fake());
  return policy.execute(
    (signal) => openai.images.generate({ model: 'gpt-image-1', prompt: 'a mug', size: '1024x1024', n: 1 }, { signal }),
    undefined,
    options,
  );
}

/** A gate that records each attempt's turn and each 429's headers. */
function recordingGate() {
  const turns: number[] = [];
  const pauses: (string | null)[] = [];
  const gate: AttemptGate = {
    async beforeAttempt() {
      turns.push(Date.now());
    },
    async rateLimited(headers) {
      pauses.push(headers?.get('retry-after') ?? null);
    },
  };
  return { gate, turns, pauses };
}

describe('the images policy', () => {
  it('does not send a timed-out image again, but still retries a 500', async () => {
    const policy = createAiPolicy('images', { ...IMAGES, timeoutMs: 300 }, silentLogger);
    fake().queue('generations', { hang: true });
    expect(await failure(imageCall(policy))).toBeInstanceOf(AiTimeoutError);
    expect(fake().requestsTo('generations')).toHaveLength(1);

    fake().queue('generations', { status: 500 });
    await expect(imageCall(policy)).resolves.toBeDefined();
    expect(fake().requestsTo('generations')).toHaveLength(3);
  });

  it('stays closed through one slow photoshoot (4 timeouts after a success), and a 5xx outage still opens it', async () => {
    const policy = createAiPolicy('images', { ...IMAGES, timeoutMs: 200, retries: 0 }, silentLogger);
    await imageCall(policy);
    fake().queue('generations', { hang: true }, { hang: true }, { hang: true }, { hang: true });
    const slow = await Promise.all([0, 1, 2, 3].map(() => failure(imageCall(policy))));
    expect(slow.every((e) => e instanceof AiTimeoutError)).toBe(true);
    expect(policy.state).toBe(CircuitState.Closed);
    await expect(imageCall(policy)).resolves.toBeDefined();

    // Failing answers are the service failing: more than half of the window's calls, 5 or more.
    fake().queue('generations', ...Array.from({ length: 6 }, () => ({ status: 503 })));
    for (let i = 0; i < 6 && policy.state === CircuitState.Closed; i++) await failure(imageCall(policy));
    expect(policy.state).toBe(CircuitState.Open);
    expect(await failure(imageCall(policy))).toBeInstanceOf(AiUnavailableError);
  });

  it('waits at the gate before every attempt, retries included; a 429 is shared, retried and not counted', async () => {
    const { gate, turns, pauses } = recordingGate();
    const policy = createAiPolicy('images', { ...IMAGES, gate, breakerThreshold: 1 }, silentLogger);
    fake().rateLimited(7, 'generations');
    fake().rateLimited(null, 'generations');
    await expect(imageCall(policy)).resolves.toBeDefined();
    expect(fake().requestsTo('generations')).toHaveLength(3);
    expect(turns).toHaveLength(3);
    expect(pauses).toEqual(['7', null]);
    // A breaker that opens on any one failure (threshold 1) did not count the 429s.
    expect(policy.state).toBe(CircuitState.Closed);

    turns.length = 0;
    fake().queue('generations', { status: 500 });
    await expect(imageCall(createAiPolicy('images', { ...IMAGES, gate }, silentLogger))).resolves.toBeDefined();
    expect(turns).toHaveLength(2);
  });

  it('a spent quota is not retried and not a rate-limit pause', async () => {
    const { gate, turns, pauses } = recordingGate();
    const policy = createAiPolicy('images', { ...IMAGES, gate }, silentLogger);
    fake().accountProblem = 'insufficient_quota';
    expect(await failure(imageCall(policy))).toBeInstanceOf(UpstreamError);
    expect(fake().requestsTo('generations')).toHaveLength(1);
    expect(turns).toHaveLength(1);
    expect(pauses).toEqual([]);
  });
});

describe('account failures as one incident', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it('two processes: one incident, one alert with the reason, the upstream out everywhere; the first success: one recovered alert', async () => {
    const alerts: IncidentAlert[] = [];
    const processes = [0, 1].map(() => {
      const health = createUpstreamHealth({
        db: database.handle.db,
        logger: silentLogger,
        alert: async (a) => alerts.push(a),
        checkEveryMs: 150,
      });
      const policy = createAiPolicy('images', { ...IMAGES, health }, silentLogger);
      health.probeWith('images', () => imageCall(policy, { trial: true }));
      return { health, policy };
    });
    const [a, b] = processes;
    if (!a || !b) return;
    fake().accountProblem = 'invalid_api_key';
    // Both processes hit the bad key at once.
    const failures = await Promise.all([failure(imageCall(a.policy)), failure(imageCall(b.policy))]);
    expect(failures.every((e) => e instanceof UpstreamError && e.status === 401)).toBe(true);
    await expect.poll(() => alerts.length).toBe(1);
    expect(alerts[0]).toMatchObject({ kind: 'opened', upstream: 'images' });
    expect(alerts[0]?.reason).toMatch(/^401 invalid_api_key: Incorrect API key/);
    // Out: no more requests, a typed "unavailable" at once; Generate is refused.
    const before = fake().requestsTo('generations').length;
    expect(await failure(imageCall(a.policy))).toBeInstanceOf(AiUnavailableError);
    expect(fake().requestsTo('generations')).toHaveLength(before);
    expect(await a.health.unavailable()).toMatch(/images 401/);

    // A third process that never called learns it from the database.
    const c = createUpstreamHealth({
      db: database.handle.db,
      logger: silentLogger,
      alert: async (x) => alerts.push(x),
      checkEveryMs: 150,
    });
    c.start();
    await c.ready();
    expect(c.outage('images')).toMatch(/401/);

    for (const p of processes) p.health.start();
    // Still broken: the trials fail, nothing more is said.
    await new Promise((r) => setTimeout(r, 400));
    expect(alerts).toHaveLength(1);
    fake().accountProblem = undefined;
    await expect.poll(() => alerts.length, { timeout: 3000 }).toBe(2);
    expect(alerts[1]).toMatchObject({ kind: 'recovered', upstream: 'images' });
    await expect
      .poll(() => [a.health, b.health, c].map((h) => h.outage('images') ?? 'ok'), { timeout: 3000 })
      .toEqual(['ok', 'ok', 'ok']);
    await expect(imageCall(b.policy)).resolves.toBeDefined();
    await new Promise((r) => setTimeout(r, 400));
    expect(alerts).toHaveLength(2);
    expect(await a.health.unavailable()).toBeUndefined();
    for (const p of [a.health, b.health, c]) p.stop();
  });

  it('a read of the incidents that began before this process marked the upstream out does not put it back', async () => {
    const alerts: IncidentAlert[] = [];
    const health = createUpstreamHealth({
      db: database.handle.db,
      logger: silentLogger,
      alert: async (a) => alerts.push(a),
      checkEveryMs: 60_000,
    });
    // The table locked: the first read of the incidents and the incident's insert both wait.
    await database.handle.db.transaction(async (tx) => {
      await tx.execute(sql`lock table upstream_incidents in access exclusive mode`);
      health.start();
      await new Promise((r) => setTimeout(r, 100));
      health.accountFailed('images', '401 invalid_api_key: Incorrect API key provided');
    });
    // The read saw no incident (it ran before the insert committed), yet the mark made after it began stands.
    await health.ready();
    expect(health.outage('images')).toMatch(/^401/);
    await expect.poll(() => alerts.length).toBe(1);
    expect(await health.unavailable()).toMatch(/images 401/);
    health.stop();
    await closeIncident(database.handle.db, 'images');
  });
});
