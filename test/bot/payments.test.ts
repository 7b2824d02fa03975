import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { buyData, packageData } from '../../src/bot/callback-data/buy.js';
import { parseConfig } from '../../src/config/index.js';
import { reserveCredit } from '../../src/db/ledger.js';
import { orders } from '../../src/db/schema.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { createBotHarness } from '../support/bot-harness.js';
import { useBotOverHttp } from '../support/bot-over-http.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import type { RecordedCall } from '../support/fake-bot-api.js';
import { balanceAndLedger } from '../support/ledger.js';
import {
  callbackQuery,
  preCheckoutQuery,
  refundedPayment,
  type Sender,
  successfulPayment,
  textMessage,
  withId,
} from '../support/updates.js';

const PACKAGES = parseConfig({ BOT_TOKEN: '1:a' }).payments.packages;
const ADMIN = 9001;

const suite = useBotOverHttp({ adminIds: [ADMIN] });
const { db, send } = suite;
/** A database that is gone (closed): every statement fails as in an outage. */
let unreachable: TestDatabase;
beforeAll(async () => {
  // Built here, not in its test: a pause of seconds between two tests lets the fake's server
  // close the client's idle keep-alive socket just as the next call reuses it (ECONNRESET).
  unreachable = await createTestDatabase(2);
  await unreachable.close();
});
const callsSince = (from: number, method: string) =>
  suite.telegram.calls.slice(from).filter((c) => c.method === method);
const textsTo = (from: number, chatId: number) =>
  callsSince(from, 'sendMessage')
    .filter((c) => Number(c.payload.chat_id) === chatId)
    .map((c) => String(c.payload.text));
const buttonsOf = (call: RecordedCall | undefined) => {
  const markup = call?.payload.reply_markup;
  const parsed = (typeof markup === 'string' ? JSON.parse(markup) : markup) as
    | { inline_keyboard: { text: string; callback_data: string }[][] }
    | undefined;
  return (parsed?.inline_keyboard ?? []).flat();
};

/** /buy, then the package button: the order and the invoice Telegram received. */
async function invoiceFor(user: Sender, pkg: (typeof PACKAGES)[number]) {
  const from = suite.telegram.calls.length;
  await send(callbackQuery(user, packageData.pack({ photoshoots: pkg.photoshoots, stars: pkg.stars })));
  const [invoice] = callsSince(from, 'sendInvoice');
  if (!invoice) throw new Error(`no invoice (calls: ${suite.telegram.calls.slice(from).map((c) => c.method)})`);
  const [order] = await db()
    .select()
    .from(orders)
    .where(eq(orders.invoicePayload, String(invoice.payload.payload)));
  if (!order) throw new Error('the invoice names no order');
  return { invoice, order };
}

async function preCheckout(user: Sender, payload: string, amount: number, currency = 'XTR') {
  const from = suite.telegram.calls.length;
  const started = performance.now();
  await send(preCheckoutQuery(user, payload, amount, currency));
  const [answer] = callsSince(from, 'answerPreCheckoutQuery');
  return { answer: answer?.payload, ms: performance.now() - started };
}

async function buy(user: Sender, pkg: (typeof PACKAGES)[number], chargeId: string) {
  const { order } = await invoiceFor(user, pkg);
  await send(successfulPayment(user, { payload: order.invoicePayload, amount: pkg.stars, chargeId }));
  return order;
}

describe('packages and invoices', () => {
  it('/buy lists every package; each invoice is XTR, empty provider token, one whole-Stars price, within the limits', async () => {
    for (const user of [{ id: 6101 }, { id: 6102, language_code: 'ru' }]) {
      const from = suite.telegram.calls.length;
      await send(textMessage(user, '/buy'));
      const [menu] = callsSince(from, 'sendMessage');
      expect(buttonsOf(menu).map((b) => b.callback_data)).toEqual(
        PACKAGES.map((p) => packageData.pack({ photoshoots: p.photoshoots, stars: p.stars })),
      );
      for (const pkg of PACKAGES) {
        const { invoice, order } = await invoiceFor(user, pkg);
        const prices = invoice.payload.prices as { label: string; amount: number }[];
        expect(invoice.payload).toMatchObject({ chat_id: user.id, currency: 'XTR', provider_token: '' });
        expect(prices).toEqual([{ label: String(invoice.payload.title), amount: pkg.stars }]);
        expect(Array.from(String(invoice.payload.title)).length).toBeLessThanOrEqual(32);
        expect(String(invoice.payload.title)).toContain(String(pkg.photoshoots));
        expect(Array.from(String(invoice.payload.description)).length).toBeLessThanOrEqual(255);
        expect(Buffer.byteLength(String(invoice.payload.payload))).toBeLessThanOrEqual(128);
        expect(order).toMatchObject({ status: 'pending', amount: pkg.stars, photoshoots: pkg.photoshoots });
      }
    }
    const ru = callsSince(0, 'sendInvoice').filter((c) => Number(c.payload.chat_id) === 6102);
    expect(String(ru[1]?.payload.title)).toBe('10 фотосессий');
  });

  it('answers a package button from before a price change with the current packages, creating no order', async () => {
    const from = suite.telegram.calls.length;
    await send(callbackQuery({ id: 6103 }, packageData.pack({ photoshoots: 10, stars: 1 })));
    expect(callsSince(from, 'sendInvoice')).toHaveLength(0);
    expect(String(callsSince(from, 'answerCallbackQuery')[0]?.payload.text)).toContain('Prices have changed');
    expect(buttonsOf(callsSince(from, 'sendMessage')[0])).toHaveLength(PACKAGES.length);
    const user = await findUserByTelegramId(db(), 6103);
    expect(
      await db()
        .select()
        .from(orders)
        .where(eq(orders.userId, user?.id ?? -1)),
    ).toHaveLength(0);
  });
});

describe('pre-checkout', () => {
  it('accepts a valid order and declines a wrong amount, a wrong currency, another user and a paid order, with a message', async () => {
    const owner = { id: 6201 };
    const pkg = PACKAGES[1] ?? PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const { order } = await invoiceFor(owner, pkg);
    await send(textMessage({ id: 6202 }, '/start'));
    expect((await preCheckout(owner, order.invoicePayload, pkg.stars)).answer).toMatchObject({ ok: true });
    const declined = [
      await preCheckout(owner, order.invoicePayload, pkg.stars + 1),
      await preCheckout(owner, order.invoicePayload, pkg.stars, 'USD'),
      await preCheckout({ id: 6202 }, order.invoicePayload, pkg.stars),
      await preCheckout(owner, 'ord-made-up', pkg.stars),
    ];
    await send(successfulPayment(owner, { payload: order.invoicePayload, amount: pkg.stars, chargeId: 'ch-6201' }));
    declined.push(await preCheckout(owner, order.invoicePayload, pkg.stars));
    expect(declined.map((d) => [d.answer?.ok, d.answer?.error_message])).toEqual([
      [false, expect.stringContaining('amount does not match')],
      [false, expect.stringContaining('only be paid in Telegram Stars')],
      [false, expect.stringContaining('another user')],
      [false, expect.stringContaining('no longer valid')],
      [false, expect.stringContaining('already been paid')],
    ]);
  });

  it('declines an expired invoice', async () => {
    const user = { id: 6203 };
    const pkg = PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const { order } = await invoiceFor(user, pkg);
    await db().update(orders).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(orders.id, order.id));
    const { answer } = await preCheckout(user, order.invoicePayload, pkg.stars);
    expect(answer).toMatchObject({ ok: false, error_message: expect.stringContaining('expired') });
  });

  it.runIf(usingPostgres)(
    "is answered in under 1 s while another transaction holds the payer's rows locked",
    async () => {
      const user = { id: 6204 };
      const pkg = PACKAGES[0];
      if (!pkg) throw new Error('no package');
      const { order } = await invoiceFor(user, pkg);
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      // A long transaction on the user's and the order's rows, as a slow update would hold them.
      const holder = db().transaction(async (tx) => {
        await tx.execute(sql`select 1 from users where telegram_id = ${user.id} for update`);
        await tx.execute(sql`select 1 from orders where id = ${order.id} for update`);
        locked();
        await held;
      });
      await isLocked;
      const { answer, ms } = await preCheckout(user, order.invoicePayload, pkg.stars);
      release();
      await holder;
      expect(answer).toMatchObject({ ok: true });
      expect(ms).toBeLessThan(1000);
    },
  );
});

describe('successful payments', () => {
  it('credits a payment delivered three times once, and tells the user the new balance once', async () => {
    const user = { id: 6301 };
    const pkg = PACKAGES[1] ?? PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const { order } = await invoiceFor(user, pkg);
    const from = suite.telegram.calls.length;
    for (let i = 0; i < 3; i++) {
      await send(successfulPayment(user, { payload: order.invoicePayload, amount: pkg.stars, chargeId: 'ch-6301' }));
    }
    const received = textsTo(from, user.id).filter((t) => t.includes('Payment received'));
    expect(received).toEqual([`✅ Payment received: ${pkg.photoshoots} photoshoots added. Your balance: 12.`]);
    expect(await balanceAndLedger(db(), user.id)).toEqual({ balance: 12, ledgerSum: 12 });
    const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
    expect(row).toMatchObject({ status: 'paid', telegramPaymentChargeId: 'ch-6301', flag: null });
    expect(row?.paidAt).toBeInstanceOf(Date);
  });

  it('credits a payment made after its order expired, and flags it to the admins', async () => {
    const user = { id: 6302 };
    const pkg = PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const { order } = await invoiceFor(user, pkg);
    await db().update(orders).set({ status: 'canceled' }).where(eq(orders.id, order.id));
    const from = suite.telegram.calls.length;
    await send(successfulPayment(user, { payload: order.invoicePayload, amount: pkg.stars, chargeId: 'ch-6302' }));
    expect(textsTo(from, user.id)).toEqual([expect.stringContaining('Payment received')]);
    expect(textsTo(from, ADMIN)).toEqual([
      expect.stringMatching(/needs attention \(paid after its invoice expired\): order #\d+, from Seller \(6302\)/),
    ]);
    expect(await balanceAndLedger(db(), user.id)).toEqual({
      balance: 2 + pkg.photoshoots,
      ledgerSum: 2 + pkg.photoshoots,
    });
  });

  it('shows the balance split into bought and free, the last changes in words, and a buy button', async () => {
    const user = { id: 6303 };
    const pkg = PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const order = await buy(user, pkg, 'ch-6303');
    const from = suite.telegram.calls.length;
    await send(textMessage(user, '/balance'));
    const [reply] = callsSince(from, 'sendMessage');
    const text = String(reply?.payload.text);
    expect(text).toContain(`You have ${2 + pkg.photoshoots} photoshoots left (${pkg.photoshoots} bought, 2 free)`);
    expect(text).toMatch(new RegExp(`\\+${pkg.photoshoots} · purchase, order #${order.id}`));
    expect(text).toMatch(/\+2 · welcome gift/);
    expect(buttonsOf(reply).map((b) => b.callback_data)).toEqual([buyData.pack({})]);
    const menuFrom = suite.telegram.calls.length;
    await send(callbackQuery(user, buyData.pack({})));
    expect(buttonsOf(callsSince(menuFrom, 'sendMessage')[0])).toHaveLength(PACKAGES.length);
  });
});

describe('refunds', () => {
  it('/refund twice: one refund at Telegram, the unused photoshoots taken back, the second a no-op', async () => {
    const user = { id: 6401 };
    const pkg = PACKAGES[1] ?? PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const order = await buy(user, pkg, 'ch-6401');
    const from = suite.telegram.calls.length;
    await send(textMessage({ id: ADMIN }, `/refund ${order.id}`));
    await send(textMessage({ id: ADMIN }, `/refund ch-6401`));
    const refunds = callsSince(from, 'refundStarPayment');
    expect(refunds.map((c) => c.payload)).toEqual([{ user_id: user.id, telegram_payment_charge_id: 'ch-6401' }]);
    expect(textsTo(from, ADMIN)).toEqual([
      `↩️ Order #${order.id} refunded: ${pkg.stars} ⭐ returned; ${pkg.photoshoots} of its ${pkg.photoshoots} bought photoshoots taken back, 0 already used. The seller's balance: 2 (0 bought, 2 free).`,
      `Order #${order.id} is already refunded. Nothing more to do.`,
    ]);
    expect(textsTo(from, user.id)).toEqual([
      expect.stringContaining(`order #${order.id} (${pkg.stars} ⭐) was refunded`),
    ]);
    const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
    expect(row).toMatchObject({ status: 'refunded', refundDebited: pkg.photoshoots, refundShortfall: 0 });
    expect(await balanceAndLedger(db(), user.id)).toEqual({ balance: 2, ledgerSum: 2 });

    // Telegram's own refunded_payment message for the same charge changes nothing more.
    await send(refundedPayment(user, { payload: order.invoicePayload, amount: pkg.stars, chargeId: 'ch-6401' }));
    expect(await balanceAndLedger(db(), user.id)).toEqual({ balance: 2, ledgerSum: 2 });
  });

  it('records the refund when Telegram answers CHARGE_ALREADY_REFUNDED, without an error for the admin', async () => {
    const user = { id: 6402 };
    const pkg = PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const order = await buy(user, pkg, 'ch-6402');
    suite.telegram.refundedCharges.add('ch-6402');
    const from = suite.telegram.calls.length;
    await send(textMessage({ id: ADMIN }, `/refund #${order.id}`));
    expect(textsTo(from, ADMIN)).toEqual([expect.stringContaining(`Order #${order.id} refunded`)]);
    const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
    expect(row?.status).toBe('refunded');
  });

  it('records a refunded_payment from Telegram: balance never below 0, the spent part recorded as shortfall', async () => {
    const user = { id: 6403 };
    const pkg = PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const order = await buy(user, pkg, 'ch-6403');
    const u = await findUserByTelegramId(db(), user.id);
    // The 2 free photoshoots go first, then all but one of the order's.
    for (let i = 0; i < 1 + pkg.photoshoots; i++) {
      await reserveCredit(db(), { userId: u?.id ?? -1, reference: `photoshoot:${i}` });
    }
    const from = suite.telegram.calls.length;
    await send(refundedPayment(user, { payload: order.invoicePayload, amount: pkg.stars, chargeId: 'ch-6403' }));
    const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
    expect(row).toMatchObject({ status: 'refunded', refundDebited: 1, refundShortfall: pkg.photoshoots - 1 });
    expect(await balanceAndLedger(db(), user.id)).toEqual({ balance: 0, ledgerSum: 0 });
    expect(textsTo(from, user.id)).toEqual([
      `↩️ Your payment for order #${order.id} (${pkg.stars} ⭐) was refunded. 1 of its ${pkg.photoshoots} bought photoshoots was still unused and was removed (${pkg.photoshoots - 1} already used). Your balance: 0 (0 bought, 0 free).`,
    ]);
  });

  it('tells the admins about a refund that matches no paid order, and changes nothing', async () => {
    const user = { id: 6406 };
    await send(textMessage(user, '/start'));
    const before = await balanceAndLedger(db(), user.id);
    const from = suite.telegram.calls.length;
    await send(refundedPayment(user, { payload: 'ord-unknown', amount: 150, chargeId: 'ch-6406' }));
    expect(textsTo(from, ADMIN)).toEqual([
      expect.stringMatching(/refund of 150 ⭐ \(charge ch-6406\) to Seller \(6406\) that matches no paid order/),
    ]);
    expect(await balanceAndLedger(db(), user.id)).toEqual(before);
  });

  it('answers refund mistakes plainly: no argument, unknown order, an unpaid order, SQL in the argument', async () => {
    const pkg = PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const { order } = await invoiceFor({ id: 6404 }, pkg);
    const from = suite.telegram.calls.length;
    const attempts = [
      '/refund',
      '/refund 999999',
      `/refund ${order.id}`,
      "/refund 1'OR'1'='1",
      '/refund 1; drop table orders',
    ];
    for (const text of attempts) {
      await send(textMessage({ id: ADMIN }, text));
    }
    expect(textsTo(from, ADMIN)).toEqual([
      'Usage: /refund <order number or charge id>',
      'No order matches “999999”.',
      `Order #${order.id} is pending; only paid orders can be refunded.`,
      "No order matches “1'OR'1'='1”.",
      'Usage: /refund <order number or charge id>',
    ]);
    expect(callsSince(from, 'refundStarPayment')).toHaveLength(0);
    expect((await db().select().from(orders)).length).toBeGreaterThan(0);
  });

  it('gives anyone but an admin the same answer as an unknown command', async () => {
    const from = suite.telegram.calls.length;
    await send(textMessage({ id: 6405 }, '/nonsense'));
    await send(textMessage({ id: 6405 }, '/refund 1'));
    await send(textMessage({ id: 6405 }, '/reply 6405 hi'));
    const [unknown, refund, reply] = textsTo(from, 6405);
    expect(refund).toBe(unknown);
    expect(reply).toBe(unknown);
    expect(callsSince(from, 'refundStarPayment')).toHaveLength(0);
  });
});

describe('/paysupport and /terms', () => {
  it('forwards the next message with the recent orders to the admins, and the admin can answer', async () => {
    const user = { id: 6501, first_name: 'Ivy', username: 'ivy_shop' };
    const pkg = PACKAGES[0];
    if (!pkg) throw new Error('no package');
    const order = await buy(user, pkg, 'ch-6501');
    const from = suite.telegram.calls.length;
    await send(textMessage(user, '/paysupport'));
    await send(textMessage(user, 'I paid but want a refund'));
    const [prompt, sent] = textsTo(from, user.id);
    expect(prompt).toContain('Describe the problem');
    expect(sent).toContain('Sent to our team');
    const [forwarded] = textsTo(from, ADMIN);
    expect(forwarded).toContain('Ivy (@ivy_shop, 6501)');
    expect(forwarded).toContain('I paid but want a refund');
    expect(forwarded).toMatch(new RegExp(`#${order.id} · ${pkg.photoshoots} photoshoots · ${pkg.stars} ⭐ · paid`));

    // The question is answered: the next text is not forwarded again.
    const after = suite.telegram.calls.length;
    await send(textMessage(user, 'hello'));
    expect(textsTo(after, ADMIN)).toHaveLength(0);

    await send(textMessage({ id: ADMIN }, '/reply 6501 Refunded, sorry for the trouble'));
    expect(textsTo(after, user.id).at(-1)).toBe('💬 Our team: Refunded, sorry for the trouble');
  });

  it('takes the message on the command line too, and shows the terms with the refund policy', async () => {
    const from = suite.telegram.calls.length;
    await send(textMessage({ id: 6502 }, '/paysupport charged twice'));
    expect(textsTo(from, ADMIN)).toEqual([expect.stringContaining('charged twice')]);
    await send(textMessage({ id: 6502 }, '/terms'));
    expect(textsTo(from, 6502).at(-1)).toMatch(/Terms of sale[\s\S]*Refunds/);
  });
});

describe('a payment the database cannot take', () => {
  it('refused by the database itself (not an outage): three tries, then the team is told with /credit', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const bot = createBotHarness({ db: db(), adminIds: [ADMIN], apiRoot: suite.telegram.apiRoot, logger });
    const from = suite.telegram.calls.length;
    // Telegram never sends 0 Stars; here it makes the order insert break a CHECK constraint every time.
    await bot.handle(withId(successfulPayment({ id: 6602 }, { payload: 'ord-none', amount: 0, chargeId: 'ch-6602' })));
    expect(textsTo(from, 6602)).toEqual([expect.stringContaining('our team has been told and will add it shortly')]);
    expect(textsTo(from, ADMIN)).toEqual([
      expect.stringMatching(
        /could not be recorded and will not be retried: from Seller \(6602\), 0 ⭐, charge ch-6602[\s\S]*\n\s*\/credit ch-6602 0 6602 ord-none$/,
      ),
    ]);
    expect(lines.filter((l) => l.includes('"msg":"recording a payment failed"'))).toHaveLength(2);
    expect(lines.some((l) => l.includes('payment could not be recorded; credit it by hand'))).toBe(true);
    const recorded = await db().select().from(orders).where(eq(orders.telegramPaymentChargeId, 'ch-6602'));
    expect(recorded).toEqual([]);
  });

  it('keeps retrying: the payer is told it is delayed, the admins only after the bound, with /credit; shutdown leaves it unfinished', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const shutdown = new AbortController();
    const bot = createBotHarness({
      db: unreachable.handle.db,
      adminIds: [ADMIN],
      apiRoot: suite.telegram.apiRoot,
      logger,
      paymentAlertAfterS: 1,
      shutdown: shutdown.signal,
    });
    const from = suite.telegram.calls.length;
    const handled = bot.handle(
      withId(successfulPayment({ id: 6601 }, { payload: 'ord-x', amount: 150, chargeId: 'ch-6601' })),
    );
    const outcome = handled.then(
      () => 'finished',
      (err: unknown) => err,
    );
    const startedAt = Date.now();
    await expect.poll(() => textsTo(from, ADMIN).join(), { timeout: 8000 }).toContain('still not recorded');
    const alertedAfterMs = Date.now() - startedAt;
    expect(textsTo(from, 6601)).toEqual([expect.stringContaining('it will be added automatically')]);
    expect(textsTo(from, ADMIN)).toEqual([
      expect.stringMatching(
        /still not recorded after 1 min .*from Seller \(6601\), 150 ⭐, charge ch-6601[\s\S]*\/credit ch-6601 150 6601 ord-x$/,
      ),
    ]);
    const retries = lines.filter((l) => l.includes('payment not recorded yet; retrying')).length;
    expect(retries).toBeGreaterThanOrEqual(2);
    // Not before the bound (1 s), and soon after it (the backoff is short at first).
    expect(alertedAfterMs).toBeGreaterThanOrEqual(900);
    expect(alertedAfterMs).toBeLessThan(5000);
    const abortedAt = Date.now();
    shutdown.abort();
    const err = await outcome;
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(err).toMatchObject({ name: 'BotError', error: { name: 'UpdateDeferredError' } });
    // Neither the payer nor the admins hear more: the update comes back after the restart.
    expect(textsTo(from, 6601)).toHaveLength(1);
    expect(textsTo(from, ADMIN)).toHaveLength(1);
    expect(lines.some((l) => l.includes('credit it by hand'))).toBe(false);
  });
});
