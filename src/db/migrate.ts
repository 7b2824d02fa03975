import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { type DbHandle, queryRows } from './client.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Key of the advisory lock that serialises concurrent migration runs across processes. */
const MIGRATION_LOCK_KEY = 4_201_117;

interface JournalEntry {
  tag: string;
  when: number;
}

function readJournal(folder: string): JournalEntry[] {
  const journal = JSON.parse(readFileSync(`${folder}/meta/_journal.json`, 'utf8')) as { entries: JournalEntry[] };
  return journal.entries;
}

/**
 * Migrations in the folder that the database has not applied yet, by the same rule drizzle's
 * migrator uses: every migration newer than the newest one recorded.
 */
export async function pendingMigrations(handle: Pick<DbHandle, 'db'>, folder = MIGRATIONS_FOLDER): Promise<string[]> {
  const [state] = await queryRows<{ exists: boolean }>(
    handle.db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as "exists"`,
  );
  let last = -1;
  if (state?.exists) {
    const [row] = await queryRows<{ last: string | number | null }>(
      handle.db,
      sql`select max(created_at) as "last" from drizzle.__drizzle_migrations`,
    );
    last = row?.last == null ? -1 : Number(row.last);
  }
  return readJournal(folder)
    .filter((entry) => entry.when > last)
    .map((entry) => entry.tag);
}

/**
 * Applies pending migrations and returns their tags. The handle must hold a single connection
 * (a pool of one, or PGlite): the advisory lock is per session, so two runs at once queue on
 * it and the second finds nothing left to do.
 */
export async function runMigrations(
  handle: Pick<DbHandle, 'db' | 'kind'>,
  folder = MIGRATIONS_FOLDER,
): Promise<string[]> {
  const { db } = handle;
  await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
  try {
    const pending = await pendingMigrations(handle, folder);
    if (pending.length === 0) return [];
    if (handle.kind === 'pglite') {
      await migratePglite(db as unknown as PgliteDatabase, { migrationsFolder: folder });
    } else {
      await migratePostgres(db as unknown as PostgresJsDatabase, { migrationsFolder: folder });
    }
    return pending;
  } finally {
    await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
  }
}
