import type { Transformer } from 'grammy';

/**
 * Telegram's text limits (Bot API: sendMessage/editMessageText text "1-4096 characters after
 * entities parsing", captions "0-1024", answerCallbackQuery text "0-200", invoice title "1-32"
 * and description "1-255"). Telegram counts in UTF-16 code units (the unit of entity offsets),
 * which is JavaScript's String length: an emoji is 2, so 5,000 emoji are 10,000.
 */
export const TELEGRAM_LIMITS = {
  message: 4096,
  caption: 1024,
  callbackAnswer: 200,
  invoiceTitle: 32,
  invoiceDescription: 255,
} as const;

const ELLIPSIS = '…';

/**
 * Cuts `text` to at most `max` UTF-16 code units, ending with "…" when cut, never splitting a
 * surrogate pair (half an emoji is not valid UTF-8 and Telegram would refuse it).
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - ELLIPSIS.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${ELLIPSIS}`;
}

type Payload = Record<string, unknown>;

const clipField = (payload: Payload, field: string, max: number): Payload =>
  typeof payload[field] === 'string' && (payload[field] as string).length > max
    ? { ...payload, [field]: clip(payload[field] as string, max) }
    : payload;

/** What each method may carry, field by field. */
const LIMITS: Record<string, [field: string, max: number][]> = {
  sendMessage: [['text', TELEGRAM_LIMITS.message]],
  editMessageText: [['text', TELEGRAM_LIMITS.message]],
  sendPhoto: [['caption', TELEGRAM_LIMITS.caption]],
  sendDocument: [['caption', TELEGRAM_LIMITS.caption]],
  editMessageCaption: [['caption', TELEGRAM_LIMITS.caption]],
  answerCallbackQuery: [['text', TELEGRAM_LIMITS.callbackAnswer]],
  sendInvoice: [
    ['title', TELEGRAM_LIMITS.invoiceTitle],
    ['description', TELEGRAM_LIMITS.invoiceDescription],
  ],
};

/**
 * An API transformer that clips every outgoing text to Telegram's limit, so a long text (a
 * support request, a name, an admin's reply) is delivered shortened instead of refused. The
 * bot sends plain text only (no parse_mode), so cutting cannot break markup.
 */
export const clipOutgoingTexts: Transformer = (prev, method, payload, signal) => {
  let out = payload as Payload;
  for (const [field, max] of LIMITS[method] ?? []) out = clipField(out, field, max);
  if (method === 'sendMediaGroup' && Array.isArray(out.media)) {
    out = { ...out, media: out.media.map((item: Payload) => clipField(item, 'caption', TELEGRAM_LIMITS.caption)) };
  }
  return prev(method, out as typeof payload, signal);
};
