import type { Env } from './env.js';
import type { StarsPackage, TokenPrices } from './values.js';

/*
 * The configuration as the code reads it: one group per component, durations converted once
 * here into the unit their consumer uses (milliseconds for timers; seconds only where the value
 * goes to an API in seconds or is shown to people), the unit in the name. Each field names the
 * environment variable it comes from; env.ts documents what the variable means.
 */

/** The Bot API: reaching Telegram and taking updates. */
export interface TelegramConfig {
  /** BOT_TOKEN */
  token: string;
  /** TELEGRAM_API_ROOT */
  apiRoot: string;
  /** TELEGRAM_POLL_TIMEOUT_S: getUpdates' `timeout`, sent in seconds. */
  pollTimeoutS: number;
  /** UPDATE_CONCURRENCY */
  updateConcurrency: number;
  /** TELEGRAM_RETRY_ATTEMPTS */
  retryAttempts: number;
  /** TELEGRAM_RETRY_MAX_DELAY_S: auto-retry's `maxDelaySeconds`. */
  retryMaxDelayS: number;
  /** TELEGRAM_REQUEST_TIMEOUT_S */
  requestTimeoutMs: number;
  /** TELEGRAM_STARTUP_TIMEOUT_S */
  startupTimeoutMs: number;
}

/** Flood control while the results of a photoshoot are sent (Telegram's retry_after is in seconds). */
export interface DeliveryConfig {
  /** TELEGRAM_FLOOD_WAIT_MAX_S: the longest single wait. */
  floodWaitMaxS: number;
  /** DELIVERY_FLOOD_WAIT_TOTAL_S: all the waits of one delivery. */
  floodWaitTotalS: number;
}

/** The database: a PostgreSQL server through a pool, or the embedded one. */
export interface DbConfig {
  /** DATABASE_URL; absent: the embedded database under dataDir. */
  url?: string | undefined;
  /** DATA_DIR */
  dataDir: string;
  /** DB_POOL_MAX */
  poolMax: number;
  /** DB_IDLE_TIMEOUT_S: postgres.js `idle_timeout`, in seconds (0: never). */
  idleTimeoutS: number;
  /** DB_MAX_LIFETIME_S: postgres.js `max_lifetime`, in seconds (0: never). */
  maxLifetimeS: number;
  /** DB_CONNECT_TIMEOUT_S */
  connectTimeoutMs: number;
}

/** The photoshoot job queue of this process. */
export interface WorkerConfig {
  /** PHOTOSHOOT_CONCURRENCY */
  concurrency: number;
  /** PREVIEW_CONCURRENCY: style previews run on their own loop, with the same heartbeat, stale and attempt settings. */
  previewConcurrency: number;
  /** JOB_HEARTBEAT_S */
  heartbeatMs: number;
  /** JOB_STALE_AFTER_S */
  staleAfterMs: number;
  /** JOB_MAX_ATTEMPTS */
  maxAttempts: number;
  /** JOB_POLL_MS */
  pollMs: number;
  /** JOB_QUEUE_REFRESH_S */
  queueRefreshMs: number;
}

/** The circuit breaker of each AI upstream. */
export interface BreakerConfig {
  /** BREAKER_THRESHOLD */
  threshold: number;
  /** BREAKER_FAILURE_RATE */
  failureRate: number;
  /** BREAKER_WINDOW_S */
  windowMs: number;
  /** BREAKER_HALF_OPEN_AFTER_S: until a trial call, and between checks of an upstream out for an account problem. */
  halfOpenAfterMs: number;
}

/** The price table of AI usage (ai_usage.cost_usd, /stats). */
export interface AiPrices {
  tokens: {
    /** VISION_TOKEN_PRICES_USD */
    vision: TokenPrices;
    /** PROMPT_TOKEN_PRICES_USD */
    prompts: TokenPrices;
    /** IMAGE_TOKEN_PRICES_USD */
    images: TokenPrices;
  };
  /** IMAGE_PRICE_USD */
  imageUsd: number;
}

/** The OpenAI-compatible provider: models, resilience, prices, cached answers. */
export interface AiConfig {
  /** OPENAI_API_KEY; absent: photoshoots cannot be generated. */
  apiKey?: string | undefined;
  /** OPENAI_BASE_URL */
  baseUrl: string;
  /** VISION_MODEL */
  visionModel: string;
  /** PROMPT_MODEL */
  promptModel: string;
  /** IMAGE_MODEL */
  imageModel: string;
  /** IMAGE_API */
  imageApi: Env['IMAGE_API'];
  /** IMAGE_QUALITY */
  imageQuality: Env['IMAGE_QUALITY'];
  /** IMAGE_INPUT_FIDELITY */
  imageInputFidelity: Env['IMAGE_INPUT_FIDELITY'];
  /** AI_RETRIES */
  retries: number;
  /** AI_BACKOFF_INITIAL_MS */
  backoffInitialMs: number;
  /** AI_BACKOFF_MAX_MS */
  backoffMaxMs: number;
  /** VISION_TIMEOUT_S */
  visionTimeoutMs: number;
  /** PROMPT_TIMEOUT_S */
  promptTimeoutMs: number;
  /** IMAGE_TIMEOUT_S */
  imageTimeoutMs: number;
  breaker: BreakerConfig;
  prices: AiPrices;
  /** ANALYSIS_CACHE_TTL_S: the cache's TTL, in seconds. */
  analysisCacheTtlS: number;
  /** PROMPTS_CACHE_TTL_S: the cache's TTL, in seconds. */
  promptsCacheTtlS: number;
}

/** The fleet-wide pace of image calls. */
export interface ImageBudgetConfig {
  /** IMAGE_RATE_PER_MINUTE */
  perMinute: number;
  /** IMAGE_RATE_HEADROOM_PERCENT */
  headroomPercent: number;
  /** IMAGE_RATE_BURST */
  burst: number;
}

/** Photos in and images out: download bound, the converter and its bulkhead. */
export interface ImagesConfig {
  /** CONVERTER_CONCURRENCY (0: one per CPU core) */
  converterConcurrency: number;
  /** CONVERTER_QUEUE_LIMIT */
  converterQueueLimit: number;
  /** PNG_COMPRESSION_LEVEL */
  pngCompressionLevel: number;
  /** MAX_INPUT_PIXELS */
  maxInputPixels: number;
  /** NORMALISED_MAX_SIDE */
  normalisedMaxSide: number;
  /** MAX_PHOTO_BYTES */
  maxPhotoBytes: number;
}

/** What photoshoots cost: the free ones, the packages, the orders and payments. */
export interface PaymentsConfig {
  /** FREE_PHOTOSHOOTS */
  freePhotoshoots: number;
  /** PACKAGES */
  packages: StarsPackage[];
  /** ORDER_EXPIRY_MIN: an order's expiry, stored in minutes. */
  orderExpiryMin: number;
  /** PAYMENT_ALERT_AFTER_S */
  paymentAlertAfterMs: number;
}

/** The admins and their reports. */
export interface AdminConfig {
  /** ADMIN_IDS */
  ids: number[];
  /** STATS_CACHE_TTL_S: the cache's TTL, in seconds. */
  statsCacheTtlS: number;
  /** STATS_TIME_ZONE */
  statsTimeZone: string;
}

/** The operator's side: metrics endpoint, shared cache. */
export interface OpsConfig {
  /** METRICS_HOST */
  metricsHost: string;
  /** METRICS_PORT (0: off) */
  metricsPort: number;
  /** REDIS_URL; absent: an in-process cache only. */
  redisUrl?: string | undefined;
  /** REDIS_TIMEOUT_MS */
  redisTimeoutMs: number;
  /** CACHE_MAX_ENTRIES: the in-process cache. */
  cacheMaxEntries: number;
}

/** The process's log. */
export interface LogConfig {
  /** LOG_LEVEL */
  level: Env['LOG_LEVEL'];
  /** LOG_FORMAT (default: json when NODE_ENV is production, pretty otherwise) */
  format: 'json' | 'pretty';
  /** Values no log line may show: BOT_TOKEN, OPENAI_API_KEY, the passwords in DATABASE_URL and REDIS_URL. */
  secrets: readonly string[];
}

export interface Config {
  telegram: TelegramConfig;
  delivery: DeliveryConfig;
  db: DbConfig;
  worker: WorkerConfig;
  ai: AiConfig;
  imageBudget: ImageBudgetConfig;
  images: ImagesConfig;
  payments: PaymentsConfig;
  admin: AdminConfig;
  ops: OpsConfig;
  log: LogConfig;
  /** DEFAULT_LOCALE: the language of users we do not speak, and of admins' notices. */
  defaultLocale: Env['DEFAULT_LOCALE'];
  /** NODE_ENV */
  nodeEnv: Env['NODE_ENV'];
  /** SHUTDOWN_TIMEOUT_S */
  shutdownTimeoutMs: number;
}

/** What operator commands (`npm run db:*`) read. */
export interface OperatorConfig {
  db: DbConfig;
  log: LogConfig;
}
