import { describe, expect, it } from 'vitest';
import { packageData } from '../../src/bot/callback-data/buy.js';
import { parseConfig } from '../../src/config/index.js';
import { useBotOverHttp } from '../support/bot-over-http.js';
import { callbackQuery, preCheckoutQuery, withId } from '../support/updates.js';

const PACKAGES = parseConfig({ BOT_TOKEN: '1:a' }).payments.packages;

const suite = useBotOverHttp();

describe('an invoice and its order', () => {
  it('accepts a pre-checkout sent the moment Telegram receives the invoice, every time', async () => {
    const pkg = PACKAGES[0];
    if (!pkg) throw new Error('no package configured');
    const answers: Record<string, unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      const user = { id: 7300 + i };
      const from = suite.telegram.calls.length;
      // The payer taps Pay at once: the pre-checkout starts as soon as the fake records
      // sendInvoice, before it answers, while the button's update is still being handled.
      let preCheckout: Promise<unknown> | undefined;
      const invoiceSeen = suite.telegram.nextCall('sendInvoice', (c) => Number(c.payload.chat_id) === user.id);
      void invoiceSeen.then((call) => {
        preCheckout = suite.h.handle(withId(preCheckoutQuery(user, String(call.payload.payload), pkg.stars)));
      });
      await suite.h.handle(
        withId(callbackQuery(user, packageData.pack({ photoshoots: pkg.photoshoots, stars: pkg.stars }))),
      );
      await invoiceSeen;
      await preCheckout;
      const answer = suite.telegram.calls.slice(from).find((c) => c.method === 'answerPreCheckoutQuery');
      answers.push(answer?.payload ?? {});
    }
    expect(answers).toHaveLength(20);
    for (const answer of answers) expect(answer).toMatchObject({ ok: true });
  });
});
