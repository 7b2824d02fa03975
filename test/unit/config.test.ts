import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, parseOperatorConfig } from '../../src/config/index.js';

const TOKEN = '123:abc-DEF_ghi';

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig({ BOT_TOKEN: TOKEN });
    expect(config).toMatchObject({
      telegram: { apiRoot: 'https://api.telegram.org', updateConcurrency: 25 },
      db: { dataDir: './data', poolMax: 30, maxLifetimeS: 3600, connectTimeoutMs: 30_000 },
      payments: { freePhotoshoots: 2 },
      admin: { ids: [] },
      log: { level: 'info', format: 'pretty' },
    });
    expect(config.db.url).toBeUndefined();
    expect(parseConfig({ BOT_TOKEN: TOKEN, NODE_ENV: 'production' }).log.format).toBe('json');
  });

  it('parses lists and numbers, and treats empty values as unset', () => {
    const config = parseConfig({ BOT_TOKEN: TOKEN, ADMIN_IDS: ' 1, 22 ,333 ', DB_POOL_MAX: '12', DATABASE_URL: '' });
    expect(config.admin.ids).toEqual([1, 22, 333]);
    expect(config.db.poolMax).toBe(12);
    expect(config.db.url).toBeUndefined();
  });

  it('names every problem at once', () => {
    expect(
      problemsOf({
        BOT_TOKEN: 'not-a-token',
        DB_POOL_MAX: '0',
        ADMIN_IDS: '1,abc',
        TELEGRAM_API_ROOT: 'nope',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        FREE_PHOTOSHOOTS: '1.5',
      }),
    ).toEqual([
      'BOT_TOKEN does not look like a bot token (123456:ABC...)',
      'TELEGRAM_API_ROOT must be a URL such as https://api.telegram.org',
      'DATABASE_URL must start with postgres:// or postgresql://',
      'DB_POOL_MAX must be at least 1',
      'ADMIN_IDS "abc" is not a Telegram user id',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      'FREE_PHOTOSHOOTS must be a whole number',
    ]);
  });

  it('requires BOT_TOKEN', () => {
    expect(problemsOf({})).toEqual(['BOT_TOKEN is required (the token from @BotFather)']);
  });

  it('keeps update concurrency below the pool so background work has a connection', () => {
    expect(
      problemsOf({ BOT_TOKEN: TOKEN, DATABASE_URL: 'postgres://h/db', DB_POOL_MAX: '10', UPDATE_CONCURRENCY: '10' }),
    ).toEqual(['UPDATE_CONCURRENCY must be lower than DB_POOL_MAX (10) so background jobs keep a connection']);
  });

  it('lets operator commands run without a bot token', () => {
    expect(parseOperatorConfig({ DATABASE_URL: 'postgres://h/db' }).db.url).toBe('postgres://h/db');
  });
});
