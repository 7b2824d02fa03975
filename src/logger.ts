import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import type { LogConfig } from './config/index.js';

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

/**
 * createLogger builds the one pino logger of the process. Every line passes through the
 * redactor just before it is written, so secrets cannot leak through messages, URLs, error
 * stacks or nested objects.
 */
export function createLogger(config: LogConfig, destination?: DestinationStream): Logger {
  const redact = createRedactor(config.secrets);
  const stream =
    destination ??
    (config.format === 'pretty'
      ? pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ sync: true }));
  return pino(
    {
      level: config.level,
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
