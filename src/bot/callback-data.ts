import type { z } from 'zod';

/** Telegram's limit for callback_data, in bytes. */
export const CALLBACK_DATA_MAX_BYTES = 64;
const SEPARATOR = ':';

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
        const parsed = fields[key]?.safeParse(parts[index]);
        if (!parsed?.success) return undefined;
        out[key] = parsed.data as Values<F>[typeof key];
      }
      return out as Values<F>;
    },
  };
}
