import type { I18n } from '@grammyjs/i18n';
import { type RunnerHandle, run } from '@grammyjs/runner';
import { GrammyError, HttpError } from 'grammy';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { describeError } from '../process-env.js';
import { setMenuCommands } from './commands.js';
import type { BotContext } from './context.js';
import { ALLOWED_UPDATES, type AppBot } from './index.js';
import type { UpdateTracker } from './middlewares/update-tracker.js';

export class TelegramStartupError extends Error {
  override name = 'TelegramStartupError';
}

export interface Poller {
  /** True while updates are being fetched. */
  isRunning(): boolean;
  /**
   * Stops fetching, waits up to `timeoutMs` for updates in flight, then confirms the last
   * handled update to Telegram so it is not delivered again. True if nothing was cut short.
   */
  stop(timeoutMs: number): Promise<boolean>;
}

export interface StartPollingDeps {
  bot: AppBot;
  i18n: I18n<BotContext>;
  tracker: UpdateTracker;
  logger: Logger;
  config: Pick<
    Config,
    'TELEGRAM_API_ROOT' | 'TELEGRAM_POLL_TIMEOUT_S' | 'UPDATE_CONCURRENCY' | 'DEFAULT_LOCALE' | 'ADMIN_IDS'
  >;
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
  try {
    await bot.init();
    await bot.api.deleteWebhook({ drop_pending_updates: false });
    await setMenuCommands(bot.api, i18n, config.DEFAULT_LOCALE, {
      ids: config.ADMIN_IDS,
      onError: (adminId, err) =>
        logger.warn({ admin_id: adminId, reason: describeError(err) }, 'could not set the admin command menu'),
    });
  } catch (err) {
    if (err instanceof GrammyError && err.error_code === 401) {
      throw new TelegramStartupError('Telegram rejected BOT_TOKEN (401 Unauthorized); check the token from @BotFather');
    }
    const where = new URL(config.TELEGRAM_API_ROOT).host;
    throw new TelegramStartupError(`Cannot reach the Telegram Bot API at ${where}: ${describeError(err)}`);
  }

  // The runner prints fetch errors with console.error, where a network error's text can hold
  // the token in its URL; they are logged here instead, through the redacting logger.
  bot.api.config.use(async (prev, method, payload, signal) => {
    try {
      return await prev(method, payload, signal);
    } catch (err) {
      if (method === 'getUpdates' && !signal?.aborted) {
        const reason = err instanceof GrammyError || err instanceof HttpError ? err.message : describeError(err);
        logger.warn({ reason }, 'getUpdates failed; retrying');
      }
      throw err;
    }
  });

  if (deps.sequential) return startSequential(deps);

  const handle: RunnerHandle = run(bot, {
    runner: {
      fetch: { allowed_updates: ALLOWED_UPDATES, timeout: config.TELEGRAM_POLL_TIMEOUT_S },
      silent: true,
      // Grows by 100 ms a failure: quick after a blip, never hours apart after a long outage.
      retryInterval: 'quadratic',
    },
    sink: { concurrency: config.UPDATE_CONCURRENCY },
  });
  let stopping = false;
  handle.task()?.catch((err: unknown) => {
    if (!stopping) deps.onFatal(err);
  });
  logger.info(
    { bot: bot.botInfo.username, concurrency: config.UPDATE_CONCURRENCY, allowed_updates: ALLOWED_UPDATES },
    'polling for updates',
  );

  return {
    isRunning: () => handle.isRunning(),
    async stop(timeoutMs) {
      stopping = true;
      const deadline = Date.now() + timeoutMs;
      await handle.stop();
      const idle = await tracker.idle(Math.max(0, deadline - Date.now() - 1000));
      const last = tracker.lastUpdateId;
      if (last !== undefined) {
        await bot.api
          .getUpdates({ offset: last + 1, limit: 1, timeout: 0 })
          .catch((err: unknown) => logger.warn({ reason: describeError(err) }, 'could not confirm the last update'));
      }
      return idle;
    },
  };
}

/** grammY's built-in polling: fetch a batch, handle its updates one after the other. */
function startSequential(deps: StartPollingDeps): Poller {
  const { bot, tracker, logger, config } = deps;
  let stopping = false;
  bot
    .start({ allowed_updates: ALLOWED_UPDATES, timeout: config.TELEGRAM_POLL_TIMEOUT_S, drop_pending_updates: false })
    .catch((err: unknown) => {
      if (!stopping) deps.onFatal(err);
    });
  logger.info({ bot: bot.botInfo.username, concurrency: 1 }, 'polling for updates, one at a time');
  return {
    isRunning: () => bot.isRunning(),
    async stop(timeoutMs) {
      stopping = true;
      await bot.stop();
      return tracker.idle(timeoutMs);
    },
  };
}
