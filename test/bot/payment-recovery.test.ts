import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { parseConfig, parseOperatorConfig } from '../../src/config/index.js';
import { createDb } from '../../src/db/client.js';
import { createOrder, type Order } from '../../src/db/orders.js';
import { balanceLedger, orders } from '../../src/db/schema.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { createBotHarness } from '../support/bot-harness.js';
import { useBotOverHttp } from '../support/bot-over-http.js';
import { usingPostgres } from '../support/db.js';
import { balanceAndLedger } from '../support/ledger.js';
import { silentLogger } from '../support/logger.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { type Sender, successfulPayment, textMessage, withId } from '../support/updates.js';

const PACKAGES = parseConfig({ BOT_TOKEN: '1:a' }).payments.packages;
const PKG = PACKAGES[0] ?? { photoshoots: 3, stars: 150 };
const ADMIN = 9101;

const suite = useBotOverHttp({ adminIds: [ADMIN] });
const { db, send } = suite;
const textsTo = (from: number, chatId: number) =>
  suite.telegram.calls
    .slice(from)
    .filter((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === chatId)
    .map((c) => String(c.payload.text));

/** A registered seller with an unpaid order for the first package. */
async function sellerWithOrder(user: Sender): Promise<Order> {
  await send(textMessage(user, '/start'));
  const row = await findUserByTelegramId(db(), user.id);
  if (!row) throw new Error('not registered');
  return createOrder(db(), { userId: row.id, pkg: PKG, expiresInMinutes: 60 });
}

const purchasesOf = async (telegramId: number) => {
  const user = await findUserByTelegramId(db(), telegramId);
  const rows = await db()
    .select()
    .from(balanceLedger)
    .where(eq(balanceLedger.userId, user?.id ?? -1));
  return rows.filter((r) => r.reason === 'purchase').map((r) => r.delta);
};

const revenue = async () => {
  const from = suite.telegram.calls.length;
  await send(textMessage({ id: ADMIN }, '/stats fresh'));
  return Number(/Revenue: (\d+)/.exec(textsTo(from, ADMIN).join('\n'))?.[1] ?? Number.NaN);
};

describe('/credit', () => {
  it('credits a charge id as a purchase (order paid, ledger, revenue), tells the seller in their language, once', async () => {
    const seller = { id: 6701, language_code: 'ru' };
    const order = await sellerWithOrder(seller);
    const revenueBefore = await revenue();
    const from = suite.telegram.calls.length;
    await send(textMessage({ id: ADMIN }, `/credit ch-6701 ${PKG.stars} ${seller.id} ${order.invoicePayload}`));
    const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
    expect(row).toMatchObject({ status: 'paid', telegramPaymentChargeId: 'ch-6701', flag: null });
    expect(textsTo(from, ADMIN)).toEqual([
      `✅ Charge ch-6701 credited as a purchase: order #${order.id}, ${PKG.stars} ⭐, ${PKG.photoshoots} photoshoots for Seller (6701); their balance is ${2 + PKG.photoshoots}.`,
    ]);
    expect(textsTo(from, seller.id)).toEqual([
      `✅ Ваша оплата зачислена: +${PKG.photoshoots} фотосессии. Ваш баланс: ${2 + PKG.photoshoots}.`,
    ]);
    expect(await purchasesOf(seller.id)).toEqual([PKG.photoshoots]);
    expect(await revenue()).toBe(revenueBefore + PKG.stars);

    // A second /credit and the bot's own recording of the same charge later credit nothing more.
    const again = suite.telegram.calls.length;
    await send(textMessage({ id: ADMIN }, `/credit ch-6701 ${PKG.stars} ${seller.id} ${order.invoicePayload}`));
    await send(successfulPayment(seller, { payload: order.invoicePayload, amount: PKG.stars, chargeId: 'ch-6701' }));
    expect(textsTo(again, ADMIN)).toEqual([
      `Charge ch-6701 is already recorded (order #${order.id}, paid). Nothing more credited.`,
    ]);
    expect(textsTo(again, seller.id)).toEqual([]);
    expect(await purchasesOf(seller.id)).toEqual([PKG.photoshoots]);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({
      balance: 2 + PKG.photoshoots,
      ledgerSum: 2 + PKG.photoshoots,
    });
  });

  it('without the invoice payload records a paid order of its own for the amount, flagged', async () => {
    const seller = { id: 6702 };
    await send(textMessage(seller, '/start'));
    const from = suite.telegram.calls.length;
    await send(textMessage({ id: ADMIN }, `/credit ch-6702 ${PKG.stars} ${seller.id}`));
    const [row] = await db().select().from(orders).where(eq(orders.telegramPaymentChargeId, 'ch-6702'));
    expect(row).toMatchObject({
      status: 'paid',
      amount: PKG.stars,
      photoshoots: PKG.photoshoots,
      flag: 'unknown_order',
    });
    expect(textsTo(from, ADMIN)).toEqual([
      expect.stringMatching(/credited as a purchase: .* Flag: the payment matches no order\.$/),
    ]);
    expect(textsTo(from, seller.id)).toEqual([expect.stringContaining('Your payment is now on your balance')]);
    expect(await purchasesOf(seller.id)).toEqual([PKG.photoshoots]);
  });

  it('refuses bad input with the usage and an unknown user plainly, crediting nothing', async () => {
    const from = suite.telegram.calls.length;
    const attempts = [
      '/credit',
      '/credit ch-6703',
      '/credit ch-6703 150',
      '/credit ch-6703 0 6703',
      '/credit ch-6703 1000001 6703',
      '/credit ch-6703 150 -6703',
      '/credit ch-6703 150 67O3',
      '/credit ch-6703 1.5 6703',
      `/credit ch-6703 150 6703 ${'p'.repeat(129)}`,
      '/credit ch-6703 150 6703 ord-x extra',
      `/credit ${'c'.repeat(256)} 150 6703`,
    ];
    for (const text of attempts) await send(textMessage({ id: ADMIN }, text));
    const usage = textsTo(from, ADMIN);
    expect(usage).toHaveLength(attempts.length);
    for (const text of usage) expect(text).toMatch(/^Usage: \/credit <charge id> <stars> <user's telegram id>/);
    const unknown = suite.telegram.calls.length;
    await send(textMessage({ id: ADMIN }, '/credit ch-6703 150 6703'));
    expect(textsTo(unknown, ADMIN)).toEqual([
      'No user with Telegram id 6703 has started the bot; nothing was credited.',
    ]);
    const recorded = await db().select().from(orders).where(eq(orders.telegramPaymentChargeId, 'ch-6703'));
    expect(recorded).toEqual([]);
  });

  it('gives anyone but an admin the same answer as an unknown command, crediting nothing', async () => {
    const seller = { id: 6704 };
    const order = await sellerWithOrder(seller);
    const from = suite.telegram.calls.length;
    await send(textMessage(seller, '/nosuchcommand'));
    await send(textMessage(seller, `/credit ch-6704 ${PKG.stars} ${seller.id} ${order.invoicePayload}`));
    const [unknown, credit] = textsTo(from, seller.id);
    expect(credit).toBe(unknown);
    const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
    expect(row?.status).toBe('pending');
  });
});

describe.runIf(usingPostgres)('a payment while the database is cut (in process)', () => {
  const cases = [
    { name: 'without an admin (cut 2 s, bound 300 s)', cutMs: 2000, alertAfterS: 300, seller: 6705 },
    {
      name: 'the admins told after the bound, then that it is recorded (cut 3 s, bound 1 s)',
      cutMs: 3000,
      alertAfterS: 1,
      seller: 6706,
    },
  ];
  it.each(cases)(
    'is credited once the database is back, $name; the payer hears "delayed", then "credited"',
    async ({ cutMs, alertAfterS, seller: sellerId }) => {
      const target = new URL(suite.database.url ?? '');
      const proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
      const viaProxy = new URL(target);
      viaProxy.port = String(proxy.port);
      const handle = await createDb(
        parseOperatorConfig({
          DATABASE_URL: viaProxy.toString(),
          DB_POOL_MAX: '2',
          DB_IDLE_TIMEOUT_S: '30',
          DB_MAX_LIFETIME_S: '3600',
          DB_CONNECT_TIMEOUT_S: '2',
        }).db,
        silentLogger,
      );
      try {
        const bot = createBotHarness({
          db: handle.db,
          adminIds: [ADMIN],
          apiRoot: suite.telegram.apiRoot,
          paymentAlertAfterS: alertAfterS,
        });
        const seller = { id: sellerId };
        const chargeId = `ch-${sellerId}`;
        const order = await sellerWithOrder(seller);
        const from = suite.telegram.calls.length;
        proxy.cut();
        const cutAt = Date.now();
        const handled = bot.handle(
          withId(successfulPayment(seller, { payload: order.invoicePayload, amount: PKG.stars, chargeId })),
        );
        await expect.poll(() => textsTo(from, seller.id).length, { timeout: 5000 }).toBe(1);
        await new Promise((r) => setTimeout(r, Math.max(0, cutMs - (Date.now() - cutAt))));
        expect(await purchasesOf(seller.id)).toEqual([]);
        proxy.restore();
        const restoredAt = Date.now();
        await handled;
        // The backoff stays short: credited within a few seconds of the database coming back.
        expect(Date.now() - restoredAt).toBeLessThan(6000);
        expect(textsTo(from, seller.id)).toEqual([
          expect.stringContaining('it will be added automatically'),
          `✅ Your payment is now on your balance: ${PKG.photoshoots} photoshoots added. Your balance: ${2 + PKG.photoshoots}.`,
        ]);
        if (alertAfterS > cutMs / 1000) expect(textsTo(from, ADMIN)).toEqual([]);
        else {
          expect(textsTo(from, ADMIN)).toEqual([
            expect.stringMatching(
              new RegExp(
                `still not recorded .* charge ${chargeId}[\\s\\S]*/credit ${chargeId} ${PKG.stars} ${sellerId} ${order.invoicePayload}$`,
              ),
            ),
            expect.stringMatching(
              new RegExp(
                `delayed payment \\(charge ${chargeId}, from Seller \\(${sellerId}\\), ${PKG.stars} ⭐\\) is now recorded by the bot: order #${order.id}\\. No /credit needed\\.`,
              ),
            ),
          ]);
        }
        expect(await purchasesOf(seller.id)).toEqual([PKG.photoshoots]);
        const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
        expect(row).toMatchObject({ status: 'paid', telegramPaymentChargeId: chargeId });
      } finally {
        await handle.close();
        await proxy.close();
      }
    },
  );
});
