/** A high surrogate with no low one after it, or a low one with no high one before it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as PostgreSQL can store it: `text` refuses U+0000 ("invalid byte sequence for encoding
 * UTF8: 0x00"), so it is dropped; a lone UTF-16 surrogate has no UTF-8 form (postgres.js and
 * PGlite encode it as U+FFFD anyway), so it becomes U+FFFD here, where it can be seen.
 * Everything a user types or Telegram relays (names, style names) passes here before a query.
 */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

/** storableText for optional fields. */
export const storableOptional = (text: string | null | undefined): string | null =>
  text === undefined || text === null ? null : storableText(text);
