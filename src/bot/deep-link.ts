import { randomInt } from 'node:crypto';

/**
 * The payloads a /start deep link (`t.me/<bot>?start=<payload>`) carries. Telegram allows
 * A-Z, a-z, 0-9, _ and - in a payload, at most 64 characters (Bot API, "Deep linking"); a
 * client that sends anything else, or more, is ignored safely rather than trusted.
 */
export type StartPayload =
  | { kind: 'none' }
  /** A friend's invitation: `ref_<code>` (the referrer's random code, never their Telegram id). */
  | { kind: 'referral'; code: string }
  /** `buy_<n>`: the invoice of package n, 1 being the first listed. */
  | { kind: 'buy'; package: number }
  /** Where the user came from: `source_medium_campaign`, or the `utm_source-x_utm_medium-y_utm_campaign-z` form. */
  | { kind: 'source'; source: string; medium: string | null; campaign: string | null }
  | { kind: 'ignored'; reason: 'too-long' | 'characters' | 'malformed' };

/** Telegram's limit on a start payload. */
export const START_PAYLOAD_MAX = 64;

/** A referral code's alphabet: letters and digits a reader cannot confuse (no 0/O, 1/l/I). */
const CODE_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
export const REFERRAL_CODE_LENGTH = 8;

const ALLOWED = /^[A-Za-z0-9_-]+$/;
const REFERRAL = /^ref_([a-km-np-z2-9]{8})$/;
const BUY = /^buy_([1-9]\d{0,2})$/;
/** A tag's part: letters, digits and hyphens, starting with a letter or digit. */
const PART = '[a-z0-9][a-z0-9-]*';
const UTM = new RegExp(`^utm_source-(${PART})(?:_utm_medium-(${PART}))?(?:_utm_campaign-(${PART}))?$`);
const SHORT = new RegExp(`^(${PART})(?:_(${PART}))?(?:_(${PART}))?$`);

/** What a /start payload asks for; source tags are read in lower case, so "Instagram" and "instagram" are one source. */
export function parseStartPayload(payload: string | undefined): StartPayload {
  const text = payload?.trim() ?? '';
  if (text === '') return { kind: 'none' };
  if (text.length > START_PAYLOAD_MAX) return { kind: 'ignored', reason: 'too-long' };
  if (!ALLOWED.test(text)) return { kind: 'ignored', reason: 'characters' };
  const lower = text.toLowerCase();
  if (lower.startsWith('ref_')) {
    const code = REFERRAL.exec(lower)?.[1];
    return code ? { kind: 'referral', code } : { kind: 'ignored', reason: 'malformed' };
  }
  if (lower.startsWith('buy_')) {
    const n = BUY.exec(lower)?.[1];
    return n ? { kind: 'buy', package: Number(n) } : { kind: 'ignored', reason: 'malformed' };
  }
  const tag = lower.startsWith('utm_') ? UTM.exec(lower) : SHORT.exec(lower);
  if (!tag?.[1]) return { kind: 'ignored', reason: 'malformed' };
  return { kind: 'source', source: tag[1], medium: tag[2] ?? null, campaign: tag[3] ?? null };
}

/** A new referral code: REFERRAL_CODE_LENGTH characters of CODE_ALPHABET from the crypto RNG (32^8 ≈ 10^12 codes). */
export function newReferralCode(): string {
  let code = '';
  for (let i = 0; i < REFERRAL_CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** The invitation link a seller shares: `https://t.me/<bot>?start=ref_<code>`. */
export const referralLink = (botUsername: string, code: string) => `https://t.me/${botUsername}?start=ref_${code}`;

/** Telegram's share URL (t.me/share/url), which opens the chat picker with the link and a line of text. */
export const shareUrl = (link: string, text: string) =>
  `https://t.me/share/url?url=${encodeURIComponent(link)}&text=${encodeURIComponent(text)}`;
