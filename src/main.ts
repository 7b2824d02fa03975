import { createApp, StartupError } from './app.js';
import { TelegramStartupError } from './bot/polling.js';
import { type Config, ConfigError, parseConfig } from './config/index.js';
import { describeError } from './errors.js';
import { createLogger, createRedactor } from './logger.js';
import { exitWithError, loadDotEnv } from './process-env.js';

/** Composition root: configuration -> logger -> application -> polling; graceful shutdown. */
async function main(): Promise<void> {
  loadDotEnv();
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) exitWithError(err.message);
    throw err;
  }
  const redact = createRedactor(config.log.secrets);
  const logger = createLogger(config.log);

  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });

  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp({ config, logger });
  } catch (err) {
    if (err instanceof StartupError) exitWithError(err.message, redact);
    throw err;
  }

  let shuttingDown = false;
  const shutdown = async (reason: string, code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const timeoutMs = config.shutdownTimeoutMs;
    logger.info({ reason }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, timeoutMs + 500);
    force.unref();
    const clean = await app.stop(timeoutMs).catch((err: unknown) => {
      logger.error({ err }, 'error during shutdown');
      return false;
    });
    if (!clean) logger.warn('some updates were still running at shutdown');
    logger.info('stopped');
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));

  try {
    await app.start((err) => {
      logger.fatal({ reason: describeError(err) }, 'polling stopped unexpectedly');
      void shutdown('polling failed', 1);
    });
  } catch (err) {
    await app.stop(2000).catch(() => undefined);
    if (err instanceof TelegramStartupError) exitWithError(err.message, redact);
    throw err;
  }
}

await main();
