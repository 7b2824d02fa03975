import type { Api } from 'grammy';
import { notifyAdmins } from './bot/admins.js';
import { createI18n } from './bot/i18n.js';
import { createBot } from './bot/index.js';
import { createResultMarkup } from './bot/keyboards/photoshoot-results.js';
import type { TransactionStats } from './bot/middlewares/transaction.js';
import { createUpdateTracker } from './bot/middlewares/update-tracker.js';
import { createPhotoSource } from './bot/photo-source.js';
import { createTelegramPhotoshootReporter } from './bot/photoshoot-report.js';
import { type Poller, startPolling } from './bot/polling.js';
import { createQueuePositions } from './bot/queue-positions.js';
import { announceMissingGeneration } from './bot/startup-notices.js';
import type { Config } from './config.js';
import { createDb, type Database, type DbHandle, type DbOptions } from './db/client.js';
import { pendingMigrations, runMigrations } from './db/migrate.js';
import { expireStaleOrders } from './db/orders.js';
import { activeJobCounts } from './db/photoshoots.js';
import { describeError } from './errors.js';
import type { Logger } from './logger.js';
import { createQueueEstimator } from './photoshoot/queue-estimate.js';
import { createPhotoshootWorker } from './photoshoot/worker.js';
import { createAiServices } from './services/ai.js';
import { createMemoryCache, createObservedCache } from './services/cache.js';
import { createImageBudget } from './services/image-budget.js';
import type { ImageConverter } from './services/image-converter.js';
import { createLockManager, type LockManager } from './services/lock-manager.js';
import { createMetrics, type Metrics } from './services/metrics.js';
import { startOpsServer } from './services/ops-server.js';
import { createRedisCache } from './services/redis-cache.js';
import { createUpstreamHealth, incidentAlertText } from './services/upstream-health.js';
import { createUsageRecorder, usagePrices } from './services/usage-recorder.js';
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
 * Builds the application graph: database (migrated or checked), i18n, bot. Nothing talks to
 * Telegram until start().
 */
export async function createApp(deps: { config: Config; logger: Logger; sequentialPolling?: boolean }): Promise<App> {
  const { config, logger } = deps;
  const metrics = createMetrics();
  const db = await openDatabase(config, logger, { onAcquire: (seconds) => metrics.dbAcquired(seconds) });
  const redis = config.REDIS_URL
    ? createRedisCache({ url: config.REDIS_URL, logger, timeoutMs: config.REDIS_TIMEOUT_MS })
    : undefined;
  const cache = createObservedCache(redis ?? createMemoryCache({ maxEntries: config.CACHE_MAX_ENTRIES }), metrics);
  // What every AI answer consumed, recorded under its photoshoot in the background.
  const usage = createUsageRecorder({ db: db.db, prices: usagePrices(config), logger, metrics });
  // Every process on this database paces its image calls together and shares account incidents.
  const imageBudget = createImageBudget({ db: db.db, config, logger, observer: metrics.imageBudget });
  const health = createUpstreamHealth({
    db: db.db,
    logger,
    checkEveryMs: config.BREAKER_HALF_OPEN_AFTER_S * 1000,
    // Through the bot built below; an alert only follows an AI call, once updates flow.
    alert: (alert) =>
      notifyAdmins(
        bot.api,
        config.ADMIN_IDS,
        incidentAlertText(i18n, config.DEFAULT_LOCALE, alert, config.BREAKER_HALF_OPEN_AFTER_S),
        logger,
      ),
  });
  const ai = createAiServices({ config, logger, cache, metrics, onUsage: usage.record, imageBudget, health });
  const queueEstimate = createQueueEstimator({
    imagesPerMinute: imageBudget.perMinute,
    concurrency: config.PHOTOSHOOT_CONCURRENCY,
  });
  /**
   * Why Generate is refused now: an account incident of any upstream (all processes), or the
   * images breaker open here. An open vision breaker still queues: the job fails fast with the
   * busy message and its credit released.
   */
  const generationOutage = async (tx: Database) =>
    (await health.unavailable(tx)) ?? (ai.policies.images.out ? 'images breaker open' : undefined);
  if (!config.OPENAI_API_KEY) logger.warn('OPENAI_API_KEY is not set: photoshoots cannot be generated');
  const i18n = createI18n(config.DEFAULT_LOCALE);
  const tracker = createUpdateTracker();
  const locks = createLockManager({ logger });
  const photoSource = (api: Api) =>
    createPhotoSource({
      api,
      fileUrl: (path) => `${config.TELEGRAM_API_ROOT}/file/bot${config.BOT_TOKEN}/${path}`,
      converter: ai.converter,
      maxBytes: config.MAX_PHOTO_BYTES,
    });
  // Aborted first thing at shutdown: payments still waiting for the database stay unconfirmed.
  const stopping = new AbortController();
  const { bot, transactionStats } = createBot({
    config,
    logger,
    db: db.db,
    shutdown: stopping.signal,
    i18n,
    tracker,
    cache,
    metrics,
    photoshoot: (api) => ({
      db: db.db,
      photos: photoSource(api),
      vision: ai.vision,
      prompts: ai.prompts,
      // The worker is built just below; the bot only calls this once updates flow.
      kick: () => jobs.kick(),
      stopJobs: (ids) => jobs.cancel(ids),
      logger,
      concurrency: config.PHOTOSHOOT_CONCURRENCY,
      locks,
      generationConfigured: Boolean(config.OPENAI_API_KEY),
      generationOutage,
      estimateMinutes: (tx, position) => queueEstimate.minutes(tx, position),
    }),
  });
  const jobs = createPhotoshootWorker({
    db: db.db,
    photos: photoSource(bot.api),
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
    config,
    metrics,
    imageBudget,
  });
  const queuePositions = createQueuePositions({
    db: db.db,
    api: bot.api,
    i18n,
    logger,
    config,
    estimator: queueEstimate,
  });
  let poller: Poller | undefined;
  const orderSweep = createOrderSweep(db.db, logger);
  registerGauges(metrics, { db, transactionStats, locks, converter: ai.converter, polling: () => poller?.isRunning() });
  let ops: Awaited<ReturnType<typeof startOpsServer>> | undefined;

  return {
    async start(onFatal) {
      if (redis && !(await redis.whenReady(2000)))
        logger.warn('Redis did not answer at startup; caching stays off until it does');
      if (config.METRICS_PORT > 0) {
        ops = await startOpsServer({
          host: config.METRICS_HOST,
          port: config.METRICS_PORT,
          registry: metrics.registry,
          logger,
          checks: {
            database: () => db.ping().then(() => undefined),
            polling: () => (poller ? poller.problem() : 'starting'),
          },
        }).catch((err: unknown) => {
          // The bot serves sellers without it; the operator sees why the endpoint is missing.
          logger.error(
            { reason: describeError(err), host: config.METRICS_HOST, port: config.METRICS_PORT },
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
      jobs.start();
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
      const jobsDone = await jobs.stop(Math.max(0, deadline - Date.now() - 1000));
      await settlesWithin(positionsStopped, Math.max(0, deadline - Date.now() - 1000));
      const clean = updatesDone && jobsDone;
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

/** Gauges read when Prometheus scrapes: transactions, locks, pool, jobs, converter, polling. */
function registerGauges(
  metrics: Metrics,
  parts: {
    db: DbHandle;
    transactionStats: () => TransactionStats;
    locks: LockManager;
    converter: ImageConverter;
    polling: () => boolean | undefined;
  },
) {
  metrics.labelledGauge(
    'bot_transactions',
    'Updates through the transaction middleware, and the transactions they began: total, active, peak, failed',
    'kind',
    () => ({
      ...parts.transactionStats(),
    }),
  );
  metrics.labelledGauge('lock_manager_keys', 'Per-user locks: active, peak, cleaned', 'kind', () => ({
    ...parts.locks.stats(),
  }));
  metrics.gauge('db_pool_size', 'Connections the pool may open', () => parts.db.pool.size);
  metrics.gauge('db_pool_in_use', 'Transactions holding a pooled connection', () => parts.db.pool.stats().inUse);
  metrics.gauge('db_pool_waiting', 'Transactions waiting for a pooled connection', () => parts.db.pool.stats().waiting);
  // One read of the queue per scrape, shared by the two gauges below.
  let read: { at: number; counts: Promise<{ queued: number; running: number }> } | undefined;
  const jobs = () => {
    if (!read || Date.now() - read.at > 1000) {
      read = {
        at: Date.now(),
        counts: activeJobCounts(parts.db.db).catch(() => ({ queued: Number.NaN, running: Number.NaN })),
      };
    }
    return read.counts;
  };
  metrics.labelledGauge('photoshoot_jobs', 'Photoshoot jobs queued and running (all processes)', 'state', () => jobs());
  metrics.gauge('photoshoot_queue_length', 'Photoshoot jobs waiting for a worker', async () => (await jobs()).queued);
  metrics.labelledGauge('image_converter_slots', 'Conversions running and waiting', 'kind', () => ({
    ...parts.converter.stats(),
  }));
  metrics.gauge('bot_polling_up', '1 while updates are being fetched', () => (parts.polling() ? 1 : 0));
}

/** How often unpaid invoices past their expiry are canceled. */
const ORDER_SWEEP_MS = 60_000;

/** Cancels expired pending orders once a minute, so they never count as active. */
function createOrderSweep(db: Database, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  const sweep = async () => {
    try {
      const expired = await expireStaleOrders(db);
      if (expired > 0) logger.info({ expired }, 'expired unpaid orders canceled');
    } catch (err) {
      logger.warn({ reason: describeError(err) }, 'expiring unpaid orders failed; will retry');
    }
  };
  return {
    start() {
      void sweep();
      timer = setInterval(() => void sweep(), ORDER_SWEEP_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * Opens the database and makes sure its schema is current: the embedded database is migrated
 * on the spot; a server with pending migrations is refused, since migrating it is the
 * operator's decision (`npm run db:migrate`).
 */
async function openDatabase(config: Config, logger: Logger, options: DbOptions): Promise<DbHandle> {
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
