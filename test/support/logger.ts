import { Writable } from 'node:stream';
import { pino } from 'pino';
import { logSecrets } from '../../src/config/index.js';
import { createLogger, type Logger } from '../../src/logger.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** A real application logger whose lines are kept in memory, parsed. */
export function captureLogger(secrets: { BOT_TOKEN?: string; DATABASE_URL?: string; OPENAI_API_KEY?: string } = {}) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', format: 'json', secrets: logSecrets(secrets) }, stream);
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
