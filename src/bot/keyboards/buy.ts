import { InlineKeyboard } from 'grammy';
import { buyData, packageData } from '../callback-data/buy.js';
import type { BotContext } from '../context.js';
import { packagePrices } from '../views/prices.js';

/** The "buy photoshoots" button shown wherever the balance matters (in an update, or from the worker). */
export const buyKeyboard = (texts: { t(key: string): string }) =>
  new InlineKeyboard().text(texts.t('button-buy'), buyData.pack({}));

/** One button per package on sale (from the config), with its saving against the smallest. */
export function packagesKeyboard(ctx: BotContext) {
  const keyboard = new InlineKeyboard();
  for (const { pkg, saving } of packagePrices(ctx.config.payments.packages)) {
    keyboard
      .text(
        ctx.t('buy-package', { count: pkg.photoshoots, stars: pkg.stars, saving }),
        packageData.pack({ photoshoots: pkg.photoshoots, stars: pkg.stars }),
      )
      .row();
  }
  return keyboard;
}
