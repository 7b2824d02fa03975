import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { PhotoshootFeatureDeps } from '../../src/bot/features/photoshoot/deps.js';
import { createI18n } from '../../src/bot/i18n.js';
import { createBot } from '../../src/bot/index.js';
import { createUpdateTracker } from '../../src/bot/middlewares/update-tracker.js';
import { parseConfig, type StarsPackage } from '../../src/config/index.js';
import type { Database } from '../../src/db/client.js';
import type { Logger } from '../../src/logger.js';
import type { GalleryBuilder } from '../../src/photoshoot/gallery.js';
import type { Cache } from '../../src/services/cache.js';
import { FAKE_BOT_INFO } from './fake-bot-api.js';
import { silentLogger } from './logger.js';

export const TEST_TOKEN = '123456789:TEST-token-for-the-fake-bot-api_xyz';

const envValue = (value: number | undefined) => (value === undefined ? undefined : String(value));

export interface OutgoingCall {
  method: string;
  payload: Record<string, unknown>;
}

/**
 * The real bot with a fake identity; outgoing API calls are captured by a transformer and
 * answered locally (the grammY way of testing). Updates are fed with bot.handleUpdate.
 */
export function createBotHarness(options: {
  db: Database;
  logger?: Logger;
  freePhotoshoots?: number;
  adminIds?: number[];
  packages?: StarsPackage[];
  orderExpiryMinutes?: number;
  /** PAYMENT_ALERT_AFTER_S. */
  paymentAlertAfterS?: number;
  /** Aborting it is the process shutting down (payments waiting for the database give up). */
  shutdown?: AbortSignal;
  statsCacheTtlS?: number;
  timeZone?: string;
  cache?: Cache;
  /** How long each outgoing call takes, as Telegram would (benchmarks). */
  apiLatencyMs?: number;
  /**
   * A fake Bot API server to talk to over HTTP (the real grammY client); without it, calls are
   * answered in-process by a transformer.
   */
  apiRoot?: string;
  /** Enables the photoshoot flow. */
  photoshoot?: (api: Api) => PhotoshootFeatureDeps;
  /** Enables /gallery build. */
  gallery?: (api: Api) => GalleryBuilder;
}) {
  const calls: OutgoingCall[] = [];
  const i18n = createI18n('en');
  const tracker = createUpdateTracker();
  const { bot, transactionStats } = createBot({
    // The environment an operator would give; what is not set keeps its default.
    config: parseConfig({
      BOT_TOKEN: TEST_TOKEN,
      TELEGRAM_API_ROOT: options.apiRoot ?? 'http://127.0.0.1:9',
      TELEGRAM_RETRY_ATTEMPTS: '0',
      TELEGRAM_RETRY_MAX_DELAY_S: '0',
      DEFAULT_LOCALE: 'en',
      ADMIN_IDS: options.adminIds?.join(','),
      FREE_PHOTOSHOOTS: envValue(options.freePhotoshoots),
      PACKAGES: options.packages?.map((p) => `${p.photoshoots}:${p.stars}`).join(','),
      ORDER_EXPIRY_MIN: envValue(options.orderExpiryMinutes),
      PAYMENT_ALERT_AFTER_S: envValue(options.paymentAlertAfterS),
      STATS_CACHE_TTL_S: envValue(options.statsCacheTtlS),
      STATS_TIME_ZONE: options.timeZone,
    }),
    logger: options.logger ?? silentLogger,
    db: options.db,
    i18n,
    tracker,
    botInfo: FAKE_BOT_INFO,
    ...(options.photoshoot && { photoshoot: options.photoshoot }),
    ...(options.gallery && { gallery: options.gallery }),
    ...(options.cache && { cache: options.cache }),
    ...(options.shutdown && { shutdown: options.shutdown }),
  });
  let messageId = 1;
  bot.api.config.use(async (prev, method, payload, signal) => {
    calls.push({ method, payload: payload as Record<string, unknown> });
    if (options.apiRoot) return prev(method, payload, signal);
    if (options.apiLatencyMs) await new Promise((r) => setTimeout(r, options.apiLatencyMs));
    const result =
      method === 'sendMessage' || method === 'editMessageText'
        ? { message_id: messageId++, date: 0, chat: { id: (payload as { chat_id: number }).chat_id, type: 'private' } }
        : true;
    // biome-ignore lint/suspicious/noExplicitAny: the transformer returns any method's result.
    return { ok: true, result } as any;
  });
  return {
    bot,
    calls,
    tracker,
    transactionStats,
    handle: (update: Update) => bot.handleUpdate(update),
    sent: (method = 'sendMessage') => calls.filter((c) => c.method === method),
  };
}
