import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { captureLogger } from '../support/logger.js';
import { callbackQuery, preCheckoutQuery, textMessage, withId } from '../support/updates.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('middleware', () => {
  it('logs each update with its id, sender and type', async () => {
    const { logger, records } = captureLogger();
    const h = createBotHarness({ db: database.handle.db, logger });
    const update = withId(textMessage({ id: 601 }, '/help'));
    await h.handle(update);
    await h.handle(withId(callbackQuery({ id: 602 }, 'old')));
    const handled = records().filter((r) => r.msg === 'update handled');
    expect(handled).toHaveLength(2);
    expect(handled[0]).toMatchObject({ update_id: update.update_id, user_id: 601, update_type: 'message' });
    expect(handled[1]).toMatchObject({ user_id: 602, update_type: 'callback_query' });
    expect(typeof handled[0]?.duration_ms).toBe('number');
  });

  it('counts transactions and logs the statistics every 100 updates', async () => {
    const { logger, records } = captureLogger();
    const h = createBotHarness({ db: database.handle.db, logger });
    await Promise.all(Array.from({ length: 100 }, (_, i) => h.handle(withId(textMessage({ id: 700 + i }, 'hi')))));
    const stats = records().filter((r) => r.msg === 'transaction statistics');
    expect(stats).toHaveLength(1);
    // A text that is not a command may answer a question, so each one reads the database.
    expect(stats[0]?.transactions).toMatchObject({ updates: 100 });
    expect(h.transactionStats()).toMatchObject({ updates: 100, total: 100, active: 0, failed: 0 });
    expect(h.transactionStats().peak).toBeGreaterThanOrEqual(1);
  });

  it('begins no transaction for an update that touches no table, and one for each that does', async () => {
    const statements: string[] = [];
    const counted = await createTestDatabase(5, { onQuery: (q) => statements.push(q) });
    try {
      const h = createBotHarness({ db: counted.handle.db });
      await h.handle(withId(textMessage({ id: 901 }, '/start')));
      const before = { ...h.transactionStats(), pool: counted.handle.pool.stats() };
      statements.length = 0;
      await h.handle(withId(textMessage({ id: 901 }, '/help')));
      await h.handle(withId(callbackQuery({ id: 901 }, 'old')));
      // Only the sender's registration, on the pool: no transaction was begun.
      expect(statements.every((q) => q.includes('insert into "users"'))).toBe(true);
      expect(h.transactionStats()).toMatchObject({ updates: before.updates + 2, total: before.total });
      await h.handle(withId(textMessage({ id: 901 }, '/balance')));
      expect(h.transactionStats()).toMatchObject({ total: before.total + 1, active: 0, failed: 0 });
      expect(h.sent().at(-1)?.payload.text).toContain('photoshoot');
    } finally {
      await counted.close();
    }
  });

  it('runs one chat in order while other chats proceed', async () => {
    const h = createBotHarness({ db: database.handle.db });
    const order: number[] = [];
    h.bot.api.config.use(async (prev, method, payload, signal) => {
      const chat = (payload as { chat_id?: number }).chat_id;
      if (method === 'sendMessage' && chat === 801) await new Promise((r) => setTimeout(r, 300));
      if (method === 'sendMessage' && typeof chat === 'number') order.push(chat);
      return prev(method, payload, signal);
    });
    await Promise.all([
      h.handle(withId(textMessage({ id: 801 }, '/help'))),
      h.handle(withId(textMessage({ id: 801 }, 'second in chat 801'))),
      h.handle(withId(textMessage({ id: 802 }, '/help'))),
    ]);
    // On PostgreSQL chat 802 does not wait for chat 801. Embedded PGlite has one connection, so
    // its transactions (and with them the updates of different chats) take turns.
    if (usingPostgres) expect(order).toEqual([802, 801, 801]);
    else expect([...order].sort()).toEqual([801, 801, 802]);
    const chat801 = h
      .sent()
      .filter((c) => c.payload.chat_id === 801)
      .map((c) => String(c.payload.text));
    expect(chat801[0]).toContain('How it works');
    expect(chat801[1]).toContain('Send me a photo');
  });

  it("answers a pre-checkout query at once, without waiting behind the payer's chat", async () => {
    const h = createBotHarness({ db: database.handle.db });
    const events: string[] = [];
    h.bot.api.config.use(async (prev, method, payload, signal) => {
      if (method === 'sendMessage' && (payload as { chat_id?: number }).chat_id === 901) {
        await new Promise((r) => setTimeout(r, 500));
        events.push('chat reply');
      }
      if (method === 'answerPreCheckoutQuery') events.push('pre-checkout answered');
      return prev(method, payload, signal);
    });
    await Promise.all([
      h.handle(withId(textMessage({ id: 901 }, '/help'))),
      (async () => {
        await new Promise((r) => setTimeout(r, 50));
        await h.handle(withId(preCheckoutQuery({ id: 901 }, 'unknown-order')));
      })(),
    ]);
    const [answer] = h.sent('answerPreCheckoutQuery');
    expect(answer?.payload).toMatchObject({ ok: false, error_message: expect.stringContaining('/buy') });
    // Embedded PGlite runs one transaction at a time, so there the answer waits for the chat's transaction.
    if (usingPostgres) expect(events).toEqual(['pre-checkout answered', 'chat reply']);
    else expect([...events].sort()).toEqual(['chat reply', 'pre-checkout answered']);
  });
});
