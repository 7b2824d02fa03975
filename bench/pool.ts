/**
 * The /balance path (one transaction: the user's upsert, the balance split, the last ledger
 * entries) through the pool, against a new connection per update as the seed's NullPool did,
 * at concurrency 1, 10 and 100, side by side in alternating rounds. PostgreSQL only.
 */

import { parseOperatorConfig } from '../src/config/index.js';
import { createDb, type Database } from '../src/db/client.js';
import { balanceBreakdown, recentLedgerEntries } from '../src/db/ledger.js';
import { registerUser } from '../src/db/users.js';
import { describeError } from '../src/errors.js';
import { createTestDatabase, usingPostgres } from '../test/support/db.js';
import { silentLogger } from '../test/support/logger.js';
import { median, percentile, printTable, ratio, round1, runPool, writeResult } from './lib.js';

const quick = process.env.BENCH_QUICK === '1';
const UPDATES = quick ? 100 : 200;
const ROUNDS = quick ? 1 : 2;
const LEVELS = [1, 10, 100];
const USERS = 200;

/** What handling /balance does in its transaction. */
async function balanceUpdate(db: Database, telegramId: number) {
  const { user } = await registerUser(db, { id: telegramId, first_name: 'Bench' }, { freePhotoshoots: 2 });
  await db.transaction(async (tx) => {
    await balanceBreakdown(tx, user.id);
    await recentLedgerEntries(tx, user.id, 5);
  });
}

export async function benchPool(): Promise<void> {
  if (!usingPostgres) {
    process.stdout.write('\nPool vs connection per update: needs PostgreSQL (skipped on PGlite)\n');
    return;
  }
  // The application's default pool (DB_POOL_MAX); at concurrency 100 updates queue for it, as in production.
  const database = await createTestDatabase(30);
  const url = database.url ?? '';
  const settings = parseOperatorConfig({
    DATABASE_URL: url,
    DB_POOL_MAX: '1',
    DB_IDLE_TIMEOUT_S: '0',
    DB_MAX_LIFETIME_S: '0',
    DB_CONNECT_TIMEOUT_S: '10',
  }).db;
  try {
    const pool = database.handle.db;
    for (let i = 0; i < USERS; i++) await balanceUpdate(pool, 50_000 + i);
    const modes = {
      pooled: (i: number) => balanceUpdate(pool, 50_000 + (i % USERS)),
      'new connection': async (i: number) => {
        const handle = await createDb(settings, silentLogger);
        try {
          await balanceUpdate(handle.db, 50_000 + (i % USERS));
        } finally {
          await handle.close();
        }
      },
    };
    type Sample = { p50: number[]; p99: number[]; rate: number[]; errors: number };
    const samples = new Map<string, Sample>();
    const firstErrors = new Map<string, string>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of LEVELS) {
        for (const [mode, run] of Object.entries(modes)) {
          let errors = 0;
          const { latencies, elapsedMs } = await runPool(UPDATES, concurrency, (i) =>
            run(i).catch((err: unknown) => {
              if (errors === 0) firstErrors.set(mode, describeError(err));
              errors += 1;
            }),
          );
          const key = `${mode}@${concurrency}`;
          const s = samples.get(key) ?? { p50: [], p99: [], rate: [], errors: 0 };
          s.p50.push(percentile(latencies, 50));
          s.p99.push(percentile(latencies, 99));
          s.rate.push((UPDATES / elapsedMs) * 1000);
          s.errors += errors;
          samples.set(key, s);
        }
      }
    }
    const rows = LEVELS.flatMap((concurrency) => {
      const pooled = samples.get(`pooled@${concurrency}`);
      const fresh = samples.get(`new connection@${concurrency}`);
      return (['pooled', 'new connection'] as const).map((mode) => {
        const s = mode === 'pooled' ? pooled : fresh;
        return {
          concurrency,
          mode,
          'p50 ms': round1(median(s?.p50 ?? [])),
          'p99 ms': round1(median(s?.p99 ?? [])),
          'updates/s': round1(median(s?.rate ?? [])),
          errors: s?.errors ?? 0,
          'p50 ratio': mode === 'pooled' ? `${ratio(median(fresh?.p50 ?? []), median(pooled?.p50 ?? []))}x lower` : '',
        };
      });
    });
    printTable(
      `/balance transaction: pool vs a new connection per update, ${UPDATES} updates x ${ROUNDS} rounds`,
      rows,
    );
    for (const [mode, error] of firstErrors) process.stdout.write(`  first error (${mode}): ${error}\n`);
    process.stdout.write(`  -> ${writeResult('pool', { updates: UPDATES, rounds: ROUNDS, rows })}\n`);
  } finally {
    await database.close();
  }
}
