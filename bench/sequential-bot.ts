/**
 * The floor for the load benchmark: our whole bot, polling with grammY's plain `bot.start()`,
 * which handles one update at a time. Started by bench/load.ts as its own process.
 */
import { createApp } from '../src/app.js';
import { parseConfig } from '../src/config/index.js';
import { createLogger } from '../src/logger.js';

const config = parseConfig(process.env);
const logger = createLogger(config.log);
const app = await createApp({ config, logger, sequentialPolling: true });
await app.start((err) => {
  logger.fatal({ err }, 'polling stopped');
  process.exit(1);
});
process.on('SIGTERM', async () => {
  await app.stop(5000);
  process.exit(0);
});
