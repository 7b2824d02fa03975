import { z } from 'zod';
import { idList, int, isTimeZone, LOG_LEVELS, oneOf, packageList, tokenPrices, usd } from './values.js';

/**
 * The environment the bot reads, name by name, as operators write it (.env.example and the
 * README list the same names). Validation and defaults live here; groups.ts turns the result
 * into the configuration the code reads.
 */
/** Environment variables the bot reads. Every key is documented in .env.example. */
const fields = {
  /** Token from @BotFather. */
  BOT_TOKEN: z
    .string({ error: 'is required (the token from @BotFather)' })
    .regex(/^\d+:[A-Za-z0-9_-]+$/, 'does not look like a bot token (123456:ABC...)'),
  /** Bot API root; tests point it at a local fake server. */
  TELEGRAM_API_ROOT: z
    .url({ error: 'must be a URL such as https://api.telegram.org' })
    .default('https://api.telegram.org'),
  /** Long-polling timeout for getUpdates, in seconds. */
  TELEGRAM_POLL_TIMEOUT_S: int(0, 50).default(30),
  /** Updates handled at once by the runner; stays below DB_POOL_MAX so jobs keep a connection. */
  UPDATE_CONCURRENCY: int(1, 1000).default(25),
  /** Attempts and longest wait that auto-retry spends on a Bot API call (429 / 5xx / network). */
  TELEGRAM_RETRY_ATTEMPTS: int(0, 10).default(3),
  TELEGRAM_RETRY_MAX_DELAY_S: int(0, 300).default(5),
  /** How long a Bot API call may go unanswered (beyond getUpdates' long-polling timeout). */
  TELEGRAM_REQUEST_TIMEOUT_S: int(1, 600).default(20),
  /** How long startup keeps trying to reach the Bot API before exiting 1. */
  TELEGRAM_STARTUP_TIMEOUT_S: int(1, 600).default(30),
  /** PostgreSQL URL; absent: embedded PGlite under DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** Folder of the embedded database; memory:// keeps it in memory only (nothing survives a restart). */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Pool: the seed's 10 core + 20 overflow connections. */
  DB_POOL_MAX: int(1, 1000).default(30),
  /** Idle connections above need are closed after this many seconds. */
  DB_IDLE_TIMEOUT_S: int(0, 86_400).default(300),
  /** Connections are recycled after this many seconds (the seed's pool_recycle). */
  DB_MAX_LIFETIME_S: int(0, 86_400).default(3600),
  /** Seconds to wait for a connection (the seed's pool_timeout). */
  DB_CONNECT_TIMEOUT_S: int(1, 600).default(30),
  /** Telegram user ids allowed to use admin commands, comma separated. */
  ADMIN_IDS: idList,
  LOG_LEVEL: oneOf(LOG_LEVELS).default('info'),
  /** json for machines, pretty for people; default: json in production, pretty otherwise. */
  LOG_FORMAT: oneOf(['json', 'pretty']).optional(),
  NODE_ENV: oneOf(['development', 'production', 'test']).default('development'),
  /** Free photoshoots a new user receives once. */
  FREE_PHOTOSHOOTS: int(0, 1000).default(2),
  /** Locale used when the user's language is not one we speak. */
  DEFAULT_LOCALE: oneOf(['en', 'ru']).default('en'),
  /** Seconds a graceful shutdown may take before the process exits anyway. */
  SHUTDOWN_TIMEOUT_S: int(1, 60).default(9),

  /** OpenAI-compatible API: any provider that speaks it. Never logged. */
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z
    .url({ error: 'must be a URL such as https://api.openai.com/v1' })
    .default('https://api.openai.com/v1'),
  VISION_MODEL: z.string().min(1).default('gpt-4o-mini'),
  PROMPT_MODEL: z.string().min(1).default('gpt-4o-mini'),
  IMAGE_MODEL: z.string().min(1).default('gpt-image-1'),
  /**
   * How images are rendered: `images`, OpenAI's images.edit (gpt-image models); `chat`, chat
   * completions with image output (`modalities: ["image","text"]`), as OpenRouter serves
   * google/gemini-2.5-flash-image. Both use OPENAI_BASE_URL and IMAGE_MODEL.
   */
  IMAGE_API: oneOf(['images', 'chat']).default('images'),
  /** images.edit `quality`: the price and time of every image (gpt-image-1 1024x1024: $0.011 / $0.042 / $0.167). */
  IMAGE_QUALITY: oneOf(['low', 'medium', 'high', 'auto']).default('medium'),
  /** images.edit `input_fidelity`, sent only to models that take it (not gpt-image-1-mini). */
  IMAGE_INPUT_FIDELITY: oneOf(['high', 'low']).default('high'),
  /**
   * The price table behind ai_usage.cost_usd and the AI spend in /stats, USD per 1M
   * input/output tokens of each model as its answers report them. The defaults are OpenAI's
   * list prices for the default models: gpt-4o-mini 0.15/0.60; gpt-image-1 bills images as
   * tokens, 10 per 1M image input tokens (the photo; the short text prompt, billed at 5, is
   * counted at the same rate) and 40 per 1M output tokens (1056 for a medium 1024x1024 image:
   * $0.042, 1584 for 1024x1536: $0.063).
   */
  VISION_TOKEN_PRICES_USD: tokenPrices.default({ input: 0.15, output: 0.6 }),
  PROMPT_TOKEN_PRICES_USD: tokenPrices.default({ input: 0.15, output: 0.6 }),
  IMAGE_TOKEN_PRICES_USD: tokenPrices.default({ input: 10, output: 40 }),
  /** USD per image for an image answer that reports no token usage (gpt-image-1, medium, 1024x1024). */
  IMAGE_PRICE_USD: usd.default(0.042),
  /** Retries after the first attempt of an AI call (transient failures only). */
  AI_RETRIES: int(0, 10).default(2),
  /** First retry delay; it doubles (with jitter) up to AI_BACKOFF_MAX_MS. */
  AI_BACKOFF_INITIAL_MS: int(1, 600_000).default(2000),
  AI_BACKOFF_MAX_MS: int(1, 600_000).default(30_000),
  /** Time allowed for one attempt, per upstream. */
  VISION_TIMEOUT_S: int(1, 600).default(15),
  PROMPT_TIMEOUT_S: int(1, 600).default(15),
  /**
   * An image edit takes 20-120 s on the real service ("complex prompts may take up to 2
   * minutes"); a timed-out one is not sent again (it may still be rendered and billed).
   */
  IMAGE_TIMEOUT_S: int(1, 900).default(300),
  /**
   * An upstream's circuit breaker opens when more than BREAKER_FAILURE_RATE of its calls over
   * the last BREAKER_WINDOW_S failed, once the window holds BREAKER_THRESHOLD calls (more than
   * one photoshoot's 4 images, so one photoshoot alone cannot open it; timed-out images and
   * rate-limit 429s do not count). BREAKER_HALF_OPEN_AFTER_S: seconds until a trial call, and
   * how often an upstream out for an account problem is tried again.
   */
  BREAKER_THRESHOLD: int(1, 1000).default(5),
  BREAKER_FAILURE_RATE: z.coerce
    .number({ error: 'must be a number between 0 and 1' })
    .gt(0, 'must be above 0')
    .lt(1, 'must be below 1')
    .default(0.5),
  BREAKER_WINDOW_S: int(5, 3600).default(60),
  BREAKER_HALF_OPEN_AFTER_S: int(1, 3600).default(60),
  /**
   * Images per minute the provider allows this account, for the whole fleet: OpenAI's
   * gpt-image-1 allows 5 / 20 / 50 / 150 / 250 at usage tiers 1-5. The default is tier 1,
   * every new account's: too low only wastes capacity, too high gets 429s. Every process
   * sharing the database paces its image calls to IMAGE_RATE_HEADROOM_PERCENT of it, in bursts
   * of at most IMAGE_RATE_BURST (the provider enforces its limit over shorter periods too).
   */
  IMAGE_RATE_PER_MINUTE: int(1, 1_000_000).default(5),
  IMAGE_RATE_HEADROOM_PERCENT: int(10, 100).default(95),
  IMAGE_RATE_BURST: int(1, 1000).default(1),
  /** WebP->PNG conversions at once (0: one per CPU core) and how many may wait. */
  CONVERTER_CONCURRENCY: int(0, 64).default(0),
  CONVERTER_QUEUE_LIMIT: int(0, 100_000).default(200),
  /** zlib level of result PNGs: 0 (fast, large) to 9 (slow, small). */
  PNG_COMPRESSION_LEVEL: int(0, 9).default(6),
  /** Photos with more pixels than this are refused before they are decoded. */
  MAX_INPUT_PIXELS: int(1, 1_000_000_000).default(40_000_000),
  /** Longest side of the photo sent to the AI models. */
  NORMALISED_MAX_SIDE: int(256, 4096).default(1536),
  /** In-process cache of analyses and prompts. */
  CACHE_MAX_ENTRIES: int(0, 1_000_000).default(5000),
  ANALYSIS_CACHE_TTL_S: int(0, 30 * 86_400).default(7 * 86_400),
  PROMPTS_CACHE_TTL_S: int(0, 30 * 86_400).default(86_400),

  /** Photoshoots processed at once by this process (each renders its 4 images concurrently). */
  PHOTOSHOOT_CONCURRENCY: int(1, 256).default(8),
  /** Style previews (analysis and proposed styles) made at once by this process. */
  PREVIEW_CONCURRENCY: int(1, 256).default(4),
  /** A running job writes a heartbeat this often; one silent for JOB_STALE_AFTER_S is taken over. */
  JOB_HEARTBEAT_S: int(1, 600).default(10),
  JOB_STALE_AFTER_S: int(5, 3600).default(60),
  /** A job interrupted this many times fails with its credit released. */
  JOB_MAX_ATTEMPTS: int(1, 20).default(3),
  /** How often idle workers look for queued jobs (new jobs in this process start at once). */
  JOB_POLL_MS: int(50, 60_000).default(1000),
  /** How often sellers waiting in the queue see their position move. */
  JOB_QUEUE_REFRESH_S: int(1, 3600).default(10),
  /**
   * Telegram flood control on a delivery (429 "retry after N"): a wait of up to this many
   * seconds is waited out and the images are sent again; Telegram asks for up to about 60 s.
   */
  TELEGRAM_FLOOD_WAIT_MAX_S: int(1, 600).default(60),
  /** All the flood waits of one delivery together; beyond, the job is resumed later from its kept images. */
  DELIVERY_FLOOD_WAIT_TOTAL_S: int(1, 3600).default(300),
  /** Packages sold for Telegram Stars: photoshoots:stars, comma separated. */
  PACKAGES: packageList.default([
    { photoshoots: 3, stars: 150 },
    { photoshoots: 10, stars: 450 },
    { photoshoots: 30, stars: 1200 },
    { photoshoots: 100, stars: 3500 },
  ]),
  /** An unpaid invoice is refused at checkout after this many minutes and its order canceled. */
  ORDER_EXPIRY_MIN: int(1, 30 * 24 * 60).default(60),
  /**
   * A successful payment the database cannot take is retried until it is recorded; admins are
   * told (with the /credit command) only once it is still unrecorded after this many seconds.
   */
  PAYMENT_ALERT_AFTER_S: int(1, 86_400).default(300),
  /** Seconds /stats figures are served from the cache (`/stats fresh` recomputes). */
  STATS_CACHE_TTL_S: int(0, 86_400).default(60),
  /** Time zone of "today" and of the times admins see (an IANA name such as Europe/Moscow). */
  STATS_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Berlin')
    .default('UTC'),
  /** Shared cache of analyses, prompts and /stats (redis:// or rediss://); absent: in-process only. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  /** A Redis command slower than this counts as a miss (the cache never holds a request up). */
  REDIS_TIMEOUT_MS: int(10, 10_000).default(250),
  /** Port of /metrics (Prometheus) and /healthz; 0 turns the endpoint off. */
  METRICS_PORT: int(0, 65_535).default(9464),
  /** Address the metrics endpoint listens on. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Largest photo accepted, in bytes (Telegram bots can download at most 20 MB). */
  MAX_PHOTO_BYTES: int(1, 20 * 1024 * 1024).default(20 * 1024 * 1024),
};

const withLogFormat = <T extends { LOG_FORMAT?: 'json' | 'pretty' | undefined; NODE_ENV: string }>(env: T) => ({
  ...env,
  LOG_FORMAT: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? ('json' as const) : ('pretty' as const)),
});

export const envSchema = z
  .object(fields)
  .transform(withLogFormat)
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL && env.UPDATE_CONCURRENCY >= env.DB_POOL_MAX) {
      ctx.addIssue({
        code: 'custom',
        path: ['UPDATE_CONCURRENCY'],
        message: `must be lower than DB_POOL_MAX (${env.DB_POOL_MAX}) so background jobs keep a connection`,
      });
    }
  });

/** The environment as validated: every name as the operator writes it, values parsed. */
export type Env = z.output<typeof envSchema>;

/** What operator commands such as `npm run db:migrate` need: the database and logging, no bot token. */
export const operatorEnvSchema = z
  .object({
    BOT_TOKEN: fields.BOT_TOKEN.optional(),
    DATABASE_URL: fields.DATABASE_URL,
    DATA_DIR: fields.DATA_DIR,
    DB_CONNECT_TIMEOUT_S: fields.DB_CONNECT_TIMEOUT_S,
    DB_IDLE_TIMEOUT_S: fields.DB_IDLE_TIMEOUT_S,
    DB_MAX_LIFETIME_S: fields.DB_MAX_LIFETIME_S,
    DB_POOL_MAX: fields.DB_POOL_MAX,
    LOG_LEVEL: fields.LOG_LEVEL,
    LOG_FORMAT: fields.LOG_FORMAT,
    NODE_ENV: fields.NODE_ENV,
  })
  .transform(withLogFormat);

export type OperatorEnv = z.output<typeof operatorEnvSchema>;
