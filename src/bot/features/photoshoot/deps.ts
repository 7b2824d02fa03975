import type { Database } from '../../../db/client.js';
import type { Logger } from '../../../logger.js';
import type { PromptService } from '../../../services/prompts.js';
import type { PhotoSource } from '../../photo-source.js';

export interface PhotoshootFeatureDeps {
  /** Its size limit is checked at intake, and an image file's header (probe), before anything is queued. */
  photos: Pick<PhotoSource, 'maxBytes' | 'probe'>;
  /** Random creative styles (the analysed ones are the preview worker's). */
  prompts: Pick<PromptService, 'randomCreative'>;
  /** Wakes the worker after a job is queued. */
  kick(): void;
  /** Wakes the style-preview worker after a preview is queued (its poll finds it otherwise). */
  kickPreviews?(): void;
  /**
   * Stops at once the jobs /cancel has just cancelled that run in this process. Without it (no
   * worker here) every worker learns the cancel from the database at its next step.
   */
  stopJobs?(ids: readonly number[]): void;
  logger: Logger;
  /** Photoshoots processed at once, for the queue estimate. */
  concurrency: number;
  /**
   * False without OPENAI_API_KEY: the seller is told at the photo, and a button that would
   * charge or call a model answers that instead, charging nothing and keeping the draft.
   */
  generationConfigured: boolean;
  /**
   * Why photoshoots cannot run now (an AI upstream out for an account problem, or its breaker
   * open), read before any charge; undefined when they can.
   */
  generationOutage?(db: Database): Promise<string | undefined>;
  /** Minutes shown with a queue position, from the image budget's pace and measured times. */
  estimateMinutes?(db: Database, position: number): Promise<number>;
}
