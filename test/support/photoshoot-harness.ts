import { createPhotoSource } from '../../src/bot/photo-source.js';
import { parseConfig } from '../../src/config/index.js';
import type { Database } from '../../src/db/client.js';
import { createAiServices } from '../../src/services/ai.js';
import { createMemoryCache } from '../../src/services/cache.js';
import { createBotHarness, TEST_TOKEN } from './bot-harness.js';
import { silentLogger } from './logger.js';

// The models sit behind a closed port: the paths tested with this harness never call one.
const config = parseConfig({ BOT_TOKEN: '1:test', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
const ai = createAiServices({ config, logger: silentLogger, cache: createMemoryCache({ maxEntries: 10 }) });

/**
 * The bot with the photoshoot flow (createBotHarness plus its feature's dependencies); the
 * worker is not running, its wake-ups are counted by `kicks()`.
 */
export function createPhotoshootHarness(options: {
  db: Database;
  freePhotoshoots?: number;
  adminIds?: number[];
  /** False as without OPENAI_API_KEY; true by default. */
  generationConfigured?: boolean;
  /** A fake Bot API server to talk to over HTTP (getFile, downloads); otherwise answered in-process. */
  apiRoot?: string;
  /** Receives the running jobs the bot stops (the worker's cancel). */
  stopJobs?: (ids: readonly number[]) => void;
}) {
  let kicks = 0;
  const h = createBotHarness({
    db: options.db,
    ...(options.freePhotoshoots !== undefined && { freePhotoshoots: options.freePhotoshoots }),
    ...(options.adminIds && { adminIds: options.adminIds }),
    ...(options.apiRoot && { apiRoot: options.apiRoot }),
    photoshoot: (api) => ({
      db: options.db,
      photos: createPhotoSource({
        api,
        fileUrl: (path) => (options.apiRoot ? `${options.apiRoot}/file/bot${TEST_TOKEN}/${path}` : path),
        converter: ai.converter,
        maxBytes: config.images.maxPhotoBytes,
      }),
      vision: ai.vision,
      prompts: ai.prompts,
      kick: () => {
        kicks += 1;
      },
      logger: silentLogger,
      concurrency: 8,
      generationConfigured: options.generationConfigured ?? true,
      ...(options.stopJobs && { stopJobs: options.stopJobs }),
    }),
  });
  return { ...h, kicks: () => kicks };
}
