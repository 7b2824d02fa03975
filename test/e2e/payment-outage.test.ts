import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createOrder, type Order } from '../../src/db/orders.js';
import { balanceLedger, orders } from '../../src/db/schema.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { type TestDatabase, usingPostgres } from '../support/db.js';
import type { FakeBotApi } from '../support/fake-bot-api.js';
import { exitWithin } from '../support/process.js';
import { useProxiedBot } from '../support/proxied-bot.js';
import { successfulPayment, textMessage } from '../support/updates.js';

const TOKEN = '7000000003:AAE-payment_outage_token_value_246810';
const ADMIN = 9201;
const STARS = 150;
const PHOTOSHOOTS = 3;

/** A fresh database behind a proxy the test can cut, and a fake Bot API, for each test. */
const bots = useProxiedBot(TOKEN);

/** `src/main.ts` against the proxied database (the caller waits for it to poll). */
const startBot = () =>
  bots.start({ TELEGRAM_POLL_TIMEOUT_S: '1', DB_CONNECT_TIMEOUT_S: '2', ADMIN_IDS: String(ADMIN) });

/** A seller who started the bot (through it) and has an unpaid order (written directly). */
async function sellerWithOrder(fake: FakeBotApi, db: TestDatabase['handle']['db'], telegramId: number) {
  const welcome = await fake.exchange(textMessage({ id: telegramId, first_name: 'Payer' }, '/start'), 10_000);
  expect(String(welcome.payload.text)).toContain('Welcome');
  const user = await findUserByTelegramId(db, telegramId);
  if (!user) throw new Error('not registered');
  return createOrder(db, { userId: user.id, pkg: { photoshoots: PHOTOSHOOTS, stars: STARS }, expiresInMinutes: 60 });
}

const texts = (fake: FakeBotApi, chatId: number) =>
  fake.callsOf('sendMessage').flatMap((c) => (Number(c.payload.chat_id) === chatId ? [String(c.payload.text)] : []));

/** When the first getUpdates with an offset past `updateId` came (Telegram forgets the update then). */
const confirmedAt = (fake: FakeBotApi, updateId: number) =>
  fake.callsOf('getUpdates').find((c) => Number(c.payload.offset ?? 0) > updateId)?.at;

/** The payment is in the database exactly once: one paid order with the charge, one purchase. */
async function expectCreditedOnce(db: TestDatabase['handle']['db'], order: Order, chargeId: string) {
  const paid = await db.select().from(orders).where(eq(orders.telegramPaymentChargeId, chargeId));
  expect(paid).toEqual([expect.objectContaining({ id: order.id, status: 'paid', amount: STARS })]);
  const purchases = (await db.select().from(balanceLedger).where(eq(balanceLedger.userId, order.userId))).filter(
    (r) => r.reason === 'purchase',
  );
  expect(purchases.map((r) => r.delta)).toEqual([PHOTOSHOOTS]);
}

/** What admins were told about payments (they also get a startup notice: no OPENAI_API_KEY here). */
const paymentAlerts = (fake: FakeBotApi) => texts(fake, ADMIN).filter((t) => /payment/i.test(t));

/** The figures the outage scenarios produce, printed with REPORT_FIGURES=1. */
const report = (line: string) => {
  if (process.env.REPORT_FIGURES) process.stdout.write(`\n${line}\n`);
};

const CREDITED = /Your payment is now on your balance: 3 photoshoots added/;

describe.runIf(usingPostgres)('a successful_payment while the database is cut', () => {
  for (const cutS of [2, 40]) {
    it(`cut for ${cutS} s: credited once the database is back, the seller told, no admin; confirmed only after`, async () => {
      const env = await bots.setUp();
      const proc = startBot();
      await proc.waitForOutput(/polling for updates/, 20_000);
      const seller = 6800 + cutS;
      const order = await sellerWithOrder(env.api, env.db, seller);
      const chargeId = `ch-cut-${cutS}`;

      env.proxy.cut();
      const cutAt = Date.now();
      const updateId = env.api.pushUpdate(
        successfulPayment({ id: seller }, { payload: order.invoicePayload, amount: STARS, chargeId }),
      );
      await new Promise((r) => setTimeout(r, cutS * 1000));
      // Still waiting: not confirmed to Telegram, nothing credited.
      expect(confirmedAt(env.api, updateId)).toBeUndefined();
      expect(texts(env.api, seller).some((t) => CREDITED.test(t))).toBe(false);
      env.proxy.restore();
      const restoredAt = Date.now();

      const credited = await env.api.waitForCall(
        'sendMessage',
        (c) => Number(c.payload.chat_id) === seller && CREDITED.test(String(c.payload.text)),
        { timeoutMs: 20_000 },
      );
      await expect.poll(() => confirmedAt(env.api, updateId), { timeout: 10_000 }).toBeDefined();
      const confirmed = confirmedAt(env.api, updateId) ?? Number.NaN;
      report(
        `payment, database cut ${cutS} s: credited ${credited.at - cutAt} ms after arrival ` +
          `(${credited.at - restoredAt} ms after the database came back), confirmed to Telegram ` +
          `${confirmed - cutAt} ms after arrival (${confirmed - credited.at} ms after the credit)`,
      );
      expect(credited.at - restoredAt).toBeLessThan(10_000);
      expect(confirmed).toBeGreaterThanOrEqual(credited.at - 50);
      expect(texts(env.api, seller).slice(1)).toEqual([
        expect.stringContaining('it will be added automatically'),
        expect.stringMatching(CREDITED),
      ]);
      expect(paymentAlerts(env.api)).toEqual([]);
      await expectCreditedOnce(env.db, order, chargeId);
      proc.child.kill('SIGTERM');
      expect(await exitWithin(proc, 15_000)).toBe(0);
    }, 120_000);
  }

  /** A payment arrives while the database is cut, and the payer has been told it is delayed. */
  async function paymentWaiting(seller: number, chargeId: string) {
    const env = await bots.setUp();
    const bot = startBot();
    await bot.waitForOutput(/polling for updates/, 20_000);
    const order = await sellerWithOrder(env.api, env.db, seller);
    env.proxy.cut();
    const arrivedAt = Date.now();
    const updateId = env.api.pushUpdate(
      successfulPayment({ id: seller }, { payload: order.invoicePayload, amount: STARS, chargeId }),
    );
    await env.api.waitForCall(
      'sendMessage',
      (c) => Number(c.payload.chat_id) === seller && /automatically/.test(String(c.payload.text)),
      { timeoutMs: 10_000 },
    );
    return { env, bot, order, arrivedAt, updateId, seller, chargeId };
  }

  /** The database comes back and the bot is started again: the redelivered payment is credited once. */
  async function restartCredits(waiting: Awaited<ReturnType<typeof paymentWaiting>>, scenario: string) {
    const { env, seller, updateId, arrivedAt } = waiting;
    env.proxy.restore();
    const again = startBot();
    const credited = await env.api.waitForCall(
      'sendMessage',
      (c) => Number(c.payload.chat_id) === seller && /Payment received/.test(String(c.payload.text)),
      { timeoutMs: 30_000 },
    );
    await expect.poll(() => confirmedAt(env.api, updateId), { timeout: 10_000 }).toBeDefined();
    report(
      `payment, ${scenario}: credited by the restarted bot ${credited.at - arrivedAt} ms after arrival, ` +
        `confirmed ${(confirmedAt(env.api, updateId) ?? Number.NaN) - arrivedAt} ms after arrival`,
    );
    await expectCreditedOnce(env.db, waiting.order, waiting.chargeId);
    expect(paymentAlerts(env.api)).toEqual([]);
    again.child.kill('SIGTERM');
    expect(await exitWithin(again, 15_000)).toBe(0);
  }

  it('SIGTERM while it waits: not confirmed; the next start, with the database back, credits it once', async () => {
    const waiting = await paymentWaiting(6851, 'ch-term');
    const { bot, env, updateId } = waiting;
    bot.child.kill('SIGTERM');
    expect(await exitWithin(bot, 15_000)).toBe(0);
    expect(bot.output()).toContain('update left unconfirmed for redelivery');
    expect(confirmedAt(env.api, updateId)).toBeUndefined();
    expect(env.api.unconfirmed()).toContain(updateId);
    await restartCredits(waiting, 'SIGTERM while the database was cut');
  }, 120_000);

  it('SIGKILL while it waits, a start while the database is still down, then one with it back: credited once', async () => {
    const waiting = await paymentWaiting(6852, 'ch-kill');
    const { bot, env, updateId } = waiting;
    bot.child.kill('SIGKILL');
    await exitWithin(bot, 5000);
    expect(confirmedAt(env.api, updateId)).toBeUndefined();

    // Still down: the bot says so and exits before it polls; Telegram keeps the update.
    const whileDown = startBot();
    expect(await exitWithin(whileDown, 30_000)).toBe(1);
    const line = whileDown.stderr().trim();
    report(`start while the database is cut: exit 1, "${line}"`);
    expect(line).toMatch(/^Cannot connect to the database at /);
    expect(confirmedAt(env.api, updateId)).toBeUndefined();
    await restartCredits(waiting, 'SIGKILL while the database was cut, one start while still down');
  }, 150_000);
});
