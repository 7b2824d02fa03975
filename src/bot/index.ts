import { autoRetry } from '@grammyjs/auto-retry';
import type { I18n } from '@grammyjs/i18n';
import { type Api, Bot, type BotConfig as GrammyBotConfig } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Config } from '../config/index.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { GalleryBuilder } from '../photoshoot/gallery.js';
import { type Cache, createMemoryCache } from '../services/cache.js';
import { createLockManager, type LockManager } from '../services/lock-manager.js';
import type { Metrics } from '../services/metrics.js';
import { createNetworkRetry, createRequestTimeout, treatUnchangedEditAsDone } from './api-policy.js';
import type { BotConfig, BotContext } from './context.js';
import { adminFeature } from './features/admin.js';
import { createAdminCreditFeature } from './features/admin-credit.js';
import { createAdminReportsFeature } from './features/admin-reports.js';
import { balanceFeature } from './features/balance.js';
import { createBuyFeature } from './features/buy.js';
import { createChatMemberFeature } from './features/chat-member.js';
import { galleryFeature } from './features/gallery.js';
import { createGalleryAdminFeature } from './features/gallery-admin.js';
import { historyFeature } from './features/history.js';
import { languageFeature } from './features/language.js';
import { paySupportFeature } from './features/pay-support.js';
import type { PhotoshootFeatureDeps } from './features/photoshoot/deps.js';
import { createPhotoshootFeature } from './features/photoshoot/index.js';
import { createPreCheckoutFeature } from './features/pre-checkout.js';
import { refundsFeature } from './features/refunds.js';
import { startFeature } from './features/start.js';
import { stylesFeature } from './features/styles.js';
import { createSuccessfulPaymentFeature } from './features/successful-payment.js';
import { termsFeature } from './features/terms.js';
import { unhandledFeature } from './features/unhandled.js';
import { handleError } from './handlers/error.js';
import { trackCallbackAnswer } from './middlewares/callback-answer.js';
import { loadPendingInput } from './middlewares/pending-input.js';
import { createTransactionMiddleware } from './middlewares/transaction.js';
import { createUpdateContext } from './middlewares/update-context.js';
import type { UpdateTracker } from './middlewares/update-tracker.js';
import { createUserMiddleware } from './middlewares/user.js';
import { clipOutgoingTexts } from './telegram-text.js';
import { isUpdateDeferred } from './update-deferred.js';

/** What handlers see (BotConfig) plus what the bot itself needs to reach Telegram. */
export type CreateBotConfig = BotConfig & Pick<Config, 'telegram'>;

/** What the bot's Telegram client needs: its token, the API root and the retry policy. */
export interface TelegramClientDeps {
  config: CreateBotConfig;
  logger: Logger;
  /** Known bot identity (tests); otherwise fetched with getMe by bot.init(). */
  botInfo?: UserFromGetMe;
}

export interface BotFeatureDeps {
  config: CreateBotConfig;
  logger: Logger;
  db: Database;
  i18n: I18n<BotContext>;
  tracker: UpdateTracker;
  /** Prometheus metrics (update handling times). */
  metrics?: Metrics;
  /** Shared cache (the /stats figures); an in-process one when absent. */
  cache?: Cache;
  /** One chat's updates run one at a time, under this chat's key; a private one when absent. */
  locks?: LockManager;
  /** The photoshoot flow; without it the bot only registers users and answers commands. */
  photoshoot?: PhotoshootFeatureDeps;
  /** Aborted at shutdown: a payment still waiting for the database is left for redelivery. */
  shutdown?: AbortSignal;
  /** Makes the style gallery's examples (/gallery build); absent when images cannot be generated. */
  gallery?: GalleryBuilder;
}

export interface CreateBotDeps extends TelegramClientDeps, Omit<BotFeatureDeps, 'photoshoot' | 'gallery'> {
  /** The photoshoot flow, given the bot's API (with its retry policy) to build on. */
  photoshoot?: (api: Api) => PhotoshootFeatureDeps;
  /** The gallery's builder, given the bot's API (it downloads the sample photo through it). */
  gallery?: (api: Api) => GalleryBuilder;
}

/** Updates the bot asks Telegram for; successful and refunded payments arrive as messages. */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'pre_checkout_query', 'my_chat_member'] as const;

/**
 * The bot's Telegram client with its policy on every call: a request timeout, auto-retry for
 * 429 and 5xx, a bounded retry for network errors, texts clipped to Telegram's limits, and an
 * unchanged edit taken as done. Built first: everything that speaks to Telegram (the updates'
 * handlers, the worker's reporter, admin alerts) goes through its `api`.
 */
export function createTelegramClient(deps: TelegramClientDeps): Bot<BotContext> {
  const { logger } = deps;
  const config = deps.config.telegram;
  const options: GrammyBotConfig<BotContext> = { client: { apiRoot: config.apiRoot } };
  if (deps.botInfo) options.botInfo = deps.botInfo;
  const bot = new Bot<BotContext>(config.token, options);
  bot.api.config.use(createRequestTimeout(config.requestTimeoutMs));
  // auto-retry handles 429 and 5xx; network errors it would retry without limit, so the
  // bounded network retry (a warning each time) takes them instead.
  bot.api.config.use(
    autoRetry({
      maxRetryAttempts: config.retryAttempts,
      maxDelaySeconds: config.retryMaxDelayS,
      rethrowHttpErrors: true,
    }),
  );
  bot.api.config.use(
    createNetworkRetry({
      attempts: config.retryAttempts,
      maxDelayS: Math.max(1, config.retryMaxDelayS),
      apiRoot: config.apiRoot,
      logger,
    }),
  );
  // Every text leaves within Telegram's limits, in the units Telegram counts.
  bot.api.config.use(clipOutgoingTexts);
  // An edit to what the message already shows is done, for every caller (bot and worker alike).
  bot.api.config.use(treatUnchangedEditAsDone);

  return bot;
}

/**
 * Installs the middleware and features on a client from createTelegramClient; the only place
 * that orders middleware:
 * tracker -> context -> per-chat ordering -> i18n -> callback answer tracking -> error boundary (
 * pre-checkout -> payment -> blocked/unblocked -> user -> transaction -> pending input -> features ->
 * catch-all ).
 */
export function installBot(bot: Bot<BotContext>, deps: BotFeatureDeps) {
  const { config, logger, db, i18n, tracker } = deps;
  const locks = deps.locks ?? createLockManager({ logger });
  const transactions = createTransactionMiddleware({ db, logger });

  bot.use(tracker.middleware);
  bot.use(createUpdateContext(config, logger, deps.metrics));
  // One chat's updates run in order; updates without a chat (pre_checkout_query) never wait.
  // The per-user exclusion in this process: across processes the database's row locks and
  // constraints guard a user's balance and photoshoots.
  bot.use((ctx, next) => {
    const chat = ctx.chat?.id;
    return chat === undefined ? next() : locks.withLock(`chat:${chat}`, next);
  });
  bot.use(i18n);
  // Before the boundary: it must know whether the callback query has had its one answer.
  bot.use(trackCallbackAnswer);

  const { photoshoot } = deps;
  const guarded = bot.errorBoundary(handleError);
  // Pre-checkouts are answered first, from the pool: no registration, no transaction, no lock.
  guarded.use(createPreCheckoutFeature(db));
  // Payments register the payer and are recorded in their own statements, retried through an
  // outage, committed before the user is told; they never depend on the registration below.
  guarded.use(createSuccessfulPaymentFeature({ pool: db, ...(deps.shutdown && { shutdown: deps.shutdown }) }));
  // Blocking and unblocking the bot, from the pool, before (and without) registration.
  guarded.use(createChatMemberFeature({ pool: db, stopJobs: photoshoot?.stopJobs }));
  guarded.use(createUserMiddleware(db));
  guarded.use(transactions.middleware);
  guarded.use(loadPendingInput);
  guarded.use(startFeature);
  guarded.use(languageFeature);
  guarded.use(createBuyFeature({ pool: db }), refundsFeature, balanceFeature, termsFeature, paySupportFeature);
  guarded.use(adminFeature);
  guarded.use(createAdminCreditFeature());
  guarded.use(createAdminReportsFeature({ cache: deps.cache ?? createMemoryCache({ maxEntries: 100 }) }));
  // Before the photoshoot's intake: an admin's photo captioned /gallery build is not a photoshoot.
  guarded.use(createGalleryAdminFeature({ builder: deps.gallery }));
  if (photoshoot) guarded.use(createPhotoshootFeature(photoshoot));
  guarded.use(galleryFeature);
  guarded.use(historyFeature);
  guarded.use(stylesFeature);
  guarded.use(unhandledFeature);

  bot.catch((err) => {
    const update_id = err.ctx.update.update_id;
    if (isUpdateDeferred(err.error)) return logger.warn({ update_id }, 'update left unconfirmed for redelivery');
    logger.error({ err: err.error, update_id }, 'unhandled bot error');
  });

  return { transactionStats: transactions.stats };
}

/** A client and its features in one step (tests build the bot this way). */
export function createBot(deps: CreateBotDeps) {
  const { photoshoot: buildPhotoshoot, gallery: buildGallery, ...rest } = deps;
  const bot = createTelegramClient(deps);
  const photoshoot = buildPhotoshoot?.(bot.api);
  const gallery = buildGallery?.(bot.api);
  return { bot, ...installBot(bot, { ...rest, ...(photoshoot && { photoshoot }), ...(gallery && { gallery }) }) };
}

export type AppBot = Bot<BotContext>;
