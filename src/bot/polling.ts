import type { I18n } from '@grammyjs/i18n';
import { createConcurrentSink, createRunner, createSource, type RunnerHandle } from '@grammyjs/runner';
import type { BotError } from 'grammy';
import type { Update } from 'grammy/types';
import type { Config } from '../config/index.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type AbortSignalLike, pause } from '../with-timeout.js';
import { setMenuCommands } from './commands.js';
import type { BotContext } from './context.js';
import { ALLOWED_UPDATES, type AppBot } from './index.js';
import type { UpdateTracker } from './middlewares/update-tracker.js';
import { describeBotApiError, isAbortedCall, telegramError } from './telegram-error.js';
import { handleWithRetries } from './update-retry.js';
import { createConfirmingSupplier } from './update-supplier.js';

/** Handlings of one update whose database connection keeps dying before it is answered. */
const UPDATE_ATTEMPTS = 3;
const UPDATE_RETRY_PAUSE_MS = 500;
/** Failures later than this after the first try are an outage, answered with the apology. */
const UPDATE_RETRY_WINDOW_MS = 2000;

export class TelegramStartupError extends Error {
  override name = 'TelegramStartupError';
}

export interface Poller {
  /** True while updates are being fetched. */
  isRunning(): boolean;
  /** What /healthz reports: undefined while polling works, else what is wrong. */
  problem(): string | undefined;
  /**
   * Stops fetching, waits up to `timeoutMs` for updates in flight, then confirms to Telegram
   * the updates whose handling ended, up to the oldest one still running (that one and the
   * rest are delivered again after a restart). True if nothing was cut short.
   */
  stop(timeoutMs: number): Promise<boolean>;
}

export interface StartPollingDeps {
  bot: AppBot;
  i18n: I18n<BotContext>;
  tracker: UpdateTracker;
  logger: Logger;
  config: Pick<Config, 'telegram' | 'defaultLocale' | 'admin'>;
  /** Called if polling dies on its own (token revoked, another instance polling). */
  onFatal(err: unknown): void;
  /**
   * Handle one update at a time with grammY's plain `bot.start()` instead of the concurrent
   * runner (the benchmarks' floor; never what production wants).
   */
  sequential?: boolean;
}

/**
 * Connects to Telegram (getMe, no webhook, command menu) and starts concurrent long polling.
 * Pending updates are kept: the webhook is removed without dropping them.
 */
export async function startPolling(deps: StartPollingDeps): Promise<Poller> {
  const { bot, i18n, tracker, logger, config } = deps;
  await connect(deps);
  await setMenuCommands(bot.api, i18n, config.defaultLocale, {
    ids: config.admin.ids,
    onError: (adminId, err) =>
      logger.warn({ admin_id: adminId, reason: describeError(err) }, 'could not set the admin command menu'),
  });

  if (deps.sequential) return startSequential(deps);

  const supplier = createConfirmingSupplier({
    getUpdates: (params, signal) => bot.api.getUpdates({ ...params, allowed_updates: ALLOWED_UPDATES }, signal),
    tracker,
    allowedUpdates: ALLOWED_UPDATES,
    pollTimeoutS: config.telegram.pollTimeoutS,
    apiRoot: config.telegram.apiRoot,
    logger,
  });
  const sink = createConcurrentSink<Update>(
    {
      consume: (update) =>
        handleWithRetries(update, (u) => bot.handleUpdate(u), {
          attempts: UPDATE_ATTEMPTS,
          pauseMs: UPDATE_RETRY_PAUSE_MS,
          windowMs: UPDATE_RETRY_WINDOW_MS,
          logger,
        }),
    },
    async (err) => {
      try {
        await bot.errorHandler(err as BotError<BotContext>);
      } catch (inner) {
        logger.error({ err: inner }, 'the bot error handler failed');
      }
    },
    { concurrency: config.telegram.updateConcurrency },
  );
  const handle: RunnerHandle = createRunner(createSource(supplier), sink);
  handle.start();
  let stopping = false;
  handle.task()?.catch((err: unknown) => {
    if (!stopping) deps.onFatal(err);
  });
  logger.info(
    { bot: bot.botInfo.username, concurrency: config.telegram.updateConcurrency, allowed_updates: ALLOWED_UPDATES },
    'polling for updates',
  );

  return {
    isRunning: () => handle.isRunning(),
    problem: () => (handle.isRunning() ? supplier.problem() : 'stopped'),
    async stop(timeoutMs) {
      stopping = true;
      const deadline = Date.now() + timeoutMs;
      await handle.stop();
      const idle = await tracker.idle(Math.max(0, deadline - Date.now() - 1000));
      const offset = tracker.offset();
      if (offset > supplier.confirmedOffset) {
        await bot.api
          .getUpdates(
            { offset, limit: 1, timeout: 0 },
            grammySignal(AbortSignal.timeout(Math.max(100, deadline - Date.now()))),
          )
          .catch((err: unknown) =>
            logger.warn({ reason: describeBotApiError(err) }, 'could not confirm the handled updates'),
          );
      }
      return idle;
    },
  };
}

/**
 * getMe and deleteWebhook, tried until TELEGRAM_STARTUP_TIMEOUT_S has passed, with a warning
 * per failed try; then a TelegramStartupError naming the API root and the last reason.
 * grammY's bot.init() would retry network errors without end and without a word.
 */
async function connect(deps: StartPollingDeps): Promise<void> {
  const { bot, logger } = deps;
  const { apiRoot, startupTimeoutMs } = deps.config.telegram;
  const deadline = Date.now() + startupTimeoutMs;
  const signal = grammySignal(AbortSignal.timeout(startupTimeoutMs));
  let lastReason: string | undefined;
  for (;;) {
    try {
      bot.botInfo = await bot.api.getMe(signal);
      await bot.api.deleteWebhook({ drop_pending_updates: false }, signal);
      return;
    } catch (err) {
      const code = telegramError(err)?.code;
      if (code === 401) {
        throw new TelegramStartupError(
          'Telegram rejected BOT_TOKEN (401 Unauthorized); check the token from @BotFather',
        );
      }
      if (!isAbortedCall(err)) lastReason = describeBotApiError(err);
      if (signal.aborted || (code !== undefined && code < 500 && code !== 429)) {
        throw new TelegramStartupError(
          `Cannot reach the Telegram Bot API at ${apiRoot}: ${lastReason ?? `no answer within ${startupTimeoutMs / 1000} s`}`,
        );
      }
      logger.warn(
        { api: apiRoot, reason: lastReason, exits_in_s: Math.round((deadline - Date.now()) / 1000) },
        'Cannot reach the Telegram Bot API; trying again',
      );
      await pause(2000, signal);
    }
  }
}

/** grammY types its signals as the abort-controller package's; Node's is the same at run time. */
function grammySignal(signal: AbortSignal) {
  return signal as unknown as Parameters<AppBot['api']['getMe']>[0] & AbortSignalLike;
}

/** grammY's built-in polling: fetch a batch, handle its updates one after the other. */
function startSequential(deps: StartPollingDeps): Poller {
  const { bot, tracker, logger, config } = deps;
  let stopping = false;
  bot
    .start({ allowed_updates: ALLOWED_UPDATES, timeout: config.telegram.pollTimeoutS, drop_pending_updates: false })
    .catch((err: unknown) => {
      if (!stopping) deps.onFatal(err);
    });
  logger.info({ bot: bot.botInfo.username, concurrency: 1 }, 'polling for updates, one at a time');
  return {
    isRunning: () => bot.isRunning(),
    problem: () => (bot.isRunning() ? undefined : 'stopped'),
    async stop(timeoutMs) {
      stopping = true;
      await bot.stop();
      return tracker.idle(timeoutMs);
    },
  };
}
