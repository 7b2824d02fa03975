import type { Database } from '../../db/client.js';
import { queueEstimateMinutes } from '../../photoshoot/queue-estimate.js';

/** Minutes until a queued photoshoot at `position` is done, from the image budget's pace and measured times. */
export type QueueEstimate = (db: Database, position: number) => Promise<number>;

/**
 * The queue position and the wait shown with it, at Generate and while the seller waits: the
 * estimate where there is one (the fleet-wide image budget), else the worker slots' pace.
 */
export async function queuedText(
  t: (key: string, variables: Record<string, string | number>) => string,
  db: Database,
  position: number,
  wait: { estimate?: QueueEstimate | undefined; concurrency: number },
): Promise<string> {
  const minutes = wait.estimate ? await wait.estimate(db, position) : queueEstimateMinutes(position, wait.concurrency);
  return t('progress-queued', { position, minutes });
}
