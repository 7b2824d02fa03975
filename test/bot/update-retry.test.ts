import { sql } from 'drizzle-orm';
import type { Update } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleWithRetries, markSpoken, mayHandleAgain } from '../../src/bot/update-retry.js';
import { queryRows } from '../../src/db/client.js';
import { createBotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { silentLogger } from '../support/logger.js';
import { textMessage, withId } from '../support/updates.js';

/** What postgres.js throws when the connection died under a statement. */
const connectionClosed = () => Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' });

describe('mayHandleAgain', () => {
  it('allows another handling only for a lost connection, with retries left, within the window, before any Bot API call', async () => {
    const update = withId(textMessage({ id: 1 }, '/start'));
    let seen: boolean[] = [];
    await handleWithRetries(
      update,
      async (u) => {
        seen = [mayHandleAgain(u, connectionClosed()), mayHandleAgain(u, new Error('syntax error'))];
        markSpoken(u);
        seen.push(mayHandleAgain(u, connectionClosed()));
      },
      { attempts: 3, pauseMs: 1, windowMs: 60_000, logger: silentLogger },
    );
    expect(seen).toEqual([true, false, false]);
    // Past the window (a database that is down fails only after its own retries) the
    // seller gets the apology instead of more rounds.
    let late: boolean | undefined;
    await handleWithRetries(
      update,
      async (u) => {
        late = mayHandleAgain(u, connectionClosed());
      },
      { attempts: 3, pauseMs: 1, windowMs: 0, logger: silentLogger },
    );
    expect(late).toBe(false);
    // Outside handleWithRetries (tests, bot.start()) an update has no retries.
    expect(mayHandleAgain(withId(textMessage({ id: 1 }, '/start')), connectionClosed())).toBe(false);
  });
});

describe.skipIf(!usingPostgres)('an update whose database connection dies under a later statement', () => {
  const ADMIN = 4400;
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    // The first time a pending question is cleared (the second statement of a /paysupport
    // answer, after the read of that question), the statement's backend terminates itself
    // (57P01, as pg_terminate_backend or a server restart does). A sequence is not rolled back
    // with the transaction, so it happens once per setval.
    await database.handle.db.execute(
      sql.raw(`
      create sequence chaos_once;
      create function chaos_kill() returns trigger language plpgsql as $$
      begin
        if nextval('chaos_once') = 1 then perform pg_terminate_backend(pg_backend_pid()); end if;
        return old;
      end $$;
      create trigger chaos_kill before delete on pending_inputs for each row execute function chaos_kill();`),
    );
  });
  afterAll(() => database.close());

  /** /paysupport, then the message it asks for, through handle; the seller's texts after it. */
  async function supportRequest(
    seller: number,
    handle: (h: ReturnType<typeof createBotHarness>, u: Update) => Promise<void>,
  ) {
    const h = createBotHarness({ db: database.handle.db, adminIds: [ADMIN] });
    await h.handle(withId(textMessage({ id: seller }, '/paysupport')));
    await database.handle.db.execute(sql`select setval('chaos_once', 1, false)`);
    const before = h.sent().length;
    await handle(h, withId(textMessage({ id: seller }, 'I paid twice')));
    const [row] = await queryRows<{ n: number }>(database.handle.db, sql`select last_value::int as n from chaos_once`);
    return {
      toSeller: h
        .sent()
        .slice(before)
        .filter((c) => c.payload.chat_id === seller)
        .map((c) => String(c.payload.text)),
      toAdmin: h.sent().filter((c) => c.payload.chat_id === ADMIN).length,
      triggerRuns: Number(row?.n),
    };
  }

  it('is handled again, so the seller gets the answer, not the apology', async () => {
    const result = await supportRequest(4401, (h, u) =>
      handleWithRetries(u, h.handle, { attempts: 3, pauseMs: 50, windowMs: 60_000, logger: silentLogger }),
    );
    // The trigger ran twice: its first run killed the backend, the second let the delete through.
    expect(result).toEqual({ toSeller: [expect.stringMatching(/^📨 Sent to our team/)], toAdmin: 1, triggerRuns: 2 });
  });

  it('without another handling, the same failure ends in the apology', async () => {
    const result = await supportRequest(4402, (h, u) => h.handle(u));
    expect(result).toEqual({
      toSeller: [expect.stringMatching(/^Sorry, something went wrong/)],
      toAdmin: 0,
      triggerRuns: 1,
    });
  });
});
