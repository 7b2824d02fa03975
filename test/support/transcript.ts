import type { FakeBotApi, RecordedCall } from './fake-bot-api.js';

/** What a user saw, in order: each line as the transcript prints it, and each part by kind. */
export interface Seen {
  lines: string[];
  texts: string[];
  buttons: string[];
  styleNames: string[];
  fileNames: string[];
}

/** A payload field as an object (multipart bodies carry objects as JSON text). */
export const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);

/** The inline keyboard of a call, row by row ([] without one). */
export const keyboardOf = (call: RecordedCall | undefined): { text: string; callback_data?: string }[][] =>
  (json(call?.payload.reply_markup) as { inline_keyboard?: { text: string }[][] } | undefined)?.inline_keyboard ?? [];

/**
 * The transcript of one chat on the fake Bot API: `read()` takes in the bot's calls to the chat
 * since the last read (messages and their edits, keyboards, previews with their captions, files
 * with their names, invoices, pop-up answers to the user's own button presses).
 */
export function createTranscript(telegram: FakeBotApi, chatId: number) {
  const seen: Seen = { lines: [], texts: [], buttons: [], styleNames: [], fileNames: [] };
  const queries = new Set<string>();
  let read = telegram.calls.length;
  const state = {
    seen,
    /** The last message with a keyboard and the last invoice the user was shown. */
    keyboard: undefined as RecordedCall | undefined,
    invoice: undefined as RecordedCall | undefined,
    /** A line the user's side writes ("seller: taps [1:1]"). */
    say: (line: string) => seen.lines.push(line),
    /** A callback query the user sent: the bot's answer to it is theirs. */
    pressed: (queryId: string) => queries.add(queryId),
    /** Whether a call of the bot is addressed to this chat. */
    toChat: (call: RecordedCall) =>
      Number(call.payload.chat_id) === chatId || queries.has(String(call.payload.callback_query_id ?? '')),
    read() {
      const calls = telegram.calls.slice(read).filter(state.toChat);
      read = telegram.calls.length;
      for (const call of calls) take(call);
    },
  };
  return state;

  function take(call: RecordedCall) {
    const p = call.payload;
    const text = String(p.text ?? '');
    if (call.method === 'sendMessage' || call.method === 'editMessageText') {
      seen.lines.push(`bot${call.method === 'editMessageText' ? ' (edits)' : ''}: ${text.replace(/\n/g, '\n     ')}`);
      seen.texts.push(text);
    }
    const rows = keyboardOf(call);
    if (rows.length > 0) state.keyboard = call;
    for (const row of rows) {
      seen.lines.push(`     ${row.map((b) => `[${b.text}]`).join(' ')}`);
      seen.buttons.push(...row.map((b) => b.text));
    }
    for (const item of mediaOf(call)) {
      const caption = typeof item.caption === 'string' ? item.caption : '';
      if (item.type === 'photo') {
        // A photo sent again by its file id (a gallery example, a /history thumbnail) is text to
        // read; a new upload is a result's preview, captioned with its style's name.
        const resent = typeof item.media === 'string' && !item.media.startsWith('attach://');
        seen.lines.push(`bot: 🖼 ${resent ? 'picture' : 'preview'} “${caption}”`);
        if (caption) (resent ? seen.texts : seen.styleNames).push(caption);
        continue;
      }
      const file = call.files.find((f) => `attach://${f.name}` === item.media) ?? call.files[0];
      seen.lines.push(`bot: 📎 ${file?.filename ?? item.media}${caption ? ` “${caption}”` : ''}`);
      if (file?.filename) seen.fileNames.push(file.filename);
    }
    if (call.method === 'sendInvoice') {
      state.invoice = call;
      const prices = json(p.prices) as { label: string; amount: number }[];
      seen.lines.push(`bot: 🧾 invoice “${p.title}” — ${p.description} — ${prices[0]?.amount} ⭐`);
      seen.texts.push(String(p.title), String(p.description), ...prices.map((price) => price.label));
    }
    if (call.method === 'answerCallbackQuery' && p.text) {
      seen.lines.push(`bot (pop-up): ${p.text}`);
      seen.texts.push(String(p.text));
    }
  }
}

/** The pictures and files a call sends: an album's items, or the one photo or document. */
function mediaOf(call: RecordedCall): { type: string; media: string; caption?: unknown }[] {
  const p = call.payload;
  if (call.method === 'sendMediaGroup') return json(p.media);
  if (call.method === 'sendPhoto') return [{ type: 'photo', media: String(p.photo), caption: p.caption }];
  if (call.method === 'sendDocument') return [{ type: 'document', media: String(p.document), caption: p.caption }];
  return [];
}

export type Transcript = ReturnType<typeof createTranscript>;
