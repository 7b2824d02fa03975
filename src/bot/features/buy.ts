import { Composer } from 'grammy';
import type { Pool } from '../../db/client.js';
import { createOrder, STARS_CURRENCY } from '../../db/orders.js';
import { buyData, packageData } from '../callback-data/buy.js';
import type { BotContext } from '../context.js';
import { packagesKeyboard } from '../keyboards/buy.js';
import { invoiceFor } from '../views/payments.js';
import { packagesText } from '../views/prices.js';

/** The packages on sale, each with its price per photoshoot and saving, and a button to buy it. */
export async function showPackages(ctx: BotContext) {
  await ctx.reply(packagesText(ctx), { reply_markup: packagesKeyboard(ctx) });
}

/**
 * /buy and every buy button show the packages; a package sends its invoice. An invoice's order
 * is created on `pool`, committed before the invoice is sent: a payer can tap Pay at once, and
 * the pre-checkout (answered from the pool) must find the order.
 */
export function createBuyFeature(deps: { pool: Pool }) {
  const composer = new Composer<BotContext>();
  const feature = composer.chatType('private');

  feature.command('buy', showPackages);

  feature.callbackQuery(buyData.filter, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showPackages(ctx);
  });

  feature.callbackQuery(packageData.filter, async (ctx) => {
    const data = packageData.unpack(ctx.callbackQuery.data);
    const pkg = ctx.config.payments.packages.find(
      (p) => p.photoshoots === data?.photoshoots && p.stars === data?.stars,
    );
    const user = ctx.user;
    if (!pkg || !user) {
      // A keyboard from before a price change: show what is on sale now.
      await ctx.answerCallbackQuery({ text: ctx.t('package-changed') });
      await showPackages(ctx);
      return;
    }
    // Not ctx.db: the update's transaction commits only after the invoice is sent. An invoice
    // that then fails to send leaves a pending order that the sweep cancels at its expiry.
    const order = await createOrder(deps.pool, {
      userId: user.id,
      pkg,
      expiresInMinutes: ctx.config.payments.orderExpiryMin,
    });
    const invoice = invoiceFor(ctx, pkg);
    await ctx.answerCallbackQuery();
    await ctx.replyWithInvoice(
      invoice.title,
      invoice.description,
      order.invoicePayload,
      STARS_CURRENCY,
      invoice.prices,
      {
        provider_token: '',
      },
    );
    ctx.logger.info({ order_id: order.id, stars: pkg.stars, photoshoots: pkg.photoshoots }, 'invoice sent');
  });

  return composer;
}
