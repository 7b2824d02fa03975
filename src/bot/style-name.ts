/** Longest name of a saved style, in characters. */
export const STYLE_NAME_MAX = 40;

/**
 * Bidirectional controls: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069)
 * and the marks (U+200E, U+200F, U+061C). A name holding one can show its neighbours in the
 * keyboard and in messages reversed, so it is refused rather than cleaned.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;

/**
 * What shows nothing on its own: format characters (zero-width space, joiners, BOM...),
 * spaces, combining marks and controls, and the blank letters (Hangul fillers, braille blank).
 */
const INVISIBLE = /[\p{Cf}\p{Z}\p{M}\p{Cc}\u115F\u1160\u3164\uFFA0\u2800]/gu;

/** A control character (U+0000-U+001F, U+007F-U+009F) that survives whitespace collapsing. */
const CONTROL = /\p{Cc}/u;

export type StyleNameOutcome =
  | { kind: 'ok'; name: string }
  | { kind: 'invalid-length' }
  /** Nothing visible is left, or it holds direction or control characters. */
  | { kind: 'invisible' };

/**
 * Reads a style name a seller typed: whitespace collapsed, 1..max characters (code points),
 * something visible in it, no direction overrides or control characters. Emoji built with
 * zero-width joiners stay as typed.
 */
export function readStyleName(text: string, max: number): StyleNameOutcome {
  const name = text.replace(/\s+/g, ' ').trim();
  if (BIDI_CONTROL.test(name) || CONTROL.test(name)) return { kind: 'invisible' };
  const length = Array.from(name).length;
  if (length === 0 || length > max) return { kind: 'invalid-length' };
  if (name.replace(INVISIBLE, '').length === 0) return { kind: 'invisible' };
  return { kind: 'ok', name };
}
