import type { Database } from '../db/client.js';
import { type QueueLoad, queueLoad } from '../db/queue-pace.js';

/** Images one photoshoot renders. */
export const IMAGES_PER_PHOTOSHOOT = 4;

/**
 * Seconds the slowest image of a photoshoot is taken to last before any answer has been
 * measured on this database: about the slowest of 4 draws from the 20-120 s that OpenAI's
 * gpt-image edits take. The first measured answers replace it.
 */
export const UNMEASURED_SLOW_IMAGE_S = 90;

/**
 * Seconds until the photoshoot at `position` (1 = next to be claimed) is done, the longer of two
 * bounds:
 * - the image budget: every image of the running jobs and of the jobs up to this one gets its
 *   share of the fleet's pace, and then this one's slowest image still takes its time (the
 *   recent image answers' 80th percentile);
 * - the workers: the rounds of jobs ahead through `concurrency` slots, each taking the measured
 *   median photoshoot, and then this one.
 * Before any photoshoot is done the workers' bound is unknown and counts as nothing; before any
 * image answer, the slowest image is taken to last UNMEASURED_SLOW_IMAGE_S.
 */
export function estimateWaitSeconds(
  position: number,
  load: QueueLoad,
  pace: { imagesPerMinute: number; concurrency: number },
): number {
  const images = load.runningImages + position * IMAGES_PER_PHOTOSHOOT;
  const byBudget = (images / pace.imagesPerMinute) * 60 + (load.slowImageS ?? UNMEASURED_SLOW_IMAGE_S);
  const byWorkers =
    load.medianPhotoshootS === undefined
      ? 0
      : Math.ceil((load.running + position) / pace.concurrency) * load.medianPhotoshootS;
  return Math.max(byBudget, byWorkers);
}

/**
 * Minutes to show a seller: to the nearest half minute below 5 (a whole minute either way is a
 * third off a 90 s wait), to the nearest one above; at least 1.
 */
export function toMinutes(seconds: number): number {
  const minutes = seconds / 60;
  return Math.max(1, minutes < 5 ? Math.round(minutes * 2) / 2 : Math.round(minutes));
}

const LOAD_REUSE_MS = 1000;

/** The queue estimate from the database's current load; a database error falls back to the budget alone. */
export function createQueueEstimator(pace: { imagesPerMinute: number; concurrency: number }) {
  // One read serves a pass over the queue (a refresh estimates up to 30 positions at once).
  let last: { at: number; load: Promise<QueueLoad> } | undefined;
  const load = (db: Database) => {
    if (!last || Date.now() - last.at > LOAD_REUSE_MS) {
      last = {
        at: Date.now(),
        load: queueLoad(db).catch(() => ({
          running: 0,
          runningImages: 0,
          medianPhotoshootS: undefined,
          slowImageS: undefined,
        })),
      };
    }
    return last.load;
  };
  return {
    pace,
    async seconds(db: Database, position: number): Promise<number> {
      return estimateWaitSeconds(position, await load(db), pace);
    },
    async minutes(db: Database, position: number): Promise<number> {
      return toMinutes(await this.seconds(db, position));
    },
  };
}

export type QueueEstimator = ReturnType<typeof createQueueEstimator>;

/** Rough minutes one photoshoot takes, for the queue estimate without a measured pace. */
const MINUTES_PER_PHOTOSHOOT = 1;

/** The rough wait, in minutes, shown with a queue position when no estimator is configured. */
export function queueEstimateMinutes(position: number, concurrency: number): number {
  return Math.max(1, Math.ceil((position * MINUTES_PER_PHOTOSHOOT) / concurrency));
}
