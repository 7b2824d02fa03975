import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createBotHarness } from './bot-harness.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { FakeBotApi } from './fake-bot-api.js';
import { withId } from './updates.js';

type Harness = ReturnType<typeof createBotHarness>;

const made = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${what} is made before the file's tests run`);
  return value;
};

/**
 * For a test file: a fresh database and a fake Bot API server, made before its tests and
 * closed after them, and before each test a bot harness (`adminIds` as admins) that talks to
 * that server over HTTP with the real grammY client.
 */
export function useBotOverHttp(options: { adminIds?: number[] } = {}) {
  let database: TestDatabase | undefined;
  let telegram: FakeBotApi | undefined;
  let harness: Harness | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    telegram = await new FakeBotApi().start();
  });
  afterAll(async () => {
    await telegram?.close();
    await database?.close();
  });
  beforeEach(() => {
    harness = createBotHarness({
      db: made(database, 'the database').handle.db,
      adminIds: options.adminIds ?? [],
      apiRoot: made(telegram, 'the fake Bot API').apiRoot,
    });
  });
  const suite = {
    get database(): TestDatabase {
      return made(database, 'the database');
    },
    get telegram(): FakeBotApi {
      return made(telegram, 'the fake Bot API');
    },
    /** This test's harness. */
    get h(): Harness {
      return made(harness, 'the harness');
    },
    db: () => suite.database.handle.db,
    /** Hands `update` (given an update_id) to this test's harness. */
    send: (update: Parameters<typeof withId>[0]) => suite.h.handle(withId(update)),
  };
  return suite;
}
