/**
 * `npm run bench`: every benchmark, one after the other; `npm run bench -- <name>` runs one;
 * `--quick` runs smaller versions.
 * Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local PostgreSQL if it
 * answers, else embedded PGlite.
 */
import postgres from 'postgres';

const LOCAL = 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => undefined });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

const url = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || ((await reachable(LOCAL)) ? LOCAL : '');
if (url) process.env.TEST_DATABASE_URL = url;
else delete process.env.TEST_DATABASE_URL;

const args = process.argv.slice(2);
// --quick: smaller sizes and fewer rounds, for a first look or a smoke run.
if (args.includes('--quick')) process.env.BENCH_QUICK = '1';

// Imported after the database is chosen: the test helpers read TEST_DATABASE_URL when loaded.
const { benchUpdateHandling } = await import('./update-handling.js');
const { benchConversion } = await import('./conversion.js');
const { benchStats } = await import('./stats.js');
const { benchPool } = await import('./pool.js');
const { benchLoad } = await import('./load.js');
const { benchProvider } = await import('./provider.js');

const benchmarks: Record<string, () => Promise<void>> = {
  pool: benchPool,
  'update-handling': benchUpdateHandling,
  conversion: benchConversion,
  stats: benchStats,
  load: benchLoad,
  provider: benchProvider,
};

// --users N: sellers in the load benchmark's full-flow run.
const usersAt = args.indexOf('--users');
if (usersAt >= 0) process.env.BENCH_USERS = args[usersAt + 1] ?? '';
const wanted = args.filter((arg, i) => !arg.startsWith('--') && !(usersAt >= 0 && i === usersAt + 1));
for (const name of wanted) {
  if (!benchmarks[name]) {
    process.stderr.write(`Unknown benchmark "${name}"; known: ${Object.keys(benchmarks).join(', ')}\n`);
    process.exit(1);
  }
}
const started = performance.now();
for (const [name, run] of Object.entries(benchmarks)) {
  if (wanted.length !== 0 && !wanted.includes(name)) continue;
  const t0 = performance.now();
  await run();
  process.stdout.write(`[${name}: ${Math.round((performance.now() - t0) / 1000)} s]\n`);
}
process.stdout.write(`\nAll done in ${Math.round((performance.now() - started) / 1000)} s\n`);
// Fake servers and timers of the benchmarks are not worth waiting for.
process.exit(process.exitCode ?? 0);
