import type { Api } from 'grammy';
import { createResultMarkup } from './bot/features/photoshoot.js';
import { createI18n } from './bot/i18n.js';
import { createBot } from './bot/index.js';
import { createUpdateTracker } from './bot/middlewares/update-tracker.js';
import { type Poller, startPolling } from './bot/polling.js';
import type { Config } from './config.js';
import { createDb, type Database, type DbHandle } from './db/client.js';
import { pendingMigrations, runMigrations } from './db/migrate.js';
import { expireStaleOrders } from './db/orders.js';
import type { Logger } from './logger.js';
import { describeError } from './process-env.js';
import { createAiServices } from './services/ai.js';
import { createMemoryCache } from './services/cache.js';
import { createPhotoshootWorker } from './services/jobs.js';
import { createLockManager } from './services/lock-manager.js';
import { createPhotoSource } from './services/photo-source.js';

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
export async function createApp(deps: { config: Config; logger: Logger }): Promise<App> {
  const { config, logger } = deps;
  const db = await openDatabase(config, logger);
  const cache = createMemoryCache({ maxEntries: config.CACHE_MAX_ENTRIES });
  const ai = createAiServices({ config, logger, cache });
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
  const { bot } = createBot({
    config,
    logger,
    db: db.db,
    i18n,
    tracker,
    cache,
    photoshoot: (api) => ({
      db: db.db,
      photos: photoSource(api),
      vision: ai.vision,
      prompts: ai.prompts,
      // The worker is built just below; the bot only calls this once updates flow.
      kick: () => jobs.kick(),
      logger,
      concurrency: config.PHOTOSHOOT_CONCURRENCY,
      locks,
    }),
  });
  const jobs = createPhotoshootWorker({
    db: db.db,
    api: bot.api,
    photos: photoSource(bot.api),
    ai,
    i18n,
    logger,
    config,
    resultMarkup: createResultMarkup(i18n),
  });
  let poller: Poller | undefined;
  const orderSweep = createOrderSweep(db.db, logger);

  return {
    async start(onFatal) {
      poller = await startPolling({ bot, i18n, tracker, logger, config, onFatal });
      await jobs.start();
      orderSweep.start();
    },
    async stop(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      orderSweep.stop();
      const updatesDone = poller ? await poller.stop(Math.max(0, timeoutMs / 2 - 500)) : true;
      const jobsDone = await jobs.stop(Math.max(0, deadline - Date.now() - 1000));
      const clean = updatesDone && jobsDone;
      locks.stop();
      await Promise.race([db.close(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
      return clean;
    },
  };
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
async function openDatabase(config: Config, logger: Logger): Promise<DbHandle> {
  let db: DbHandle;
  try {
    db = await createDb(config, logger);
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
