import type { Photoshoot } from '../db/photoshoots.js';
import type { ProcessedImage, RenderedImage } from '../db/processed-images.js';
import type { JobState } from '../db/queue.js';
import type { Settlement } from '../db/settlement.js';
import type { Logger } from '../logger.js';
import type { RunToken } from '../worker/queue-loop.js';
import type { WaitingDraftReporter } from './drafts.js';

/**
 * How a run ends early: 'canceled' (the seller's /cancel), 'lost' (the job is no longer this
 * run's), 'handed-back' (shutdown gave it back to the queue), 'blocked' (the seller blocked the
 * bot), 'deferred' (delivery failed: the job is resumed from its rendered images later).
 */
export type RunState = JobState | 'handed-back' | 'blocked' | 'deferred';

export class JobStoppedError extends Error {
  override name = 'JobStoppedError';
  constructor(readonly state: RunState) {
    super(`photoshoot stopped: ${state}`);
  }
}

/** What a delivery needs of its run: stopping it, learning it stopped, its logger. */
export interface DeliveryRun {
  /** The run's token: a write it makes counts only while the job is still its own. */
  token: RunToken;
  stop(state: RunState): void;
  throwIfStopped(): void;
  signal: AbortSignal;
  log: Logger;
}

/** A style that failed, and why. */
export interface StyleFailure {
  image: ProcessedImage;
  err: unknown;
}

/** How a photoshoot ended normally: what was delivered (now or by an earlier attempt) and what failed. */
export interface PhotoshootOutcome {
  images: ProcessedImage[];
  /** Delivered by this run. */
  ready: RenderedImage[];
  delivered: number;
  failures: StyleFailure[];
  /** How the credit was settled ('released': nothing charged, e.g. no file passed its marketplace's rules). */
  settlement: Settlement;
  /** The product's name by language (the analysis'), when this run analysed it. */
  product?: Readonly<Record<string, string>>;
}

/**
 * What the seller is shown of one run. The bot implements it (progress message, album and
 * files, texts in the seller's language); the pipeline only says what happened.
 */
export interface PhotoshootReport {
  analysing(): Promise<void>;
  generating(done: number, total: number): Promise<void>;
  /** The run's images wait this long for the image budget (0: no longer). */
  waitingForBudget(waitMs: number): void;
  delivering(): Promise<void>;
  /** Sends the rendered images; returns how many were delivered. */
  deliver(ready: RenderedImage[], run: DeliveryRun): Promise<number>;
  finished(outcome: PhotoshootOutcome): Promise<void>;
  /** The run failed or was cancelled (settled as `settlement`). */
  ended(end: { err: unknown; canceled: boolean; settlement: Settlement }): Promise<void>;
}

export interface PhotoshootReporter extends WaitingDraftReporter {
  /**
   * The report of one run. Before each non-final message, `stopped()` says whether the run has
   * stopped (then only a final text is shown); `blocked()` is called when the seller blocked the bot.
   */
  open(
    job: Photoshoot,
    token: RunToken,
    hooks: { stopped: () => Promise<boolean>; blocked: () => void },
  ): Promise<PhotoshootReport>;
}
