/** Which AI upstream a call went to; each has its own policy and circuit breaker. */
export type Upstream = 'vision' | 'prompts' | 'images';

/** The upstream's circuit is open: calls fail at once until the breaker lets a trial through. */
export class AiUnavailableError extends Error {
  override name = 'AiUnavailableError';
  constructor(
    readonly upstream: Upstream,
    /** Seconds until the breaker lets a trial call through. */
    readonly retryInSeconds: number,
    options?: ErrorOptions,
  ) {
    super(`The ${upstream} service is unavailable; retry in ${retryInSeconds} s`, options);
  }
}

/** Every attempt ran out of time. */
export class AiTimeoutError extends Error {
  override name = 'AiTimeoutError';
  constructor(
    readonly upstream: Upstream,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`The ${upstream} service did not answer within ${timeoutMs} ms`, options);
  }
}

/** The provider refused the content (moderation, safety system). Retrying will not help. */
export class ContentRejectedError extends Error {
  override name = 'ContentRejectedError';
  constructor(
    readonly upstream: Upstream,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`The ${upstream} service rejected the content: ${reason}`, options);
  }
}

/** Any other failure of the upstream: an error status, a malformed answer, a network error. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly upstream: Upstream,
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(`The ${upstream} service failed: ${message}`, options);
  }
}

/**
 * The caller gave up on the call (the seller cancelled the photoshoot). Not the upstream's
 * fault: neither retried nor counted by its circuit breaker.
 */
export class AiCanceledError extends Error {
  override name = 'AiCanceledError';
  constructor(
    readonly upstream: Upstream,
    options?: ErrorOptions,
  ) {
    super(`The ${upstream} call was cancelled by its caller`, options);
  }
}

export type AiError = AiUnavailableError | AiTimeoutError | ContentRejectedError | UpstreamError | AiCanceledError;
