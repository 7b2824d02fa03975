import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { parseOperatorConfig } from '../../src/config/index.js';
import { createDb, type DbHandle } from '../../src/db/client.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { silentLogger } from '../support/logger.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import { callbackQuery, photoMessage, withId } from '../support/updates.js';

const BUSY = 'The service is busy right now';

let database: TestDatabase | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await database?.close();
  database = undefined;
});

/**
 * A login role allowed `slots` connections (CONNECTION LIMIT: PostgreSQL refuses the next one
 * with 53300 "too many connections for role"; superusers are exempt, so the role is not one).
 */
async function limitedRole(url: string, slots: number): Promise<string> {
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  const role = `busy_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create role ${role} login connection limit ${slots}`);
  await admin.unsafe(`grant all on all tables in schema public to ${role}`);
  await admin.unsafe(`grant all on all sequences in schema public to ${role}`);
  cleanups.push(async () => {
    await admin.unsafe(`drop owned by ${role}`);
    await admin.unsafe(`drop role ${role}`);
    await admin.end();
  });
  const limited = new URL(url);
  limited.username = role;
  return limited.toString();
}

describe.skipIf(!usingPostgres)('a draft button while the database has no free connection slot', () => {
  it('says the service is busy, keeps the draft, and the same button works once a slot is free', async () => {
    database = await createTestDatabase();
    const owner = createPhotoshootHarness({ db: database.handle.db });
    await owner.handle(withId(photoMessage({ id: 730 }, { file_id: 'p730', file_unique_id: 'u730' })));
    const markup = owner.sent().at(-1)?.payload.reply_markup as { inline_keyboard: { callback_data: string }[][] };
    const ratio = markup.inline_keyboard.flat()[0]?.callback_data ?? '';

    const url = await limitedRole(database.url ?? '', 2);
    // Every slot of the role taken by someone else.
    const hog = postgres(url, { max: 2, onnotice: () => undefined });
    cleanups.push(() => hog.end());
    await Promise.all([hog`select 1`, hog`select 1`]);
    const handle: DbHandle = await createDb(
      parseOperatorConfig({
        DATABASE_URL: url,
        DB_POOL_MAX: '2',
        DB_IDLE_TIMEOUT_S: '30',
        DB_MAX_LIFETIME_S: '0',
        DB_CONNECT_TIMEOUT_S: '5',
      }).db,
      silentLogger,
    );
    cleanups.push(() => handle.close());
    const bot = createPhotoshootHarness({ db: handle.db });

    await bot.handle(withId(callbackQuery({ id: 730 }, ratio)));
    expect(String(bot.sent('answerCallbackQuery')[0]?.payload.text)).toContain(BUSY);
    expect(String(bot.sent('sendMessage').at(-1)?.payload.text)).toContain(BUSY);
    expect(bot.sent('editMessageText')).toHaveLength(0);

    await hog.end();
    await bot.handle(withId(callbackQuery({ id: 730 }, ratio)));
    expect(String(bot.sent('editMessageText').at(-1)?.payload.text)).toContain('Where should the styles come from');
  }, 30_000);
});
