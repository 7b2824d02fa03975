import type { StarsPackage } from '../../config/index.js';
import type { BotContext } from '../context.js';

/** A package as /buy shows it: its price per photoshoot and what it saves against the smallest. */
export interface PackagePrice {
  pkg: StarsPackage;
  /** Stars per photoshoot (may be fractional: 100 Stars for 3). */
  perPhotoshoot: number;
  /** Whole percent saved per photoshoot against the smallest package, rounded down; 0 when none. */
  saving: number;
}

/** The package with the fewest photoshoots: the one every saving is measured against. */
const smallestOf = (packages: readonly StarsPackage[]) =>
  packages.reduce((a, b) => (b.photoshoots < a.photoshoots ? b : a));

/**
 * Each package with its price per photoshoot and its saving against the smallest package,
 * computed in whole numbers (no 9.999…% for a 10% saving), rounded down so a saving is never
 * promised larger than it is. A package dearer per photoshoot than the smallest saves 0.
 */
export function packagePrices(packages: readonly StarsPackage[]): PackagePrice[] {
  if (packages.length === 0) return [];
  const smallest = smallestOf(packages);
  return packages.map((pkg) => {
    // Per photoshoot: smallest.stars / smallest.photoshoots against pkg.stars / pkg.photoshoots.
    const base = smallest.stars * pkg.photoshoots;
    const own = pkg.stars * smallest.photoshoots;
    return {
      pkg,
      perPhotoshoot: pkg.stars / pkg.photoshoots,
      saving: own < base ? Math.floor((100 * (base - own)) / base) : 0,
    };
  });
}

/** The lowest price of one photoshoot over the packages on sale ("from 35 ⭐"). */
export const cheapestPerPhotoshoot = (packages: readonly StarsPackage[]) =>
  Math.min(...packages.map((p) => p.stars / p.photoshoots));

/** What every price line needs: the cheapest photoshoot and the new user's free ones. */
export const priceFigures = (ctx: BotContext) => ({
  price: cheapestPerPhotoshoot(ctx.config.payments.packages),
  free: ctx.config.payments.freePhotoshoots,
});

/** /buy's text: what a photoshoot is, then each package with its price per photoshoot and saving. */
export function packagesText(ctx: BotContext) {
  const packages = ctx.config.payments.packages;
  const prices = packagePrices(packages);
  const lines = prices.map(({ pkg, perPhotoshoot, saving }) =>
    ctx.t('buy-line', { count: pkg.photoshoots, stars: pkg.stars, price: perPhotoshoot, saving }),
  );
  const text = [ctx.t('buy-title'), '', ...lines];
  if (prices.some((p) => p.saving > 0)) {
    text.push('', ctx.t('buy-saving-note', { count: smallestOf(packages).photoshoots }));
  }
  return text.join('\n');
}
