/**
 * Update handling through the bot's real middleware stack (tracker, logger, per-chat ordering,
 * i18n, one transaction per update, user upsert, a reply), replies captured in process.
 * Compares concurrency 1 (how a plain `bot.start()` bot handles updates) with the runner's
 * concurrency, side by side, in rounds. PostgreSQL from BENCH_DATABASE_URL / TEST_DATABASE_URL
 * (default: the local server), else embedded PGlite.
 */
import os from 'node:os';
import { createBotHarness } from '../test/support/bot-harness.js';
import { createTestDatabase, usingPostgres } from '../test/support/db.js';
import { textMessage, withId } from '../test/support/updates.js';
import { median, percentile, printTable, ratio, round1, runPool, writeResult } from './lib.js';

const quick = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const LEVELS = [1, 25];
/** Instant replies (the stack's own cost), then 50 ms replies (a realistic Bot API round trip). */
const SCENARIOS = [
  { apiLatencyMs: 0, updates: Number(process.env.BENCH_UPDATES ?? (quick ? 500 : 2000)) },
  { apiLatencyMs: 50, updates: 200 },
];

export async function benchUpdateHandling(): Promise<void> {
  for (const scenario of SCENARIOS) await runScenario(scenario.apiLatencyMs, scenario.updates);
}

async function runScenario(apiLatencyMs: number, UPDATES: number): Promise<void> {
  const database = await createTestDatabase(30);
  try {
    const h = createBotHarness({ db: database.handle.db, apiLatencyMs });
    // Warm up: registers the users, so the measured updates are the steady state (upsert of a known user).
    await runPool(500, 10, (i) => h.handle(withId(textMessage({ id: 10_000 + i }, 'hello'))));
    const samples = new Map<number, { rate: number[]; p50: number[]; p99: number[] }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of LEVELS) {
        const { latencies, elapsedMs } = await runPool(UPDATES, concurrency, (i) =>
          h.handle(withId(textMessage({ id: 10_000 + (i % 500) }, 'hello'))),
        );
        const s = samples.get(concurrency) ?? { rate: [], p50: [], p99: [] };
        s.rate.push((UPDATES / elapsedMs) * 1000);
        s.p50.push(percentile(latencies, 50));
        s.p99.push(percentile(latencies, 99));
        samples.set(concurrency, s);
      }
    }
    const base = median(samples.get(1)?.rate ?? []);
    const rows = LEVELS.map((concurrency) => {
      const s = samples.get(concurrency) ?? { rate: [], p50: [], p99: [] };
      return {
        concurrency,
        'updates/s (median)': round1(median(s.rate)),
        'p50 ms': round1(median(s.p50)),
        'p99 ms': round1(median(s.p99)),
        'x vs 1': ratio(median(s.rate), base),
      };
    });
    const where = usingPostgres ? 'PostgreSQL' : 'PGlite';
    printTable(
      `Update handling, replies take ${apiLatencyMs} ms, ${UPDATES} updates x ${ROUNDS} rounds, ${where}, ${os.cpus().length} cores`,
      rows,
    );
    const file = writeResult(`update-handling-${apiLatencyMs}ms`, {
      database: where,
      apiLatencyMs,
      updates: UPDATES,
      rounds: ROUNDS,
      rows,
    });
    process.stdout.write(`  -> ${file}\n`);
  } finally {
    await database.close();
  }
}
