import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SQL } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { createEmptyDatabase, openDatabaseAt, type TestDatabase, usingPostgres } from './db.js';

/**
 * Where an operator command under test (`npm run db:*`) points: a fresh, empty PostgreSQL
 * database, or a fresh embedded one in a temporary folder. Made before the file's tests and
 * removed after them.
 */
export function useOperatorTarget(prefix: string) {
  let workDir = '';
  let database: TestDatabase | undefined;
  let env: Record<string, string> = {};
  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), prefix));
    if (usingPostgres) {
      database = await createEmptyDatabase();
      env = { DATABASE_URL: database.url ?? '' };
    } else {
      env = { DATA_DIR: path.join(workDir, 'data') };
    }
  });
  afterAll(async () => {
    await database?.close();
    rmSync(workDir, { recursive: true, force: true });
  });
  return {
    /** The environment that points a command at the target. */
    get env() {
      return env;
    },
    /** A temporary folder of the test file's own. */
    get workDir() {
      return workDir;
    },
    /** Runs one query against the target on a connection of its own (the command has exited). */
    async read<T>(query: SQL): Promise<T[]> {
      const handle = await openDatabaseAt(env);
      try {
        return await queryRows<T>(handle.db, query);
      } finally {
        await handle.close();
      }
    },
  };
}
