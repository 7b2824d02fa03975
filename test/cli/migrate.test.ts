import path from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createEmptyDatabase, usingPostgres } from '../support/db.js';
import { useOperatorTarget } from '../support/operator-target.js';
import { exitWithin, startProcess } from '../support/process.js';

const SEED_INDEXES = [
  'idx_orders_created',
  'idx_orders_paid',
  'idx_orders_status_created',
  'idx_orders_user_status',
  'idx_processed_images_created',
  'idx_processed_images_style',
  'idx_processed_images_user_created',
  'idx_processed_images_user_style',
];

/** Where `npm run db:migrate` points: a fresh PostgreSQL database, or a fresh embedded one. */
const target = useOperatorTarget('bot-migrate-');

const migrate = async (env: Record<string, string> = target.env) => {
  const proc = startProcess('src/cli/migrate.ts', env);
  const code = await exitWithin(proc, 30_000);
  return { code, output: proc.output().trim(), stderr: proc.stderr().trim() };
};

async function indexNames(): Promise<string[]> {
  const rows = await target.read<{ indexname: string }>(
    sql`select indexname from pg_indexes where schemaname = 'public' and indexname like 'idx\_%' order by indexname`,
  );
  return rows.map((r) => r.indexname);
}

describe('npm run db:migrate', () => {
  it('applies every migration, then is a no-op the second time; the eight seed indexes exist', async () => {
    const first = await migrate();
    expect(first.code).toBe(0);
    expect(first.output).toMatch(
      /^Applied 14 migration\(s\) to .*: 0000_tables, 0001_performance_indexes, 0002_photoshoot_jobs, 0003_draft_albums, 0004_payments, 0005_admin, 0006_order_remaining, 0007_order_remaining_backfill, 0008_photoshoot_delivering_at, 0009_real_services, 0010_ai_call_duration, 0011_style_previews, 0012_seller_experience, 0013_marketplace_presets$/,
    );
    const second = await migrate();
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/^No pending migrations: .* is up to date\.$/);
    expect(await indexNames()).toEqual(expect.arrayContaining(SEED_INDEXES));
  });

  it('fails with a clear reason and a non-zero exit when the database cannot be reached', async () => {
    const result = await migrate({ DATABASE_URL: 'postgres://op:hunter2-secret@127.0.0.1:1/db' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Migration failed: cannot reach the database at 127\.0\.0\.1:1\/db: .*ECONNREFUSED/);
    expect(result.output).not.toContain('hunter2-secret');
    expect(result.output).not.toMatch(/\n\s+at /);
  });

  it('needs no BOT_TOKEN but still rejects invalid settings', async () => {
    const result = await migrate({ ...target.env, DB_CONNECT_TIMEOUT_S: 'soon' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Invalid configuration: DB_CONNECT_TIMEOUT_S must be a whole number');
  });
});

describe.runIf(usingPostgres)('npm run db:migrate on PostgreSQL', () => {
  it('is safe when two runs start at once: one applies, the other finds nothing to do', async () => {
    const fresh = await createEmptyDatabase();
    try {
      const env = { DATABASE_URL: fresh.url ?? '' };
      const results = await Promise.all([migrate(env), migrate(env), migrate(env)]);
      expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
      expect(results.filter((r) => r.output.startsWith('Applied 14 migration(s)'))).toHaveLength(1);
      expect(results.filter((r) => r.output.startsWith('No pending migrations'))).toHaveLength(2);
    } finally {
      await fresh.close();
    }
  });
});

describe.skipIf(usingPostgres)('npm run db:migrate on the embedded database', () => {
  it('refuses to open the embedded database while another process holds it', async () => {
    const dir = path.join(target.workDir, 'locked');
    const bot = startProcess('src/main.ts', {
      BOT_TOKEN: '1:abc',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:1',
      DATA_DIR: dir,
    });
    try {
      await bot.waitForOutput(/database ready/, 30_000);
      const result = await migrate({ DATA_DIR: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/embedded database in .* is in use by process \d+/);
    } finally {
      bot.child.kill('SIGKILL');
      await bot.exited;
    }
  });
});
