import { parseArgs } from 'node:util';
import { pendingMigrations } from '../db/migrate.js';
import { seedDatabase } from '../db/seed.js';
import { describeError } from '../errors.js';
import { exitWithError } from '../process-env.js';
import { runOperatorCommand } from './operator.js';

const USAGE = 'Usage: npm run db:seed -- [--users N] [--images N] [--orders N] (defaults 1000, 10000, 2000)';
const MAX = 100_000_000;

function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) > MAX)
    exitWithError(`--${name} must be a whole number up to ${MAX}. ${USAGE}`);
  return Number(value);
}

/**
 * `npm run db:seed`: fills DATABASE_URL (or the embedded database) with realistic made-up
 * users, photoshoots, images and orders, for benchmarks and for trying /stats. It adds to
 * what is there and never deletes anything.
 */
async function main(): Promise<void> {
  let args: ReturnType<typeof parseArgs<{ options: Record<'users' | 'images' | 'orders', { type: 'string' }> }>>;
  try {
    args = parseArgs({
      options: { users: { type: 'string' }, images: { type: 'string' }, orders: { type: 'string' } },
      strict: true,
    });
  } catch (err) {
    exitWithError(`${describeError(err)}. ${USAGE}`);
  }
  const size = {
    users: count(args.values.users, 'users', 1000),
    images: count(args.values.images, 'images', 10_000),
    orders: count(args.values.orders, 'orders', 2000),
  };
  if (size.users === 0 && (size.images > 0 || size.orders > 0))
    exitWithError('Images and orders need at least one user.');
  await runOperatorCommand('Seeding failed', async (handle) => {
    const pending = await pendingMigrations(handle);
    if (pending.length > 0) {
      throw new Error(`${handle.location} has pending migrations; run \`npm run db:migrate\` first`);
    }
    process.stdout.write(
      `Seeding ${handle.location}: ${size.users} users, ${size.images} images, ${size.orders} orders…\n`,
    );
    const result = await seedDatabase(handle.db, size);
    process.stdout.write(
      `Seeded ${result.users} users, ${result.photoshoots} photoshoots, ${result.images} images and ${result.orders} orders in ${(result.ms / 1000).toFixed(1)} s.\n`,
    );
  });
}

await main();
