import { afterEach, describe, expect, it } from 'vitest';
import {
  startSilentServer,
  startStalledAfterLogin,
  startSynBlackHole,
  type Unreachable,
} from '../support/black-hole.js';
import { exitWithin, startProcess } from '../support/process.js';

let host: Unreachable | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

const HOSTS = [
  ['drops every packet (SYNs unanswered)', startSynBlackHole],
  ['accepts and never says a word', startSilentServer],
  ['logs in and then never answers a query', startStalledAfterLogin],
] as const;

const COMMANDS = [
  ['the bot (npm start)', 'src/main.ts', /^Cannot connect to the database at 127\.0\.0\.1:\d+\/db: .+$/],
  [
    'npm run db:migrate',
    'src/cli/migrate.ts',
    /^Migration failed: cannot reach the database at 127\.0\.0\.1:\d+\/db: .+$/,
  ],
] as const;

/** The bound: DB_CONNECT_TIMEOUT_S, plus the process's own start (tsx compiling) on a busy machine. */
const TIMEOUT_S = 2;
const BOUND_MS = TIMEOUT_S * 1000 + 6000;

describe('startup against a database host that does not answer', () => {
  for (const [hostKind, start] of HOSTS) {
    for (const [name, script, line] of COMMANDS) {
      it(`${name}: a host that ${hostKind} gives one line and exit 1 within DB_CONNECT_TIMEOUT_S`, async () => {
        host = await start();
        const startedAt = Date.now();
        const proc = startProcess(script, {
          BOT_TOKEN: '7000000004:AAE-unreachable_database_token_13579',
          DATABASE_URL: `postgres://op:hunter2-secret@127.0.0.1:${host.port}/db`,
          DB_CONNECT_TIMEOUT_S: String(TIMEOUT_S),
        });
        expect(await exitWithin(proc, BOUND_MS + 5000)).toBe(1);
        const took = Date.now() - startedAt;
        const output = proc.stderr().trim();
        // biome-ignore lint/suspicious/noConsole: the startup line the issue asks to see
        console.info(`${name}, host that ${hostKind}: exit 1 after ${took} ms: ${output}`);
        expect(took).toBeLessThan(BOUND_MS);
        expect(output).toMatch(line);
        expect(proc.output()).not.toContain('hunter2-secret');
        expect(proc.output()).not.toMatch(/\n\s+at /);
      }, 30_000);
    }
  }
});
