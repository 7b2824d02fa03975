import { ConfigError, parseOperatorConfig } from '../config/index.js';
import { createDb, type DbHandle } from '../db/client.js';
import { describeError } from '../errors.js';
import { createLogger, createRedactor } from '../logger.js';
import { exitWithError, loadDotEnv } from '../process-env.js';

/**
 * The frame of an operator command (`npm run db:*`): reads .env and the operator settings
 * (every problem in one line, exit 1), opens the database on one connection and checks that it
 * answers, runs `work`, and closes it. Any failure is one redacted line, `<failure>: <reason>`,
 * and exit 1.
 */
export async function runOperatorCommand(failure: string, work: (handle: DbHandle) => Promise<void>): Promise<void> {
  loadDotEnv();
  let config: ReturnType<typeof parseOperatorConfig>;
  try {
    config = parseOperatorConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) exitWithError(err.message);
    throw err;
  }
  const redact = createRedactor(config.log.secrets);
  const logger = createLogger(config.log);
  let handle: DbHandle | undefined;
  try {
    // One connection: a migration's advisory lock lives in its session.
    handle = await createDb({ ...config.db, poolMax: 1 }, logger);
    await handle.ping().catch((err: unknown) => {
      throw new Error(`cannot reach the database at ${handle?.location}: ${describeError(err)}`);
    });
    await work(handle);
    await handle.close();
  } catch (err) {
    await handle?.close().catch(() => undefined);
    exitWithError(`${failure}: ${describeError(err)}`, redact);
  }
}
