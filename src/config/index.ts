import type { z } from 'zod';
import { type Env, envSchema, type OperatorEnv, operatorEnvSchema } from './env.js';
import type { Config, DbConfig, LogConfig, OperatorConfig } from './groups.js';

export type {
  AdminConfig,
  AiConfig,
  AiPrices,
  BreakerConfig,
  Config,
  DbConfig,
  DeliveryConfig,
  ImageBudgetConfig,
  ImagesConfig,
  LogConfig,
  OperatorConfig,
  OpsConfig,
  PaymentsConfig,
  TelegramConfig,
  WorkerConfig,
} from './groups.js';
export type { StarsPackage, TokenPrices } from './values.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

type RawEnv = Record<string, string | undefined>;

/**
 * Parses the environment into the configuration grouped by component; throws one ConfigError
 * naming every problem by its environment name. Pure: reads only `env`.
 */
export function parseConfig(env: RawEnv): Config {
  return groupConfig(parseEnv(envSchema, env));
}

/** The database and logging settings of operator commands; no bot token needed. */
export function parseOperatorConfig(env: RawEnv): OperatorConfig {
  const parsed = parseEnv(operatorEnvSchema, env);
  return { db: groupDb(parsed), log: groupLog(parsed) };
}

function parseEnv<S extends z.ZodType>(schema: S, env: RawEnv): z.output<S> {
  // An empty value in .env means "not set", so defaults apply.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || 'environment';
    const missing = issue.path.length === 1 && !(String(issue.path[0]) in present);
    return `${key} ${missing && !issue.message.startsWith('is ') ? 'is required' : issue.message}`;
  });
  throw new ConfigError(problems);
}

const ms = (seconds: number) => seconds * 1000;

/** Each duration converted once, here, into the unit its consumer uses. */
function groupConfig(env: Env): Config {
  return {
    telegram: {
      token: env.BOT_TOKEN,
      apiRoot: env.TELEGRAM_API_ROOT,
      pollTimeoutS: env.TELEGRAM_POLL_TIMEOUT_S,
      updateConcurrency: env.UPDATE_CONCURRENCY,
      retryAttempts: env.TELEGRAM_RETRY_ATTEMPTS,
      retryMaxDelayS: env.TELEGRAM_RETRY_MAX_DELAY_S,
      requestTimeoutMs: ms(env.TELEGRAM_REQUEST_TIMEOUT_S),
      startupTimeoutMs: ms(env.TELEGRAM_STARTUP_TIMEOUT_S),
    },
    delivery: {
      floodWaitMaxS: env.TELEGRAM_FLOOD_WAIT_MAX_S,
      floodWaitTotalS: env.DELIVERY_FLOOD_WAIT_TOTAL_S,
    },
    db: groupDb(env),
    worker: {
      concurrency: env.PHOTOSHOOT_CONCURRENCY,
      previewConcurrency: env.PREVIEW_CONCURRENCY,
      heartbeatMs: ms(env.JOB_HEARTBEAT_S),
      staleAfterMs: ms(env.JOB_STALE_AFTER_S),
      maxAttempts: env.JOB_MAX_ATTEMPTS,
      pollMs: env.JOB_POLL_MS,
      queueRefreshMs: ms(env.JOB_QUEUE_REFRESH_S),
    },
    ai: {
      apiKey: env.OPENAI_API_KEY,
      baseUrl: env.OPENAI_BASE_URL,
      visionModel: env.VISION_MODEL,
      promptModel: env.PROMPT_MODEL,
      imageModel: env.IMAGE_MODEL,
      imageApi: env.IMAGE_API,
      imageQuality: env.IMAGE_QUALITY,
      imageInputFidelity: env.IMAGE_INPUT_FIDELITY,
      retries: env.AI_RETRIES,
      backoffInitialMs: env.AI_BACKOFF_INITIAL_MS,
      backoffMaxMs: env.AI_BACKOFF_MAX_MS,
      visionTimeoutMs: ms(env.VISION_TIMEOUT_S),
      promptTimeoutMs: ms(env.PROMPT_TIMEOUT_S),
      imageTimeoutMs: ms(env.IMAGE_TIMEOUT_S),
      breaker: {
        threshold: env.BREAKER_THRESHOLD,
        failureRate: env.BREAKER_FAILURE_RATE,
        windowMs: ms(env.BREAKER_WINDOW_S),
        halfOpenAfterMs: ms(env.BREAKER_HALF_OPEN_AFTER_S),
      },
      prices: {
        tokens: {
          vision: env.VISION_TOKEN_PRICES_USD,
          prompts: env.PROMPT_TOKEN_PRICES_USD,
          images: env.IMAGE_TOKEN_PRICES_USD,
        },
        imageUsd: env.IMAGE_PRICE_USD,
      },
      analysisCacheTtlS: env.ANALYSIS_CACHE_TTL_S,
      promptsCacheTtlS: env.PROMPTS_CACHE_TTL_S,
    },
    imageBudget: {
      perMinute: env.IMAGE_RATE_PER_MINUTE,
      headroomPercent: env.IMAGE_RATE_HEADROOM_PERCENT,
      burst: env.IMAGE_RATE_BURST,
    },
    images: {
      converterConcurrency: env.CONVERTER_CONCURRENCY,
      converterQueueLimit: env.CONVERTER_QUEUE_LIMIT,
      pngCompressionLevel: env.PNG_COMPRESSION_LEVEL,
      maxInputPixels: env.MAX_INPUT_PIXELS,
      normalisedMaxSide: env.NORMALISED_MAX_SIDE,
      maxPhotoBytes: env.MAX_PHOTO_BYTES,
    },
    payments: {
      freePhotoshoots: env.FREE_PHOTOSHOOTS,
      packages: env.PACKAGES,
      orderExpiryMin: env.ORDER_EXPIRY_MIN,
      paymentAlertAfterMs: ms(env.PAYMENT_ALERT_AFTER_S),
    },
    admin: { ids: env.ADMIN_IDS, statsCacheTtlS: env.STATS_CACHE_TTL_S, statsTimeZone: env.STATS_TIME_ZONE },
    ops: {
      metricsHost: env.METRICS_HOST,
      metricsPort: env.METRICS_PORT,
      redisUrl: env.REDIS_URL,
      redisTimeoutMs: env.REDIS_TIMEOUT_MS,
      cacheMaxEntries: env.CACHE_MAX_ENTRIES,
    },
    log: groupLog(env),
    defaultLocale: env.DEFAULT_LOCALE,
    nodeEnv: env.NODE_ENV,
    shutdownTimeoutMs: ms(env.SHUTDOWN_TIMEOUT_S),
  };
}

function groupDb(env: OperatorEnv): DbConfig {
  return {
    url: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    poolMax: env.DB_POOL_MAX,
    idleTimeoutS: env.DB_IDLE_TIMEOUT_S,
    maxLifetimeS: env.DB_MAX_LIFETIME_S,
    connectTimeoutMs: ms(env.DB_CONNECT_TIMEOUT_S),
  };
}

function groupLog(env: OperatorEnv & Partial<Pick<Env, 'OPENAI_API_KEY' | 'REDIS_URL'>>): LogConfig {
  return { level: env.LOG_LEVEL, format: env.LOG_FORMAT, secrets: logSecrets(env) };
}

/** The environment's secrets, as a log line could show them: the values, and the passwords inside URLs. */
export function logSecrets(env: {
  BOT_TOKEN?: string | undefined;
  OPENAI_API_KEY?: string | undefined;
  DATABASE_URL?: string | undefined;
  REDIS_URL?: string | undefined;
}): string[] {
  const secrets = [env.BOT_TOKEN, env.OPENAI_API_KEY].filter((s): s is string => Boolean(s));
  for (const url of [env.DATABASE_URL, env.REDIS_URL]) {
    if (!url) continue;
    try {
      const password = decodeURIComponent(new URL(url).password);
      if (password) secrets.push(password);
    } catch {
      // An unparsable URL has no password to hide; the logger's pattern still covers user:pass@.
    }
  }
  return secrets;
}
