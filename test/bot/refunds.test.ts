import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrder } from '../../src/db/orders.js';
import { orders, photoshoots } from '../../src/db/schema.js';
import { finishPhotoshoot } from '../../src/db/settlement.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { createBotHarness } from '../support/bot-harness.js';
import { chargePhotoshoot, usePhotoshoot } from '../support/credits.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { balanceAndLedger } from '../support/ledger.js';
import { type Sender, successfulPayment, textMessage, withId } from '../support/updates.js';

const ADMIN = 9101;
// The report's package: 3 photoshoots for 150 Stars (the default smallest package).
const PKG = { photoshoots: 3, stars: 150 };

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const db = () => database.handle.db;
const harness = () => createBotHarness({ db: db(), adminIds: [ADMIN], freePhotoshoots: 0 });
type Harness = ReturnType<typeof harness>;

/** The texts sent to `chatId` by what `step` did. */
async function textsTo(h: Harness, chatId: number, step: () => Promise<unknown>) {
  const from = h.calls.length;
  await step();
  return h.calls
    .slice(from)
    .filter((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === chatId)
    .map((c) => String(c.payload.text));
}

/** The seller pays the 3-photoshoot package through the bot (the invoice's order, then successful_payment). */
async function buy(h: Harness, seller: Sender, chargeId: string) {
  await h.handle(withId(textMessage(seller, '/balance')));
  const user = await findUserByTelegramId(db(), seller.id);
  if (!user) throw new Error('seller not registered');
  const order = await createOrder(db(), {
    userId: user.id,
    pkg: PKG,
    expiresInMinutes: 60,
  });
  await h.handle(withId(successfulPayment(seller, { payload: order.invoicePayload, amount: PKG.stars, chargeId })));
  return { user, order };
}

describe('a refund takes back only what that order bought, and says so', () => {
  it('bought 3, used 3, granted 3 by an admin, refunded: the gifted 3 stay', async () => {
    const h = harness();
    const seller = { id: 8301 };
    const { user, order } = await buy(h, seller, 'ch-8301');
    for (let i = 0; i < 3; i++) await usePhotoshoot(db(), user.id);
    await h.handle(withId(textMessage({ id: ADMIN }, `/grant ${seller.id} 3`)));
    expect(await textsTo(h, seller.id, () => h.handle(withId(textMessage(seller, '/balance'))))).toEqual([
      expect.stringMatching(/^💳 You have 3 photoshoots left \(0 bought, 3 free\)\./),
    ]);

    let toSeller: string[] = [];
    const toAdmin = await textsTo(h, ADMIN, async () => {
      toSeller = await textsTo(h, seller.id, () => h.handle(withId(textMessage({ id: ADMIN }, `/refund ${order.id}`))));
    });
    expect(toAdmin).toEqual([
      `↩️ Order #${order.id} refunded: 150 ⭐ returned; 0 of its 3 bought photoshoots taken back, 3 already used. The seller's balance: 3 (0 bought, 3 free).`,
    ]);
    expect(toSeller).toEqual([
      `↩️ Your payment for order #${order.id} (150 ⭐) was refunded. None of its 3 bought photoshoots was still unused, so nothing was removed (3 already used). Your balance: 3 (0 bought, 3 free).`,
    ]);
    const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
    expect(row).toMatchObject({ status: 'refunded', remaining: 0, refundDebited: 0, refundShortfall: 3 });
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 3, ledgerSum: 3 });
  });

  it('refunded while a photoshoot paid by it runs, which then fails: no photoshoot comes back (in Russian too)', async () => {
    const h = harness();
    const seller = { id: 8302, language_code: 'ru' };
    const { user, order } = await buy(h, seller, 'ch-8302');
    const job = await chargePhotoshoot(db(), user.id);
    await db().update(photoshoots).set({ status: 'running' }).where(eq(photoshoots.id, job.id));

    let toSeller: string[] = [];
    const toAdmin = await textsTo(h, ADMIN, async () => {
      toSeller = await textsTo(h, seller.id, () => h.handle(withId(textMessage({ id: ADMIN }, `/refund ${order.id}`))));
    });
    expect(toAdmin).toEqual([
      `↩️ Order #${order.id} refunded: 150 ⭐ returned; 2 of its 3 bought photoshoots taken back, 1 already used. Of those, 1 still running: if one delivers nothing, its photoshoot is not returned. The seller's balance: 0 (0 bought, 0 free).`,
    ]);
    expect(toSeller).toEqual([
      `↩️ Оплата заказа #${order.id} (150 ⭐) возвращена. Куплено по нему: 3 фотосессии; неиспользованные списаны с баланса: 2 фотосессии, уже использованы: 1 фотосессия. Теперь у вас 0 фотосессий: 0 купленных и 0 бесплатных.`,
    ]);

    // The worker ends it with nothing delivered: the credit belongs to a refunded order.
    expect(await finishPhotoshoot(db(), job.id, 'failed', 'all styles failed')).toBe('forfeited');
    expect(await textsTo(h, seller.id, () => h.handle(withId(textMessage(seller, '/balance'))))).toEqual([
      expect.stringMatching(/^💳 У вас 0 фотосессий: 0 купленных и 0 бесплатных\./),
    ]);
    const [row] = await db().select().from(orders).where(eq(orders.id, order.id));
    expect(row).toMatchObject({ status: 'refunded', remaining: 0, refundDebited: 3, refundShortfall: 0 });
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 0, ledgerSum: 0 });
  });
});
