import { notifyAdmins } from './bot/admins.js';
import { createI18n } from './bot/i18n.js';
import { createTelegramClient, installBot } from './bot/index.js';
import { createResultMarkup } from './bot/keyboards/photoshoot-results.js';
import { createUpdateTracker } from './bot/middlewares/update-tracker.js';
import { createPhotoSource } from './bot/photo-source.js';
import { createTelegramPhotoshootReporter } from './bot/photoshoot-report.js';
import { type Poller, startPolling } from './bot/polling.js';
import { createTelegramPreviewReporter } from './bot/preview-report.js';
import { createQueuePositions } from './bot/queue-positions.js';
import { announceMissingGeneration } from './bot/startup-notices.js';
import type { Config, DbConfig } from './config/index.js';
import { createDb, type Database, type DbHandle, type DbOptions } from './db/client.js';
import { pendingMigrations, runMigrations } from './db/migrate.js';
import { describeError } from './errors.js';
import type { Logger } from './logger.js';
import { createGalleryBuilder } from './photoshoot/gallery.js';
import { createPreviewWorker } from './photoshoot/preview.js';
import { createQueueEstimator } from './photoshoot/queue-estimate.js';
import { createPhotoshootWorker } from './photoshoot/worker.js';
import { createAiServices } from './services/ai.js';
import { createMemoryCache, createObservedCache } from './services/cache.js';
import { createImageBudget } from './services/image-budget.js';
import { createLockManager } from './services/lock-manager.js';
import { createMetrics } from './services/metrics.js';
import { startOpsServer } from './services/ops-server.js';
import { createOrderSweep } from './services/order-sweep.js';
import { registerProcessGauges } from './services/process-gauges.js';
import { createRedisCache } from './services/redis-cache.js';
import { createUpstreamHealth, incidentAlertText } from './services/upstream-health.js';
import { createUsageRecorder } from './services/usage-recorder.js';
import { settlesWithin } from './with-timeout.js';

/** A reason the bot cannot start that an operator can act on; printed as one line. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface App {
  /** Connects to Telegram and starts polling. */
  start(onFatal: (err: unknown) => void): Promise<void>;
  /** Graceful stop: no new updates, in-flight ones finish, the database closes. */
  stop(timeoutMs: number): Promise<boolean>;
}

/**
 * Builds the application graph in dependency order: database, caches, Telegram's client, AI
 * services, the worker (it reports through the client), then the bot's features (they queue
 * work for the worker). Nothing talks to Telegram until start().
 */
export async function createApp(deps: { config: Config; logger: Logger; sequentialPolling?: boolean }): Promise<App> {
  const { config, logger } = deps;
  const metrics = createMetrics();
  const db = await openDatabase(config.db, logger, { onAcquire: (seconds) => metrics.dbAcquired(seconds) });
  const { ops: opsConfig } = config;
  const redis = opsConfig.redisUrl
    ? createRedisCache({ url: opsConfig.redisUrl, logger, timeoutMs: opsConfig.redisTimeoutMs })
    : undefined;
  const cache = createObservedCache(redis ?? createMemoryCache({ maxEntries: opsConfig.cacheMaxEntries }), metrics);
  const i18n = createI18n(config.defaultLocale);
  // Everything that speaks to Telegram goes through this client and its retry policy.
  const bot = createTelegramClient({ config, logger });

  // What every AI answer consumed, recorded under its photoshoot in the background.
  const usage = createUsageRecorder({ db: db.db, prices: config.ai.prices, logger, metrics });
  // Every process on this database paces its image calls together and shares account incidents.
  const imageBudget = createImageBudget({
    db: db.db,
    config: config.imageBudget,
    logger,
    observer: metrics.imageBudget,
  });
  const health = createUpstreamHealth({
    db: db.db,
    logger,
    checkEveryMs: config.ai.breaker.halfOpenAfterMs,
    alert: (alert) =>
      notifyAdmins(
        bot.api,
        config.admin.ids,
        incidentAlertText(i18n, config.defaultLocale, alert, config.ai.breaker.halfOpenAfterMs),
        logger,
      ),
  });
  const ai = createAiServices({ config, logger, cache, metrics, onUsage: usage.record, imageBudget, health });
  if (!config.ai.apiKey) logger.warn('OPENAI_API_KEY is not set: photoshoots cannot be generated');
  const queueEstimate = createQueueEstimator({
    imagesPerMinute: imageBudget.perMinute,
    concurrency: config.worker.concurrency,
  });
  const photos = createPhotoSource({
    api: bot.api,
    fileUrl: (path) => `${config.telegram.apiRoot}/file/bot${config.telegram.token}/${path}`,
    converter: ai.converter,
    maxBytes: config.images.maxPhotoBytes,
  });

  const worker = createPhotoshootWorker({
    db: db.db,
    photos,
    ai,
    reporter: createTelegramPhotoshootReporter({
      db: db.db,
      api: bot.api,
      i18n,
      logger,
      config,
      resultMarkup: createResultMarkup(i18n),
    }),
    logger,
    config: config.worker,
    metrics,
    imageBudget,
  });
  const previews = createPreviewWorker({
    db: db.db,
    photos,
    vision: ai.vision,
    prompts: ai.prompts,
    reporter: createTelegramPreviewReporter({ db: db.db, api: bot.api, i18n, logger }),
    logger,
    config: config.worker,
  });
  const queuePositions = createQueuePositions({
    db: db.db,
    api: bot.api,
    i18n,
    logger,
    config,
    estimator: queueEstimate,
  });

  const tracker = createUpdateTracker();
  const locks = createLockManager({ logger });
  // Aborted first thing at shutdown: payments still waiting for the database stay unconfirmed.
  const stopping = new AbortController();
  // The style gallery's examples, made on an admin's command with the photoshoot's pipeline.
  const gallery = config.ai.apiKey
    ? createGalleryBuilder({ db: db.db, photos, ai, logger, signal: stopping.signal })
    : undefined;
  const { transactionStats } = installBot(bot, {
    config,
    logger,
    db: db.db,
    shutdown: stopping.signal,
    i18n,
    tracker,
    cache,
    metrics,
    locks,
    ...(gallery && { gallery }),
    photoshoot: {
      photos,
      prompts: ai.prompts,
      kick: worker.kick,
      kickPreviews: previews.kick,
      stopJobs: worker.cancel,
      logger,
      concurrency: config.worker.concurrency,
      generationConfigured: Boolean(config.ai.apiKey),
      /**
       * Why Generate is refused now: an account incident of any upstream (all processes), or the
       * images breaker open here. An open vision breaker still queues: the job fails fast with the
       * busy message and its credit released.
       */
      generationOutage: async (tx: Database) =>
        (await health.unavailable(tx)) ?? (ai.policies.images.out ? 'images breaker open' : undefined),
      estimateMinutes: (tx, position) => queueEstimate.minutes(tx, position),
    },
  });

  let poller: Poller | undefined;
  const orderSweep = createOrderSweep(db.db, logger);
  registerProcessGauges(metrics, {
    db,
    transactionStats,
    locks,
    converter: ai.converter,
    polling: () => poller?.isRunning(),
  });
  let ops: Awaited<ReturnType<typeof startOpsServer>> | undefined;

  return {
    async start(onFatal) {
      if (redis && !(await redis.whenReady(2000)))
        logger.warn('Redis did not answer at startup; caching stays off until it does');
      if (opsConfig.metricsPort > 0) {
        ops = await startOpsServer({
          host: opsConfig.metricsHost,
          port: opsConfig.metricsPort,
          registry: metrics.registry,
          logger,
          checks: {
            database: () => db.ping().then(() => undefined),
            polling: () => (poller ? poller.problem() : 'starting'),
          },
        }).catch((err: unknown) => {
          // The bot serves sellers without it; the operator sees why the endpoint is missing.
          logger.error(
            { reason: describeError(err), host: opsConfig.metricsHost, port: opsConfig.metricsPort },
            'metrics endpoint could not start',
          );
          return undefined;
        });
      }
      poller = await startPolling({
        bot,
        i18n,
        tracker,
        logger,
        config,
        onFatal,
        ...(deps.sequentialPolling && { sequential: true }),
      });
      // Best effort, off the startup path: a slow Telegram does not hold the worker back.
      void announceMissingGeneration({ api: bot.api, i18n, config, logger }).catch((err: unknown) =>
        logger.warn({ reason: describeError(err) }, 'could not tell the admins that photoshoots are not configured'),
      );
      health.start();
      worker.start();
      previews.start();
      queuePositions.start();
      orderSweep.start();
    },
    async stop(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      stopping.abort();
      orderSweep.stop();
      health.stop();
      const positionsStopped = queuePositions.stop();
      const updatesDone = poller ? await poller.stop(Math.max(0, timeoutMs / 2 - 500)) : true;
      const workLeftMs = Math.max(0, deadline - Date.now() - 1000);
      const [jobsDone, previewsDone] = await Promise.all([worker.stop(workLeftMs), previews.stop(workLeftMs)]);
      await settlesWithin(positionsStopped, Math.max(0, deadline - Date.now() - 1000));
      const clean = updatesDone && jobsDone && previewsDone;
      locks.stop();
      // The finished answers' usage, before the database closes.
      await usage.flush(Math.max(0, deadline - Date.now() - 500));
      const closed = await settlesWithin(
        Promise.all([ops?.close(), redis?.close(), db.close()]).catch((err: unknown) => {
          logger.warn({ reason: describeError(err) }, 'closing connections failed');
        }),
        deadline - Date.now(),
      );
      if (!closed) logger.warn('shutdown cut short closing the database and other connections');
      return clean;
    },
  };
}

/**
 * Opens the database and makes sure its schema is current: the embedded database is migrated
 * on the spot; a server with pending migrations is refused, since migrating it is the
 * operator's decision (`npm run db:migrate`).
 */
async function openDatabase(config: DbConfig, logger: Logger, options: DbOptions): Promise<DbHandle> {
  let db: DbHandle;
  try {
    db = await createDb(config, logger, options);
  } catch (err) {
    throw new StartupError(describeError(err));
  }
  try {
    try {
      await db.ping();
    } catch (err) {
      throw new StartupError(`Cannot connect to the database at ${db.location}: ${describeError(err)}`);
    }
    if (db.kind === 'pglite') {
      const applied = await runMigrations(db);
      if (applied.length > 0) logger.info({ applied }, 'embedded database migrated');
    } else {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) {
        throw new StartupError(
          `The database at ${db.location} has ${pending.length} pending migration(s) (${pending.join(', ')}); run \`npm run db:migrate\` first`,
        );
      }
    }
    logger.info({ database: db.kind, location: db.location }, 'database ready');
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err instanceof StartupError ? err : new StartupError(`Database check failed: ${describeError(err)}`);
  }
}
