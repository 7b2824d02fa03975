import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { parseOperatorConfig } from '../../src/config/index.js';
import { createDb, type DbHandle, type DbOptions } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { silentLogger } from './logger.js';

/** PostgreSQL when TEST_DATABASE_URL is set, PGlite otherwise. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;
export const usingPostgres = testDatabaseUrl !== undefined;

const poolDefaults = { DB_IDLE_TIMEOUT_S: '30', DB_MAX_LIFETIME_S: '3600', DB_CONNECT_TIMEOUT_S: '10' };

/** The database settings an operator's environment gives. */
const dbConfig = (env: Record<string, string | undefined>) => parseOperatorConfig(env).db;

export interface TestDatabase {
  handle: DbHandle;
  /** Connection string of this fresh database (PostgreSQL only). */
  url: string | undefined;
  close(): Promise<void>;
}

/** A fresh, empty database: its own PostgreSQL database, or a new in-memory PGlite. */
export async function createEmptyDatabase(poolMax = 10, options: DbOptions = {}): Promise<TestDatabase> {
  if (!testDatabaseUrl) {
    const handle = await createDb(
      dbConfig({ DATA_DIR: 'memory://', DB_POOL_MAX: '1', ...poolDefaults }),
      silentLogger,
      options,
    );
    return { handle, url: undefined, close: () => handle.close() };
  }
  const name = `bot_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  const handle = await createDb(
    dbConfig({ DATABASE_URL: url.toString(), DB_POOL_MAX: String(poolMax), ...poolDefaults }),
    silentLogger,
    options,
  );
  return {
    handle,
    url: url.toString(),
    async close() {
      await handle.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/** A fresh database with every migration applied. */
export async function createTestDatabase(poolMax = 10, options: DbOptions = {}): Promise<TestDatabase> {
  const database = await createEmptyDatabase(poolMax, options);
  if (database.url) {
    const single = await createDb(
      dbConfig({ DATABASE_URL: database.url, DB_POOL_MAX: '1', ...poolDefaults }),
      silentLogger,
    );
    await runMigrations(single);
    await single.close();
  } else {
    await runMigrations(database.handle);
  }
  return database;
}

/**
 * A single connection of its own to the database `env` points at (DATABASE_URL, or the
 * embedded one in DATA_DIR), for reading what a process under test left once it has exited.
 */
export function openDatabaseAt(env: Record<string, string | undefined>): Promise<DbHandle> {
  return createDb(
    dbConfig({
      DATABASE_URL: env.DATABASE_URL,
      DATA_DIR: env.DATA_DIR,
      DB_POOL_MAX: '1',
      DB_IDLE_TIMEOUT_S: '0',
      DB_MAX_LIFETIME_S: '0',
      DB_CONNECT_TIMEOUT_S: '5',
    }),
    silentLogger,
  );
}
