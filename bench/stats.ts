/**
 * Admin figures on seeded data (`npm run db:seed`'s generator): the seed system's eight
 * sequential dashboard queries vs the single statement vs the cached path; /user detail; a
 * seller's history page and the orders-by-status page with their indexes present and dropped
 * (inside a transaction that is rolled back), with the plans EXPLAIN chose. Measured side by
 * side, interleaved in rounds; the plan of the AI spend over 30 days (5 ai_usage rows per
 * photoshoot). Size: 100k users / 1M images / 200k orders; `--quick` 10x less.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../src/db/client.js';
import { queryRows } from '../src/db/client.js';
import { ordersPage } from '../src/db/order-pages.js';
import { historyPage } from '../src/db/processed-images.js';
import { seedDatabase } from '../src/db/seed.js';
import { businessStats } from '../src/db/stats.js';
import { userDetail } from '../src/db/user-detail.js';
import { createMemoryCache } from '../src/services/cache.js';
import { createTestDatabase, usingPostgres } from '../test/support/db.js';
import { median, percentile, printTable, ratio, round1, writeResult } from './lib.js';

const quick = process.env.BENCH_QUICK === '1';
const SIZE = quick
  ? { users: 10_000, images: 100_000, orders: 20_000 }
  : { users: 100_000, images: 1_000_000, orders: 200_000 };
const ROUNDS = 3;
const PER_ROUND = { stats: quick ? 3 : 4, fast: 50 };
const TZ = 'UTC';

/**
 * The seed's dashboard, kept as the benchmark's baseline: eight statements one after the
 * other, each scanning its table again.
 */
async function naiveBusinessStats(db: Database, timeZone: string): Promise<unknown[]> {
  const today = sql`(date_trunc('day', now() at time zone ${timeZone}) at time zone ${timeZone})`;
  const results: unknown[] = [];
  for (const query of [
    sql`select count(*) from users`,
    sql`select count(*) from users where created_at >= ${today}`,
    sql`select count(*) from users where last_seen_at >= now() - interval '7 days'`,
    sql`select count(*), count(*) filter (where status = 'failed') from photoshoots`,
    sql`select count(*), count(*) filter (where is_free) from processed_images`,
    sql`select count(*) from processed_images where created_at >= ${today}`,
    sql`select status, count(*), sum(amount) from orders group by status`,
    sql`select style, count(*) from processed_images group by style order by 2 desc limit 5`,
  ]) {
    results.push(await queryRows(db, query));
  }
  return results;
}

async function time(task: () => Promise<unknown>, times: number, into: number[]) {
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await task();
    into.push(performance.now() - t0);
  }
}

/** The scan nodes of a plan, e.g. "Index Scan using idx_orders_status_created". */
async function plan(db: Database, query: ReturnType<typeof sql>): Promise<string> {
  const rows = await queryRows<{ 'QUERY PLAN': string }>(db, sql`explain ${query}`);
  const nodes = rows
    .map((r) => r['QUERY PLAN'])
    .map((line) =>
      /(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan|Parallel Seq Scan)(?: Backward)?(?: using (\w+))? on (\w+)/.exec(
        line,
      ),
    )
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}${m[2] ? ` using ${m[2]}` : ''} on ${m[3]}`);
  return [...new Set(nodes)].join('; ');
}

export async function benchStats(): Promise<void> {
  const database = await createTestDatabase(5);
  try {
    const db = database.handle.db;
    process.stdout.write(
      `\nSeeding ${SIZE.users} users, ${SIZE.images} images, ${SIZE.orders} orders (${usingPostgres ? 'PostgreSQL' : 'PGlite'})…\n`,
    );
    const seeded = await seedDatabase(db, SIZE);
    process.stdout.write(`seeded in ${round1(seeded.ms / 1000)} s\n`);
    // What each photoshoot's AI answers consumed, as the usage recorder writes it: one vision
    // answer and four images, at the photoshoot's time (so about 1/12 of them fall in 30 days).
    await db.execute(sql`
      insert into ai_usage (photoshoot_id, upstream, model, images, input_tokens, output_tokens, cost_usd, created_at)
      select p.id, case when k = 0 then 'vision' else 'images' end, case when k = 0 then 'gpt-4o-mini' else 'gpt-image-1' end,
             least(k, 1), case when k = 0 then 1200 else 4200 end, case when k = 0 then 300 else 1056 end,
             case when k = 0 then 0.00036 else 0.08424 end, p.created_at + k * interval '8 seconds'
        from photoshoots p cross join generate_series(0, 4) k`);
    await db.execute(sql`analyze ai_usage`);
    if (usingPostgres) await db.execute(sql`vacuum analyze`);

    const [heavy] = await queryRows<{ user_id: number; telegram_id: number; images: number }>(
      db,
      sql`select i.user_id, u.telegram_id, count(*) as images from processed_images i join users u on u.id = i.user_id
           group by i.user_id, u.telegram_id order by count(*) desc limit 1`,
    );
    // A typical seller: the median number of images among those who have any.
    const [typical] = await queryRows<{ telegram_id: number; images: number }>(
      db,
      sql`select u.telegram_id, t.n as images from (
            select user_id, count(*) as n, row_number() over (order by count(*)) as rank, count(*) over () as sellers
              from processed_images group by user_id) t
          join users u on u.id = t.user_id where t.rank = (t.sellers + 1) / 2`,
    );
    const heavyUser = Number(heavy?.user_id);
    const heavyTelegram = Number(heavy?.telegram_id);
    const heavyImages = Number(heavy?.images);
    const cache = createMemoryCache({ maxEntries: 10 });
    const cachedStats = async () => {
      const hit = await cache.get('stats:bench');
      if (hit) return hit;
      const stats = await businessStats(db, TZ);
      await cache.set('stats:bench', stats, 3600);
      return stats;
    };
    await cachedStats();
    const historySql = sql`select photoshoot_id, max(created_at), count(*) from processed_images
      where user_id = ${heavyUser} and status = 'done' and photoshoot_id is not null
      group by photoshoot_id order by max(created_at) desc, photoshoot_id desc limit 6`;
    // As the statement reads it: the bound as an expression, so the planner estimates the range.
    const aiSpendSql = sql`select coalesce(sum(cost_usd), 0), count(distinct photoshoot_id) from ai_usage
      where created_at >= now() - interval '30 days'`;
    const ordersSql = sql`select o.id from orders o join users u on u.id = o.user_id where o.status = 'refunded'
      order by o.created_at desc, o.id desc limit 11 offset 200`;
    const history = () => historyPage(db, heavyUser, 0, 5);
    const pending = () => ordersPage(db, { status: 'refunded', page: 20, pageSize: 10 });

    const samples: Record<string, number[]> = {
      naive: [],
      single: [],
      cached: [],
      aiSpend: [],
      user: [],
      typicalUser: [],
      historyWith: [],
      historyWithout: [],
      ordersWith: [],
      ordersWithout: [],
    };
    const plans: Record<string, string> = {};
    plans.historyWith = await plan(db, historySql);
    plans.ordersWith = await plan(db, ordersSql);
    plans.aiSpend = await plan(db, aiSpendSql);
    for (let round = 0; round < ROUNDS; round++) {
      await time(() => naiveBusinessStats(db, TZ), PER_ROUND.stats, samples.naive as number[]);
      await time(() => businessStats(db, TZ), PER_ROUND.stats, samples.single as number[]);
      await time(cachedStats, PER_ROUND.fast, samples.cached as number[]);
      await time(() => queryRows(db, aiSpendSql), PER_ROUND.fast, samples.aiSpend as number[]);
      await time(() => userDetail(db, { telegramId: heavyTelegram }), PER_ROUND.fast, samples.user as number[]);
      await time(
        () => userDetail(db, { telegramId: Number(typical?.telegram_id) }),
        PER_ROUND.fast,
        samples.typicalUser as number[],
      );
      await time(history, PER_ROUND.fast, samples.historyWith as number[]);
      await time(pending, PER_ROUND.fast, samples.ordersWith as number[]);
      // The same two pages without their indexes: dropped inside a transaction, then rolled back.
      await db
        .transaction(async (tx) => {
          await tx.execute(sql`drop index idx_processed_images_user_created`);
          await tx.execute(sql`drop index idx_processed_images_user_style`);
          await tx.execute(sql`drop index idx_orders_status_created`);
          if (round === 0) {
            plans.historyWithout = await plan(tx, historySql);
            plans.ordersWithout = await plan(tx, ordersSql);
          }
          await time(() => historyPage(tx, heavyUser, 0, 5), PER_ROUND.fast / 5, samples.historyWithout as number[]);
          await time(
            () => ordersPage(tx, { status: 'refunded', page: 20, pageSize: 10 }),
            PER_ROUND.fast / 5,
            samples.ordersWithout as number[],
          );
          throw new RollBack();
        })
        .catch((err: unknown) => {
          if (!(err instanceof RollBack)) throw err;
        });
    }

    const row = (name: string, key: string, base?: string) => {
      const values = samples[key] ?? [];
      const m = median(values);
      return {
        measure: name,
        median_ms: m < 1 ? Number(m.toPrecision(2)) : round1(m),
        p99_ms:
          percentile(values, 99) < 1 ? Number(percentile(values, 99).toPrecision(2)) : round1(percentile(values, 99)),
        samples: values.length,
        ...(base ? { speedup: speedup(median(samples[base] ?? []), m) } : { speedup: '' }),
      };
    };
    const rows = [
      row('/stats: 8 sequential queries (seed)', 'naive'),
      row('/stats: one statement', 'single', 'naive'),
      row('/stats: cached', 'cached', 'naive'),
      row('/stats: its AI spend part alone (30 days)', 'aiSpend'),
      row(`/user detail, heaviest seller (${heavyImages} images)`, 'user'),
      row(`/user detail, median seller (${Number(typical?.images)} images)`, 'typicalUser'),
      row('history page, indexes dropped', 'historyWithout'),
      row('history page, with index', 'historyWith', 'historyWithout'),
      row('orders page 21 of "refunded", index dropped', 'ordersWithout'),
      row('orders page 21 of "refunded", with index', 'ordersWith', 'ordersWithout'),
    ];
    printTable(
      `Admin queries on ${SIZE.users} users / ${SIZE.images} images / ${SIZE.orders} orders (${usingPostgres ? 'PostgreSQL' : 'PGlite'}), ${ROUNDS} rounds`,
      rows,
    );
    process.stdout.write('\nPlans:\n');
    for (const [name, value] of Object.entries(plans)) process.stdout.write(`  ${name}: ${value}\n`);
    const file = writeResult('stats', {
      size: SIZE,
      seedMs: seeded.ms,
      database: usingPostgres ? 'postgres' : 'pglite',
      rows,
      plans,
    });
    process.stdout.write(`\n${file}\n`);
  } finally {
    await database.close();
  }
}

class RollBack extends Error {}

/** "1.06x", or "2400x" once the ratio is large. */
const speedup = (baseline: number, value: number) => {
  const r = ratio(baseline, value);
  return `${r >= 10 ? Math.round(r) : r}x`;
};
