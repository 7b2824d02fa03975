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

/**
 * How the provider refused: `moderation`, its safety system blocked the request (images
 * `moderation_blocked`, `content_policy_violation`, `content_filter`); `refusal`, the model itself
 * declined (a chat `message.refusal`, or an image model that answered with text only).
 */
export type RejectionKind = 'moderation' | 'refusal';

/** The provider refused the content. Retrying the same request will not help. */
export class ContentRejectedError extends Error {
  override name = 'ContentRejectedError';
  readonly kind: RejectionKind;
  constructor(
    readonly upstream: Upstream,
    readonly reason: string,
    options?: ErrorOptions & { kind?: RejectionKind },
  ) {
    super(`The ${upstream} service rejected the content: ${reason}`, options);
    this.kind = options?.kind ?? 'moderation';
  }
}

/**
 * Whether a failure recorded as `${err.name}: ${err.message}` (processed_images.error) was a
 * content rejection, so the free retry does not send the same prompt again.
 */
export function wasDeclined(recordedError: string | null | undefined): boolean {
  return recordedError?.startsWith('ContentRejectedError') ?? false;
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
