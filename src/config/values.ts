import { z } from 'zod';

/** The value types behind the environment's fields, each with the message an operator reads. */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

export const idList = z
  .string()
  .transform((value, ctx) => {
    const ids = value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    for (const id of ids) {
      if (!/^\d{1,16}$/.test(id)) {
        ctx.addIssue({ code: 'custom', message: `"${id}" is not a Telegram user id` });
        return z.NEVER;
      }
    }
    return ids.map(Number);
  })
  .default([]);

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** What a model charges, in USD per 1M tokens: what it reads, what it writes. */
export interface TokenPrices {
  input: number;
  output: number;
}

/** "0.15/0.60": USD per 1M input tokens / per 1M output tokens. */
export const tokenPrices = z.string().transform((value, ctx): TokenPrices => {
  const match = /^\s*(\d{1,6}(?:\.\d{1,6})?)\s*\/\s*(\d{1,6}(?:\.\d{1,6})?)\s*$/.exec(value);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not input/output USD per 1M tokens, e.g. 0.15/0.60` });
    return z.NEVER;
  }
  return { input: Number(match[1]), output: Number(match[2]) };
});

export const usd = z.coerce
  .number({ error: 'must be an amount in USD such as 0.042' })
  .min(0, 'must not be negative')
  .max(1000, 'must be at most 1000');

/** A package of photoshoots sold for Telegram Stars. */
export interface StarsPackage {
  photoshoots: number;
  /** Price in whole Stars (XTR has no fractional units). */
  stars: number;
}

/** Telegram's range for one Stars price. */
const MAX_STARS_PRICE = 10_000;

/** "3:150,10:450": photoshoots:stars pairs, each size once, sorted by size. */
export const packageList = z.string().transform((value, ctx) => {
  const packages: StarsPackage[] = [];
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^(\d{1,5}):(\d{1,6})$/.exec(part);
    const photoshoots = Number(match?.[1]);
    const stars = Number(match?.[2]);
    if (!match || photoshoots < 1 || stars < 1 || stars > MAX_STARS_PRICE) {
      ctx.addIssue({
        code: 'custom',
        message: `"${part}" is not photoshoots:stars (whole numbers, 1 to ${MAX_STARS_PRICE} Stars)`,
      });
      return z.NEVER;
    }
    if (packages.some((p) => p.photoshoots === photoshoots)) {
      ctx.addIssue({ code: 'custom', message: `offers ${photoshoots} photoshoots twice` });
      return z.NEVER;
    }
    packages.push({ photoshoots, stars });
  }
  if (packages.length === 0 || packages.length > 8) {
    ctx.addIssue({ code: 'custom', message: 'must list 1 to 8 packages, e.g. 3:150,10:450' });
    return z.NEVER;
  }
  return packages.sort((a, b) => a.photoshoots - b.photoshoots);
});
