import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { abortable } from './abortable.js';
import {
  AiCanceledError,
  AiTimeoutError,
  AiUnavailableError,
  ContentRejectedError,
  type Upstream,
  UpstreamError,
} from './ai-errors.js';
import type { Metrics } from './metrics.js';

export interface PolicySettings {
  /** Retries after the first attempt. */
  retries: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Time allowed for one attempt; its AbortSignal cancels the HTTP request. */
  timeoutMs: number;
  breakerThreshold: number;
  halfOpenAfterMs: number;
}

/** Breaker state as a number, for metrics: 0 closed, 1 half-open, 2 open. */
export const BREAKER_STATE_VALUE = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
} as const;

const STATE_NAMES: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'isolated',
};

/** Moderation and safety refusals, by the codes OpenAI-compatible providers use. */
function isContentRejection(err: unknown): boolean {
  if (!(err instanceof APIError)) return false;
  const code = `${err.code ?? ''} ${(err.error as { type?: string } | undefined)?.type ?? ''}`;
  return /content_policy|moderation|safety|content_filter/i.test(code);
}

/**
 * Worth another attempt: network errors, timeouts, 408, 409, 429 (unless the quota is spent)
 * and 5xx. Never a client error (400/401/403/404/422), a refusal, or an open circuit.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof BrokenCircuitError) return false;
  if (err instanceof TaskCancelledError) return true;
  if (err instanceof APIUserAbortError) return true;
  if (err instanceof APIConnectionError) return true;
  if (err instanceof APIError) {
    if (isContentRejection(err)) return false;
    const status = err.status ?? 0;
    if (status === 429) return err.code !== 'insufficient_quota';
    return status === 408 || status === 409 || status >= 500;
  }
  return false;
}

/**
 * One upstream's policy: retry( breaker( timeout( call ) ) ). Each attempt has its own timeout
 * and counts toward the breaker; an open breaker fails the call at once and is not retried.
 * Failures come out as the typed errors of ai-errors.ts.
 */
export function createAiPolicy(upstream: Upstream, settings: PolicySettings, logger: Logger, metrics?: Metrics) {
  const log = logger.child({ upstream });
  const attemptTimeout = timeout(settings.timeoutMs, TimeoutStrategy.Aggressive);
  const breaker = circuitBreaker(handleWhen(isTransient), {
    halfOpenAfter: settings.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(settings.breakerThreshold),
  });
  const retries = retry(handleWhen(isTransient), {
    maxAttempts: settings.retries,
    backoff: new ExponentialBackoff({ initialDelay: settings.backoffInitialMs, maxDelay: settings.backoffMaxMs }),
  });
  const policy = wrap(retries, breaker, attemptTimeout);

  let openedAt = 0;
  let previous = breaker.state;
  metrics?.upstream.state(upstream, BREAKER_STATE_VALUE[breaker.state]);
  breaker.onStateChange((state) => {
    if (state === CircuitState.Open) openedAt = Date.now();
    log.warn({ from: STATE_NAMES[previous], to: STATE_NAMES[state] }, `circuit breaker ${STATE_NAMES[state]}`);
    metrics?.upstream.transition(upstream, STATE_NAMES[previous], STATE_NAMES[state]);
    metrics?.upstream.state(upstream, BREAKER_STATE_VALUE[state]);
    previous = state;
  });
  retries.onRetry((event) => {
    metrics?.upstream.retry(upstream);
    const reason = 'error' in event ? describe(event.error) : 'unexpected result';
    log.info({ attempt: event.attempt, delay_ms: Math.round(event.delay), reason }, 'retrying');
  });

  const retryInSeconds = () => Math.max(1, Math.ceil((openedAt + settings.halfOpenAfterMs - Date.now()) / 1000));

  return {
    upstream,
    /** The current breaker state. */
    get state(): CircuitState {
      return breaker.state;
    },
    /**
     * Runs `call` under the policy; the signal aborts its HTTP request at the attempt's timeout,
     * or as soon as `cancel` aborts (then the call fails with AiCanceledError at once).
     */
    async execute<T>(call: (signal: AbortSignal) => Promise<T>, cancel?: AbortSignal): Promise<T> {
      let attempts = 0;
      try {
        const result = await policy.execute(({ signal }) => {
          attempts += 1;
          return cancel ? cancellable(upstream, call, signal, cancel) : call(signal);
        });
        metrics?.upstream.outcome(upstream, 'success');
        return result;
      } catch (err) {
        // The caller's own decision: no warning, no failure counted.
        if (err instanceof AiCanceledError) throw err;
        const typed = toAiError(upstream, err, settings.timeoutMs, retryInSeconds);
        // A call refused by an open breaker made no attempt: not worth a warning per request.
        if (attempts === 0) {
          log.debug({ reason: typed.message }, 'failed fast: circuit open');
          metrics?.upstream.outcome(upstream, 'rejected');
        } else {
          log.warn({ attempts, last_error: describe(err), error: typed.name }, 'giving up');
          metrics?.upstream.outcome(upstream, 'failure');
          metrics?.upstream.giveUp(upstream);
        }
        throw typed;
      }
    },
  };
}

export type AiPolicy = ReturnType<typeof createAiPolicy>;

/**
 * One attempt that also stops when the caller cancels: its request is aborted and it fails
 * with AiCanceledError, which the retry and breaker policies do not handle (cockatiel rethrows
 * an error its filter rejects without counting it), so a cancelled photoshoot never opens the
 * breaker nor waits for the model's answer.
 */
function cancellable<T>(
  upstream: Upstream,
  call: (signal: AbortSignal) => Promise<T>,
  attempt: AbortSignal,
  cancel: AbortSignal,
): Promise<T> {
  const canceled = () => new AiCanceledError(upstream, { cause: cancel.reason });
  if (cancel.aborted) return Promise.reject(canceled());
  const work = call(AbortSignal.any([attempt, cancel])).catch((err: unknown) => {
    throw cancel.aborted ? canceled() : err;
  });
  return abortable(work, cancel, canceled);
}

function describe(err: unknown): string {
  if (err instanceof APIError) return err.message.slice(0, 300);
  return err instanceof Error ? err.message.slice(0, 300) : String(err);
}

function toAiError(upstream: Upstream, err: unknown, timeoutMs: number, retryIn: () => number): Error {
  if (err instanceof BrokenCircuitError) return new AiUnavailableError(upstream, retryIn(), { cause: err });
  if (err instanceof TaskCancelledError || err instanceof APIUserAbortError) {
    return new AiTimeoutError(upstream, timeoutMs, { cause: err });
  }
  if (isContentRejection(err)) {
    return new ContentRejectedError(upstream, (err as APIError).message, { cause: err });
  }
  if (err instanceof APIError) return new UpstreamError(upstream, describe(err), err.status, { cause: err });
  if (err instanceof UpstreamError || err instanceof ContentRejectedError) return err;
  return new UpstreamError(upstream, describe(err), undefined, { cause: err });
}

/** The three upstream policies, built once at startup and shared by every photoshoot. */
export function createAiPolicies(
  config: Pick<
    Config,
    | 'AI_RETRIES'
    | 'AI_BACKOFF_INITIAL_MS'
    | 'AI_BACKOFF_MAX_MS'
    | 'VISION_TIMEOUT_S'
    | 'PROMPT_TIMEOUT_S'
    | 'IMAGE_TIMEOUT_S'
    | 'BREAKER_THRESHOLD'
    | 'BREAKER_HALF_OPEN_AFTER_S'
  >,
  logger: Logger,
  metrics?: Metrics,
) {
  const base = {
    retries: config.AI_RETRIES,
    backoffInitialMs: config.AI_BACKOFF_INITIAL_MS,
    backoffMaxMs: config.AI_BACKOFF_MAX_MS,
    breakerThreshold: config.BREAKER_THRESHOLD,
    halfOpenAfterMs: config.BREAKER_HALF_OPEN_AFTER_S * 1000,
  };
  return {
    vision: createAiPolicy('vision', { ...base, timeoutMs: config.VISION_TIMEOUT_S * 1000 }, logger, metrics),
    prompts: createAiPolicy('prompts', { ...base, timeoutMs: config.PROMPT_TIMEOUT_S * 1000 }, logger, metrics),
    images: createAiPolicy('images', { ...base, timeoutMs: config.IMAGE_TIMEOUT_S * 1000 }, logger, metrics),
  };
}

export type AiPolicies = ReturnType<typeof createAiPolicies>;
