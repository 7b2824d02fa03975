import { Composer } from 'grammy';
import type { BotContext } from '../../context.js';
import { createCancelFeature } from './cancel.js';
import { createEnqueue } from './charge.js';
import { createContinueFeature } from './continue.js';
import type { PhotoshootFeatureDeps } from './deps.js';
import { createIntakeFeature } from './intake.js';
import { createResultsFeature } from './results.js';
import { createSetupFeature } from './setup.js';

/**
 * A photoshoot as the seller makes it: a photo (intake) -> the draft's steps and Generate,
 * which charges (setup) -> the buttons under the results (results) -> /cancel. Charging lives
 * in charge.ts, shared by Generate and the result buttons that queue a new job.
 */
export function createPhotoshootFeature(deps: PhotoshootFeatureDeps) {
  const enqueue = createEnqueue(deps);
  return new Composer<BotContext>(
    createIntakeFeature(deps),
    createSetupFeature(deps, enqueue),
    createContinueFeature(),
    createResultsFeature(enqueue),
    createCancelFeature(deps),
  );
}
