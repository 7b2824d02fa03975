import {
  CircuitState,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import type { AiConfig } from '../config/index.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { abortable } from './abortable.js';
import { accountFailure, isRateLimited, isTimeout, isTransient, toAiError } from './ai-error-mapping.js';
import { AiCanceledError, AiUnavailableError, type Upstream } from './ai-errors.js';
import { BREAKER_STATE_NAME, BREAKER_STATE_VALUE, createFailureRateBreaker } from './failure-rate-breaker.js';
import type { Metrics } from './metrics.js';

export interface PolicySettings {
  /** Retries after the first attempt. */
  retries: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Time allowed for one attempt; its AbortSignal cancels the HTTP request. */
  timeoutMs: number;
  /**
   * Calls (failed or not) the window must hold before its failure rate can open the breaker:
   * above a photoshoot's four images, so one photoshoot alone never opens it.
   */
  breakerThreshold: number;
  halfOpenAfterMs: number;
  /** Share of the window's calls that must fail to open the breaker, 0-1 exclusive (default 0.5). */
  breakerFailureRate?: number;
  /** The window the failure rate is measured over (default 60 s). */
  breakerWindowMs?: number;
  /**
   * False: a timed-out attempt is final, not retried (an image edit that ran out of time may
   * still be rendered and billed). Default true.
   */
  retryTimeouts?: boolean;
  /** False: timed-out attempts are not counted against the breaker (a slow answer is not an outage). Default true. */
  timeoutsCountAsFailures?: boolean;
  /** Waited on before every attempt, retries included (the fleet-wide rate budget); told of 429s. */
  gate?: AttemptGate;
  /** Told of account failures and of successes: the upstream's incidents across processes. */
  health?: UpstreamHealth;
}

/** What an attempt waits for before it is sent: a shared rate budget. */
export interface AttemptGate {
  /** Resolves when the attempt may go; rejects (with any error) once `signal` aborts. */
  beforeAttempt(signal: AbortSignal): Promise<void>;
  /** The upstream answered 429 rate_limit_exceeded with these headers: pause every sender. */
  rateLimited(headers: Headers | undefined): Promise<void>;
}

/** Whether an upstream is out for an account problem, and who hears of one (see upstream-health.ts). */
export interface UpstreamHealth {
  /** The reason the upstream is out, while an account incident lasts; undefined otherwise. */
  outage(upstream: Upstream): string | undefined;
  /** The provider refused the account (invalid key, verification, quota, credits). */
  accountFailed(upstream: Upstream, reason: string): void;
  /** A call went through: the account works. */
  succeeded(upstream: Upstream): void;
}

/** Options of one call. */
export interface ExecuteOptions {
  /** A trial of an upstream that is out (an incident probe): goes through even though it is out. */
  trial?: boolean;
}

/**
 * One upstream's policy: retry( breaker( gate -> timeout( call ) ) ). Each attempt takes its
 * turn in the rate budget (the gate, when given), then has its own timeout and counts toward
 * the breaker, a failure-rate breaker over a window; an open breaker fails the call at once
 * and is not retried. An account failure holds the upstream out (through `health`) until it
 * recovers. Failures come out as the typed errors of ai-errors.ts.
 */
export function createAiPolicy(upstream: Upstream, settings: PolicySettings, logger: Logger, metrics?: Metrics) {
  const log = logger.child({ upstream });
  const { gate, health } = settings;
  const retryTimeouts = settings.retryTimeouts ?? true;
  const timeoutsCount = settings.timeoutsCountAsFailures ?? true;
  const attemptTimeout = timeout(settings.timeoutMs, TimeoutStrategy.Aggressive);
  // A rate-limit 429 is the pace, not the service failing (the shared pause answers it); a
  // timeout counts only where the settings say a slow answer is a failure.
  const countsAgainstBreaker = (err: unknown) =>
    isTransient(err) && !isRateLimited(err) && (timeoutsCount || !isTimeout(err));
  const breaker = circuitBreaker(handleWhen(countsAgainstBreaker), {
    halfOpenAfter: settings.halfOpenAfterMs,
    breaker: createFailureRateBreaker(settings),
  });
  const retries = retry(
    handleWhen((err) => isTransient(err) && (retryTimeouts || !isTimeout(err))),
    {
      maxAttempts: settings.retries,
      backoff: new ExponentialBackoff({ initialDelay: settings.backoffInitialMs, maxDelay: settings.backoffMaxMs }),
    },
  );

  let openedAt = 0;
  let previous = breaker.state;
  metrics?.upstream.state(upstream, BREAKER_STATE_VALUE[breaker.state]);
  breaker.onStateChange((state) => {
    if (state === CircuitState.Open) openedAt = Date.now();
    log.warn(
      { from: BREAKER_STATE_NAME[previous], to: BREAKER_STATE_NAME[state] },
      `circuit breaker ${BREAKER_STATE_NAME[state]}`,
    );
    metrics?.upstream.transition(upstream, BREAKER_STATE_NAME[previous], BREAKER_STATE_NAME[state]);
    metrics?.upstream.state(upstream, BREAKER_STATE_VALUE[state]);
    previous = state;
  });
  retries.onRetry((event) => {
    metrics?.upstream.retry(upstream);
    const reason = 'error' in event ? describeError(event.error) : 'unexpected result';
    log.info({ attempt: event.attempt, delay_ms: Math.round(event.delay), reason }, 'retrying');
  });

  const retryInSeconds = () => Math.max(1, Math.ceil((openedAt + settings.halfOpenAfterMs - Date.now()) / 1000));
  const never = new AbortController().signal;

  /**
   * One attempt: its turn in the rate budget (outside the timeout and the breaker's count: a
   * wait for our own pace is neither slow nor failing), then the call under its timeout.
   */
  async function attempt<T>(call: (signal: AbortSignal) => Promise<T>, cancel: AbortSignal | undefined) {
    if (gate) {
      try {
        await gate.beforeAttempt(cancel ?? never);
      } catch (err) {
        if (cancel?.aborted) throw new AiCanceledError(upstream, { cause: cancel.reason });
        throw err;
      }
    }
    try {
      return await attemptTimeout.execute(({ signal }) =>
        cancel ? cancellable(upstream, call, signal, cancel) : call(signal),
      );
    } catch (err) {
      if (gate && isRateLimited(err)) await gate.rateLimited(err.headers);
      const account = accountFailure(err);
      if (account) health?.accountFailed(upstream, account);
      throw err;
    }
  }

  return {
    upstream,
    /** The current breaker state. */
    get state(): CircuitState {
      return breaker.state;
    },
    /** True while calls fail at once: the breaker is open, or an account incident holds the upstream out. */
    get out(): boolean {
      return breaker.state === CircuitState.Open || health?.outage(upstream) !== undefined;
    },
    /**
     * Runs `call` under the policy; the signal aborts its HTTP request at the attempt's timeout,
     * or as soon as `cancel` aborts (then the call fails with AiCanceledError at once).
     */
    async execute<T>(
      call: (signal: AbortSignal) => Promise<T>,
      cancel?: AbortSignal,
      options: ExecuteOptions = {},
    ): Promise<T> {
      let attempts = 0;
      try {
        const outage = options.trial ? undefined : health?.outage(upstream);
        if (outage) {
          throw new AiUnavailableError(upstream, Math.ceil(settings.halfOpenAfterMs / 1000), {
            cause: new Error(outage),
          });
        }
        const result = await retries.execute(() =>
          breaker.execute(() => {
            attempts += 1;
            return attempt(call, cancel);
          }),
        );
        metrics?.upstream.outcome(upstream, 'success');
        health?.succeeded(upstream);
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
          log.warn({ attempts, last_error: describeError(err), error: typed.name }, 'giving up');
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

/** The three upstream policies, built once at startup and shared by every photoshoot. */
export function createAiPolicies(
  config: Pick<
    AiConfig,
    | 'retries'
    | 'backoffInitialMs'
    | 'backoffMaxMs'
    | 'visionTimeoutMs'
    | 'promptTimeoutMs'
    | 'imageTimeoutMs'
    | 'breaker'
  >,
  logger: Logger,
  metrics?: Metrics,
  /** The fleet-wide image budget (images only) and the incident tracker (every upstream). */
  shared: { imageGate?: AttemptGate; health?: UpstreamHealth } = {},
) {
  const base = {
    retries: config.retries,
    backoffInitialMs: config.backoffInitialMs,
    backoffMaxMs: config.backoffMaxMs,
    breakerThreshold: config.breaker.threshold,
    halfOpenAfterMs: config.breaker.halfOpenAfterMs,
    breakerFailureRate: config.breaker.failureRate,
    breakerWindowMs: config.breaker.windowMs,
    ...(shared.health && { health: shared.health }),
  };
  return {
    vision: createAiPolicy('vision', { ...base, timeoutMs: config.visionTimeoutMs }, logger, metrics),
    prompts: createAiPolicy('prompts', { ...base, timeoutMs: config.promptTimeoutMs }, logger, metrics),
    // An image that ran out of time may still be rendering, and be billed: it is not sent again,
    // and a slow one is not the service failing (the real service takes 20-120 s).
    images: createAiPolicy(
      'images',
      {
        ...base,
        timeoutMs: config.imageTimeoutMs,
        retryTimeouts: false,
        timeoutsCountAsFailures: false,
        ...(shared.imageGate && { gate: shared.imageGate }),
      },
      logger,
      metrics,
    ),
  };
}

export type AiPolicies = ReturnType<typeof createAiPolicies>;
