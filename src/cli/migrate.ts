import { ConfigError, parseOperatorConfig } from '../config.js';
import { createDb } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { configSecrets, createLogger, createRedactor } from '../logger.js';
import { describeError, exitWithError, loadDotEnv } from '../process-env.js';

/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database. */
async function main(): Promise<void> {
  loadDotEnv();
  let config: ReturnType<typeof parseOperatorConfig>;
  try {
    config = parseOperatorConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) exitWithError(err.message);
    throw err;
  }
  const redact = createRedactor(configSecrets(config));
  const logger = createLogger(config);
  let handle: Awaited<ReturnType<typeof createDb>> | undefined;
  try {
    // One connection: the advisory lock that serialises concurrent runs lives in its session.
    handle = await createDb({ ...config, DB_POOL_MAX: 1 }, logger);
    await handle.ping().catch((err: unknown) => {
      throw new Error(`cannot reach the database at ${handle?.location}: ${describeError(err)}`);
    });
    const applied = await runMigrations(handle);
    process.stdout.write(
      applied.length === 0
        ? `No pending migrations: ${handle.location} is up to date.\n`
        : `Applied ${applied.length} migration(s) to ${handle.location}: ${applied.join(', ')}\n`,
    );
    await handle.close();
  } catch (err) {
    await handle?.close().catch(() => undefined);
    exitWithError(`Migration failed: ${describeError(err)}`, redact);
  }
}

await main();
