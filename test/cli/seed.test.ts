import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useOperatorTarget } from '../support/operator-target.js';
import { exitWithin, startProcess } from '../support/process.js';

const target = useOperatorTarget('bot-seed-');

async function run(script: string, args: string[] = []) {
  const proc = startProcess(script, target.env, args);
  const code = await exitWithin(proc, 120_000);
  return { code, output: `${proc.output()}${proc.stderr()}`.trim() };
}

describe('npm run db:seed', () => {
  it('refuses a database with pending migrations, and bad arguments, with a clear message', async () => {
    expect(await run('src/cli/seed.ts')).toMatchObject({
      code: 1,
      output: expect.stringContaining('run `npm run db:migrate` first'),
    });
    for (const args of [
      ['--users', 'abc'],
      ['--images', '-5'],
      ['--users', '0', '--images', '10'],
      ['--bogus', '1'],
    ]) {
      const result = await run('src/cli/seed.ts', args);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/Usage: npm run db:seed|need at least one user/);
    }
  });

  it('fills the database with mixed, heavy-tailed activity, keeping the ledger equal to the balances', async () => {
    expect((await run('src/cli/migrate.ts')).code).toBe(0);
    const seeded = await run('npm:db:seed', ['--users', '200', '--images', '2000', '--orders', '300']);
    expect(seeded.code).toBe(0);
    expect(seeded.output).toMatch(/Seeded 200 users, 500 photoshoots, 2000 images and 300 orders in [\d.]+ s\./);
    const [counts] = await target.read<Record<string, string | number>>(
      sql`select (select count(*) from users) as users, (select count(*) from photoshoots) as photoshoots,
                 (select count(*) from processed_images) as images, (select count(*) from orders) as orders,
                 (select count(distinct status) from orders) as order_statuses,
                 (select count(distinct style) from processed_images) as styles,
                 (select count(distinct aspect_ratio) from processed_images) as ratios,
                 (select count(*) from users u where u.balance <> (select coalesce(sum(delta), 0) from balance_ledger l where l.user_id = u.id)) as unbalanced,
                 (select max(n) from (select count(*) as n from processed_images group by user_id) t) as busiest,
                 (select extract(day from now() - min(created_at)) from users) as oldest_days`,
    );
    expect(Object.fromEntries(Object.entries(counts ?? {}).map(([k, v]) => [k, Number(v)]))).toMatchObject({
      users: 200,
      photoshoots: 500,
      images: 2000,
      orders: 300,
      unbalanced: 0,
    });
    expect(Number(counts?.order_statuses)).toBeGreaterThanOrEqual(4);
    expect(Number(counts?.styles)).toBeGreaterThanOrEqual(10);
    expect(Number(counts?.ratios)).toBe(5);
    // A few heavy users: the busiest has far more than the average of 10 images.
    expect(Number(counts?.busiest)).toBeGreaterThan(60);
    expect(Number(counts?.oldest_days)).toBeGreaterThan(300);
    // A second run adds to the first (new telegram ids, new payloads).
    expect((await run('npm:db:seed', ['--users', '10', '--images', '8', '--orders', '5'])).code).toBe(0);
    const [again] = await target.read<{ users: string | number }>(sql`select count(*) as users from users`);
    expect(Number(again?.users)).toBe(210);
  });
});
