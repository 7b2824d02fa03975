import { Api } from 'grammy';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { treatUnchangedEditAsDone } from '../../src/bot/api-policy.js';
import { createI18n } from '../../src/bot/i18n.js';
import { createPhotoSource } from '../../src/bot/photo-source.js';
import { createTelegramPhotoshootReporter } from '../../src/bot/photoshoot-report.js';
import { createQueuePositions } from '../../src/bot/queue-positions.js';
import { parseConfig } from '../../src/config/index.js';
import type { Database } from '../../src/db/client.js';
import { createQueueEstimator } from '../../src/photoshoot/queue-estimate.js';
import { createPhotoshootWorker, type PhotoshootWorker } from '../../src/photoshoot/worker.js';
import { createAiServices } from '../../src/services/ai.js';
import { createMemoryCache } from '../../src/services/cache.js';
import { createImageBudget } from '../../src/services/image-budget.js';
import type { Metrics } from '../../src/services/metrics.js';
import { createUsageRecorder } from '../../src/services/usage-recorder.js';
import { createBotHarness } from './bot-harness.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { FakeBotApi } from './fake-bot-api.js';
import type { FakeOpenAi } from './fake-openai.js';
import { silentLogger } from './logger.js';

type Generate = ReturnType<typeof createAiServices>['images']['generate'];

export interface TestWorkerOptions {
  env?: Record<string, string>;
  /** Wraps the real image service (a test can act the instant an image is rendered). */
  images?: (generate: Generate) => Generate;
  /**
   * Paces image calls with the fleet-wide image budget as app.ts does, on `db` (another
   * pool on the same database, as a second worker process has) or the testbed's pool.
   */
  paced?: { db?: Database };
  /** The metrics the AI services report to, as app.ts gives them. */
  metrics?: Metrics;
}

/**
 * A test file's database and fake Bot API, and the real photoshoot worker built as app.ts
 * builds it (real SDK against the fake OpenAI, real photo source against the fake Bot API).
 * The worker a test starts is stopped after it.
 */
export function useWorkerTestbed(token: string, openai: () => FakeOpenAi) {
  let database: TestDatabase | undefined;
  let telegram: FakeBotApi | undefined;
  let worker: PhotoshootWorker | undefined;
  /** Every worker a test built, stopped after it. */
  const built: PhotoshootWorker[] = [];
  /** Their usage recorders, flushed after the test (as app.ts flushes at shutdown). */
  const recorders: ReturnType<typeof createUsageRecorder>[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    telegram = await new FakeBotApi({ token }).start();
  });
  afterAll(async () => {
    await telegram?.close();
    await database?.close();
  });
  afterEach(async () => {
    await Promise.all(built.splice(0).map((w) => w.stop(5000)));
    await Promise.all(recorders.splice(0).map((r) => r.flush(5000)));
    worker = undefined;
  });
  const bed = {
    get database(): TestDatabase {
      if (!database) throw new Error('useWorkerTestbed: not started yet');
      return database;
    },
    get telegram(): FakeBotApi {
      if (!telegram) throw new Error('useWorkerTestbed: not started yet');
      return telegram;
    },
    get worker(): PhotoshootWorker | undefined {
      return worker;
    },
    /** Builds the worker (not started) and what it was built from. */
    build(options: TestWorkerOptions = {}) {
      const config = parseConfig({
        BOT_TOKEN: token,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: openai().baseUrl,
        AI_BACKOFF_INITIAL_MS: '10',
        AI_BACKOFF_MAX_MS: '20',
        AI_RETRIES: '0',
        JOB_POLL_MS: '50',
        JOB_HEARTBEAT_S: '1',
        ...options.env,
      });
      const db = options.paced?.db ?? bed.database.handle.db;
      const imageBudget = options.paced
        ? createImageBudget({ db, config: config.imageBudget, logger: silentLogger })
        : undefined;
      const queueEstimate = imageBudget
        ? createQueueEstimator({ imagesPerMinute: imageBudget.perMinute, concurrency: config.worker.concurrency })
        : undefined;
      // As app.ts records them: every answer's usage and time, which the queue estimate reads.
      const usage = createUsageRecorder({ db, prices: config.ai.prices, logger: silentLogger });
      recorders.push(usage);
      const ai = createAiServices({
        config,
        logger: silentLogger,
        cache: createMemoryCache({ maxEntries: 100 }),
        onUsage: usage.record,
        ...(imageBudget && { imageBudget }),
        ...(options.metrics && { metrics: options.metrics }),
      });
      const api = new Api(token, { apiRoot: bed.telegram.apiRoot });
      // As bot.api does for the worker in app.ts: an edit to what the message already shows is done.
      api.config.use(treatUnchangedEditAsDone);
      const photos = createPhotoSource({
        api,
        fileUrl: (path) => `${bed.telegram.apiRoot}/file/bot${token}/${path}`,
        converter: ai.converter,
        maxBytes: config.images.maxPhotoBytes,
      });
      const generate: Generate = (...args) => ai.images.generate(...args);
      const i18n = createI18n('en');
      const photoshoots = createPhotoshootWorker({
        db,
        photos,
        ai: {
          vision: ai.vision,
          images: { generate: options.images?.(generate) ?? generate, generateFor: ai.images.generateFor },
        },
        reporter: createTelegramPhotoshootReporter({ db, api, i18n, logger: silentLogger, config }),
        logger: silentLogger,
        config: config.worker,
        ...(imageBudget && { imageBudget }),
      });
      // As app.ts runs them: the worker, and the queue positions on their own timer.
      const positions = createQueuePositions({
        db,
        api,
        i18n,
        logger: silentLogger,
        config,
        ...(queueEstimate && { estimator: queueEstimate }),
      });
      worker = {
        ...photoshoots,
        start() {
          photoshoots.start();
          positions.start();
        },
        async stop(timeoutMs: number) {
          await positions.stop();
          return photoshoots.stop(timeoutMs);
        },
      };
      built.push(worker);
      const running = worker;
      /** The bot as app.ts wires it to this worker: the same database, AI services and photo source (the token: TEST_TOKEN). */
      const bot = (bot: { freePhotoshoots?: number; kickPreviews?: () => void } = {}) =>
        createBotHarness({
          db: bed.database.handle.db,
          apiRoot: bed.telegram.apiRoot,
          freePhotoshoots: bot.freePhotoshoots ?? 2,
          photoshoot: () => ({
            photos,
            prompts: ai.prompts,
            kick: () => running.kick(),
            ...(bot.kickPreviews && { kickPreviews: bot.kickPreviews }),
            logger: silentLogger,
            concurrency: config.worker.concurrency,
            generationConfigured: true,
          }),
        });
      return { worker, ai, photos, config, imageBudget, queueEstimate, usage, bot };
    },
  };
  return bed;
}
