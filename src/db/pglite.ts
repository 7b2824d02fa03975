import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import type { Database, DbHandle, DbOptions } from './client.js';
import { DatabaseUnavailableError } from './failures.js';
import { drizzleOptions, trackTransactions } from './instrumentation.js';

/** Embedded PostgreSQL in `dataDir`, or in memory (nothing kept) for DATA_DIR=memory://. */
export async function createPglite(dataDir: string, options: DbOptions): Promise<DbHandle> {
  const release = dataDir.startsWith('memory://') ? () => undefined : lockDataDir(dataDir);
  try {
    const client = await PGlite.create(dataDir);
    const db = drizzle(client, drizzleOptions(options)) as unknown as Database;
    return {
      db,
      // One connection: transactions take turns.
      pool: trackTransactions(db, 1, options),
      kind: 'pglite',
      location: dataDir,
      async ping() {
        await db.execute(sql`select 1`);
      },
      async close() {
        await client.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw new DatabaseUnavailableError(`Cannot open the embedded database in ${dataDir}`, err);
  }
}

/**
 * PGlite's files may be opened by one process only; a second one would corrupt them. A pid
 * file makes a second bot (or a migration while the bot runs) stop with a clear message.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = `${dataDir}.lock`;
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(readFileSync(lockFile, 'utf8'));
    if (owner && owner !== process.pid && isAlive(owner)) {
      throw new DatabaseUnavailableError(
        `The embedded database in ${dataDir} is in use by process ${owner}; stop it first or set DATABASE_URL`,
      );
    }
    writeFileSync(lockFile, String(process.pid));
  }
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
