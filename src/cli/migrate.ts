import { runMigrations } from '../db/migrate.js';
import { runOperatorCommand } from './operator.js';

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */
await runOperatorCommand('Migration failed', async (handle) => {
  const applied = await runMigrations(handle);
  process.stdout.write(
    applied.length === 0
      ? `No pending migrations: ${handle.location} is up to date.\n`
      : `Applied ${applied.length} migration(s) to ${handle.location}: ${applied.join(', ')}\n`,
  );
});
