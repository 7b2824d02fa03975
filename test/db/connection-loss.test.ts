import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { lazyTransaction } from '../../src/db/lazy-transaction.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

const terminate = (admin: postgres.Sql) => admin`
  select pg_terminate_backend(pid) from pg_stat_activity
  where application_name = 'photoshoot-bot' and datname = current_database() and pid <> pg_backend_pid()`;

describe.skipIf(!usingPostgres)('the database client when backends are killed', () => {
  it('runs the first statement of a transaction again when its connection turned out dead', async () => {
    database = await createTestDatabase(1);
    const admin = postgres(database.url ?? '', { max: 1, onnotice: () => undefined });
    const pids = new Set<number>();
    try {
      for (let round = 0; round < 10; round++) {
        const tx = lazyTransaction(database.handle.db);
        // Killed right before the statement: the pooled connection is dead and not yet known to be.
        await terminate(admin);
        const [row] = await queryRows<{ pid: number }>(tx.db, sql`select pg_backend_pid() as pid`);
        await tx.commit();
        pids.add(Number(row?.pid));
      }
    } finally {
      await admin.end();
    }
    // Every round succeeded, each on a fresh backend.
    expect(pids.size).toBe(10);
  });

  it('survives killed backends under many concurrent transactions: every one settles, none throws outside its promise', async () => {
    database = await createTestDatabase(8);
    const admin = postgres(database.url ?? '', { max: 1, onnotice: () => undefined });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    // postgres.js 3.4.9 threw from a setImmediate here (porsager/postgres#1154, #1208): patches/ fixes it.
    process.on('uncaughtException', onUncaught);
    let stop = false;
    let kills = 0;
    const chaos = (async () => {
      while (!stop) {
        kills += (await terminate(admin)).length;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const outcomes = await Promise.all(
      Array.from({ length: 150 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 4));
        const tx = lazyTransaction(database?.handle.db as never);
        try {
          await tx.db.execute(sql`select 1`);
          await tx.db.execute(sql`select pg_sleep(0.005)`);
          await tx.commit();
          return 'committed';
        } catch (err) {
          await tx.rollback(err);
          return 'failed';
        }
      }),
    );
    stop = true;
    await chaos;
    await admin.end();
    process.off('uncaughtException', onUncaught);
    expect(kills).toBeGreaterThan(0);
    expect(uncaught).toEqual([]);
    expect(outcomes).toHaveLength(150);
    expect(outcomes.filter((o) => o === 'committed').length).toBeGreaterThan(0);
    // The pool is usable afterwards.
    expect(await queryRows(database.handle.db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
  }, 60_000);
  it('answers the next statement with its own rows after a backend was killed in the middle of sending a result', async () => {
    database = await createTestDatabase(1);
    const admin = postgres(database.url ?? '', { max: 1, onnotice: () => undefined });
    try {
      for (let round = 0; round < 5; round++) {
        // A long stream of rows on the pool's only connection, cut off once rows are arriving.
        const streaming = queryRows(database.handle.db, sql`select g from generate_series(1, 2000000) g`);
        await new Promise((r) => setTimeout(r, 30));
        await terminate(admin);
        await expect(streaming).rejects.toThrow();
        // The same connection object serves the next statement on a new socket: postgres.js
        // 3.4.9 kept the cut-off result's row count and put this row after that many holes.
        const rows = await queryRows<{ one: number }>(database.handle.db, sql`select 1 as one`);
        expect(rows).toEqual([{ one: 1 }]);
      }
    } finally {
      await admin.end();
    }
  });
});
