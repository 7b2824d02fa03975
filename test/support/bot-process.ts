import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createTestDatabase, openDatabaseAt, type TestDatabase, usingPostgres } from './db.js';
import { type RunningProcess, startProcess } from './process.js';

/**
 * Bot processes for a test file: each test's processes are killed after it, and each test
 * can have a fresh database of its own (PostgreSQL, or an embedded folder) that outlives a
 * restart of the bot and can be read once the bot has exited.
 */
export function useBotProcesses(prefix: string, baseEnv: Record<string, string>) {
  let dataDir = '';
  let database: TestDatabase | undefined;
  const running: RunningProcess[] = [];
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  afterEach(async () => {
    for (const proc of running.splice(0)) {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
    await database?.close();
    database = undefined;
  });

  return {
    /** Starts `src/main.ts` with the base environment and `env`. */
    start(env: Record<string, string>): RunningProcess {
      const proc = startProcess('src/main.ts', { ...baseEnv, ...env });
      running.push(proc);
      return proc;
    },
    /** The environment of a fresh database for this test. */
    async freshDatabaseEnv(): Promise<Record<string, string>> {
      if (usingPostgres) {
        database = await createTestDatabase();
        return { DATABASE_URL: database.url ?? '' };
      }
      return { DATA_DIR: mkdtempSync(path.join(dataDir, 'pglite-')) };
    },
    /** Opens the database `env` points at, once the bot that used it has exited. */
    async openAfterExit(env: Record<string, string>): Promise<{ db: Database; close(): Promise<void> }> {
      if (database) return { db: database.handle.db, close: async () => undefined };
      const handle = await openDatabaseAt({ DATA_DIR: env.DATA_DIR });
      return { db: handle.db, close: () => handle.close() };
    },
    /**
     * Runs `work` on the database `env` points at while no bot holds it (the embedded one
     * allows one process), migrated first, so a test can set up what a bot finds at start.
     */
    async withDatabase<T>(env: Record<string, string>, work: (db: Database) => Promise<T>): Promise<T> {
      if (database) return work(database.handle.db);
      const handle = await openDatabaseAt(env);
      try {
        await runMigrations(handle);
        return await work(handle.db);
      } finally {
        await handle.close();
      }
    },
  };
}

/** The JSON log lines a process has written so far. */
export function logRecords(proc: RunningProcess): Record<string, unknown>[] {
  return proc
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
