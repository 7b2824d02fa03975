import { CircuitState, type IBreaker, SamplingBreaker } from 'cockatiel';
import type { PolicySettings } from './resilience.js';

/** Breaker state as a number, for metrics: 0 closed, 1 half-open, 2 open. */
export const BREAKER_STATE_VALUE = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
} as const;

/** Breaker state by name, for logs and metrics labels. */
export const BREAKER_STATE_NAME: Record<CircuitState, string> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * cockatiel's SamplingBreaker: opens when more than `breakerFailureRate` of the calls in the
 * last `breakerWindowMs` failed, once the window holds at least `breakerThreshold` calls. It
 * moves one slot of its window per call, so under sparse traffic old slots would linger;
 * after a whole window without calls it starts over, as if the window had passed.
 */
export function createFailureRateBreaker(
  settings: Pick<PolicySettings, 'breakerThreshold' | 'breakerFailureRate' | 'breakerWindowMs'>,
): IBreaker {
  const windowMs = settings.breakerWindowMs ?? 60_000;
  const make = () =>
    new SamplingBreaker({
      threshold: settings.breakerFailureRate ?? 0.5,
      duration: windowMs,
      // Its minimum is a rate; half a call below the count keeps float rounding from needing one more.
      minimumRps: (Math.max(1, settings.breakerThreshold) - 0.5) / (windowMs / 1000),
    });
  let inner = make();
  let last = 0;
  const fresh = () => {
    const now = Date.now();
    if (now - last > windowMs) inner = make();
    last = now;
    return inner;
  };
  return {
    get state() {
      return inner.state;
    },
    set state(value) {
      inner.state = value;
    },
    success: (state) => fresh().success(state),
    failure: (state) => fresh().failure(state),
  };
}
