import type { Photoshoot } from '../db/photoshoots.js';
import type { ProcessedImage } from '../db/processed-images.js';

/**
 * What the buttons under a finished photoshoot offered, decided from the database alone, so a
 * press is checked against the same rule that drew the keyboard (a forged or stale payload is
 * refused, not trusted). The worker shows the result keyboard only when a job ends 'done' with
 * at least one image delivered: then "same again", "other styles" and "save" for each
 * delivered style, and "retry" for the styles not delivered (or delivered off their
 * marketplace's rules, in a charged photoshoot).
 */
export type ResultOffer =
  | { kind: 'offered'; images: ProcessedImage[]; delivered: ProcessedImage[]; undelivered: ProcessedImage[] }
  /** Still queued or running: no result keyboard yet. */
  | { kind: 'not-finished' }
  /** Finished with nothing delivered (failed, cancelled): its credit was released, no result keyboard. */
  | { kind: 'nothing-delivered' };

export function resultOffer(job: Photoshoot, images: ProcessedImage[]): ResultOffer {
  if (job.status === 'queued' || job.status === 'running') return { kind: 'not-finished' };
  const delivered = images.filter((image) => image.status === 'done');
  if (job.status !== 'done' || delivered.length === 0) return { kind: 'nothing-delivered' };
  // A marketplace file delivered off its rules was not charged: retried free when the rest was.
  // With nothing charged (no file passed; the credit went back) there is no free retry at all.
  if (job.creditState === 'released') return { kind: 'offered', images, delivered, undelivered: [] };
  const offRules = (image: ProcessedImage) => image.compliance?.ok === false && job.creditState === 'committed';
  const undelivered = images.filter((image) => image.status !== 'done' || offRules(image));
  return { kind: 'offered', images, delivered, undelivered };
}

/**
 * Whether "Try again" is offered under a photoshoot: it failed with nothing delivered and its
 * credit released (not cancelled, not a photo we cannot use: the report leaves the button out
 * then). The same photo, ratio and styles are queued again as a new, charged photoshoot.
 */
export const tryAgainOffered = (job: Photoshoot, images: ProcessedImage[]) =>
  job.status === 'failed' && job.creditState === 'released' && images.every((image) => image.status !== 'done');
