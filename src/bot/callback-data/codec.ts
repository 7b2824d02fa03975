import { z } from 'zod';

/** Telegram's limit for callback_data, in bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;
const SEPARATOR = ':';

/** PostgreSQL's `integer` (serial ids, pages, counts) ends here; a larger parameter fails the query. */
export const INT4_MAX = 2_147_483_647;

/**
 * A row id (a serial column) from a button or a command: 1..INT4_MAX, so a forged
 * `ps-go:2147483648` is an expired button, not a failed query.
 */
export const rowId = z.coerce.number().int().min(1).max(INT4_MAX);

/**
 * A Telegram user id typed by an admin: Telegram ids have at most 52 significant bits
 * (Bot API, User.id), so anything past 2^53 - 1 cannot be one and would lose digits as a number.
 */
export const telegramId = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * Reads a command argument as a whole number (digits only, no sign, exponent or hex) within
 * `schema`'s range; anything else is undefined, so the command answers with its usage.
 */
export function parseWholeNumber(text: string, schema: z.ZodType<number>): number | undefined {
  const value = text.trim();
  if (!/^\d{1,20}$/.test(value)) return undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

type Fields = Record<string, z.ZodType<string | number>>;
type Values<F extends Fields> = { [K in keyof F]: z.output<F[K]> };

export interface CallbackData<F extends Fields> {
  readonly prefix: string;
  /** Builds the payload for a button; throws if it would exceed 64 bytes or a value holds ':'. */
  pack(values: Values<F>): string;
  /** Parses a payload this codec built; anything else (old, forged, truncated) gives undefined. */
  unpack(data: string | undefined): Values<F> | undefined;
  /** Matches payloads of this codec, for `composer.callbackQuery(codec.filter, ...)`. */
  readonly filter: RegExp;
}

const prefixes = new Set<string>();

/**
 * Declares one kind of button payload: `prefix:value1:value2`, the values in the order the
 * fields are declared, each checked by its zod schema on the way in and on the way out.
 */
export function createCallbackData<F extends Fields>(prefix: string, fields: F): CallbackData<F> {
  if (!/^[a-z][a-z0-9-]*$/.test(prefix)) throw new Error(`Invalid callback prefix "${prefix}"`);
  if (prefixes.has(prefix)) throw new Error(`Callback prefix "${prefix}" is declared twice`);
  prefixes.add(prefix);
  const keys = Object.keys(fields) as (keyof F & string)[];
  const escaped = prefix.replace(/[-]/g, '\\-');
  return {
    prefix,
    filter: new RegExp(`^${escaped}(${SEPARATOR}|$)`),
    pack(values) {
      const parts = keys.map((key) => {
        const value = String(fields[key]?.parse(values[key]));
        if (value.includes(SEPARATOR)) throw new Error(`Callback value for ${key} contains "${SEPARATOR}"`);
        return value;
      });
      const data = [prefix, ...parts].join(SEPARATOR);
      if (Buffer.byteLength(data, 'utf8') > CALLBACK_DATA_MAX_BYTES) {
        throw new Error(`Callback data "${data}" exceeds ${CALLBACK_DATA_MAX_BYTES} bytes`);
      }
      return data;
    },
    unpack(data) {
      if (data === undefined || Buffer.byteLength(data, 'utf8') > CALLBACK_DATA_MAX_BYTES) return undefined;
      const [head, ...parts] = data.split(SEPARATOR);
      if (head !== prefix || parts.length !== keys.length) return undefined;
      const out: Partial<Values<F>> = {};
      for (const [index, key] of keys.entries()) {
        const part = parts[index];
        const parsed = fields[key]?.safeParse(part);
        // Only the canonical form pack() writes: "012", "1e3" or " 7" were not built here.
        if (!parsed?.success || String(parsed.data) !== part) return undefined;
        out[key] = parsed.data as Values<F>[typeof key];
      }
      return out as Values<F>;
    },
  };
}
