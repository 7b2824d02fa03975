import type { Api } from 'grammy';
import { createI18n } from '../../src/bot/i18n.js';
import { createPhotoSource } from '../../src/bot/photo-source.js';
import { createTelegramPreviewReporter } from '../../src/bot/preview-report.js';
import { parseConfig } from '../../src/config/index.js';
import type { Database } from '../../src/db/client.js';
import type { GalleryBuilder } from '../../src/photoshoot/gallery.js';
import { createPreviewWorker } from '../../src/photoshoot/preview.js';
import { createAiServices } from '../../src/services/ai.js';
import { createMemoryCache } from '../../src/services/cache.js';
import { createBotHarness, TEST_TOKEN } from './bot-harness.js';
import { silentLogger } from './logger.js';

// The models sit behind a closed port: the paths tested with this harness never call one.
const config = parseConfig({ BOT_TOKEN: '1:test', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
const ai = createAiServices({ config, logger: silentLogger, cache: createMemoryCache({ maxEntries: 10 }) });

/**
 * The bot with the photoshoot flow (createBotHarness plus its feature's dependencies); the
 * worker is not running, its wake-ups are counted by `kicks()`. `previews` is the style-preview
 * worker built as app.ts builds it, over the same API and database: a test that taps "analyse"
 * starts it, and stops it at the end.
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
  /** Enables /gallery build. */
  gallery?: (api: Api) => GalleryBuilder;
}) {
  let kicks = 0;
  const photoSource = (api: Api) =>
    createPhotoSource({
      api,
      fileUrl: (path) => (options.apiRoot ? `${options.apiRoot}/file/bot${TEST_TOKEN}/${path}` : path),
      converter: ai.converter,
      maxBytes: config.images.maxPhotoBytes,
    });
  const h = createBotHarness({
    db: options.db,
    ...(options.freePhotoshoots !== undefined && { freePhotoshoots: options.freePhotoshoots }),
    ...(options.adminIds && { adminIds: options.adminIds }),
    ...(options.apiRoot && { apiRoot: options.apiRoot }),
    ...(options.gallery && { gallery: options.gallery }),
    photoshoot: (api) => deps(photoSource(api)),
  });
  const previews = createPreviewWorker({
    db: options.db,
    photos: photoSource(h.bot.api),
    vision: ai.vision,
    prompts: ai.prompts,
    reporter: createTelegramPreviewReporter({
      db: options.db,
      api: h.bot.api,
      i18n: createI18n('en'),
      logger: silentLogger,
    }),
    logger: silentLogger,
    config: { ...config.worker, previewConcurrency: 2, pollMs: 50 },
  });
  return { ...h, kicks: () => kicks, previews };

  function deps(photos: ReturnType<typeof createPhotoSource>) {
    return {
      photos,
      prompts: ai.prompts,
      kick: () => {
        kicks += 1;
      },
      kickPreviews: () => previews.kick(),
      logger: silentLogger,
      concurrency: 8,
      generationConfigured: options.generationConfigured ?? true,
      ...(options.stopJobs && { stopJobs: options.stopJobs }),
    };
  }
}
