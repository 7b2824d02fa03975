import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

export type { Logger };

const REDACTED = '[REDACTED]';

/** Anything shaped like a bot token, wherever it appears (API and file URLs, error messages). */
const BOT_TOKEN_PATTERN = /\d{3,}:[A-Za-z0-9_-]{20,}/g;
/** user:password@ in connection strings. */
const URL_PASSWORD_PATTERN = /(\/\/[^:/?#\s"]+:)[^@/?#\s"]+@/g;

/**
 * Returns a function that removes secrets from any text. Known secrets are replaced exactly;
 * token-shaped strings and URL passwords are replaced by pattern, so a secret we were not
 * told about (another bot's token in a URL) is still hidden.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return (text) => {
    let out = text;
    for (const secret of known) out = out.replaceAll(secret, REDACTED);
    return out.replace(BOT_TOKEN_PATTERN, REDACTED).replace(URL_PASSWORD_PATTERN, `$1${REDACTED}@`);
  };
}

/** Secrets in the configuration that must never be written to a log line. */
export interface LoggerConfig {
  LOG_LEVEL: Config['LOG_LEVEL'];
  LOG_FORMAT: Config['LOG_FORMAT'];
  BOT_TOKEN?: string | undefined;
  DATABASE_URL?: string | undefined;
  OPENAI_API_KEY?: string | undefined;
  REDIS_URL?: string | undefined;
}

export function configSecrets(config: LoggerConfig): string[] {
  const secrets = [config.BOT_TOKEN, config.OPENAI_API_KEY].filter((s): s is string => Boolean(s));
  for (const url of [config.DATABASE_URL, config.REDIS_URL]) {
    if (!url) continue;
    try {
      const password = decodeURIComponent(new URL(url).password);
      if (password) secrets.push(password);
    } catch {
      // An unparsable URL has no password to hide; the pattern still covers user:pass@.
    }
  }
  return secrets;
}

/**
 * createLogger builds the one pino logger of the process. Every line passes through the
 * redactor just before it is written, so secrets cannot leak through messages, URLs, error
 * stacks or nested objects.
 */
export function createLogger(config: LoggerConfig, destination?: DestinationStream): Logger {
  const redact = createRedactor(configSecrets(config));
  const stream =
    destination ??
    (config.LOG_FORMAT === 'pretty'
      ? pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ sync: true }));
  return pino(
    {
      level: config.LOG_LEVEL,
      base: undefined,
      redact: {
        paths: [
          'token',
          'password',
          'apiKey',
          'headers.authorization',
          '*.token',
          '*.password',
          '*.apiKey',
          '*.headers.authorization',
        ],
        censor: REDACTED,
      },
      hooks: { streamWrite: redact },
      serializers: { err: pino.stdSerializers.errWithCause },
    },
    stream,
  );
}
