import type { FakeBotApi, RecordedCall } from './fake-bot-api.js';
import { fixture } from './fixtures.js';
import { callbackQuery, photoMessage } from './updates.js';

/** The callback data of the button whose text matches, on the keyboard of `call`. */
export function button(call: RecordedCall, text: RegExp): string {
  const markup = call.payload.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] };
  const found = markup.inline_keyboard.flat().find((b) => text.test(b.text));
  if (!found) throw new Error(`No button ${text} in ${JSON.stringify(markup)}`);
  return found.callback_data;
}

/**
 * A seller's presses on the fake Bot API `telegram()` (read at each press, since a test may
 * start a new one), each waited for up to `timeoutMs`; the photo's first answer up to
 * `photoTimeoutMs`.
 */
export function buttonPresses(telegram: () => FakeBotApi, { timeoutMs = 10_000, photoTimeoutMs = 20_000 } = {}) {
  /** Presses a button under `messageId` and resolves with the bot's next `method` call to that chat. */
  async function press(chatId: number, data: string, messageId = 1, method = 'editMessageText') {
    const api = telegram();
    const from = api.calls.length;
    api.pushUpdate(callbackQuery({ id: chatId }, data, messageId));
    return api.waitForCall(method, (c) => Number(c.payload.chat_id) === chatId, { from, timeoutMs });
  }

  /** Presses a button under message 1 and resolves with Telegram's answer to that very callback query. */
  async function pressForAnswer(seller: { id: number }, data: string) {
    const api = telegram();
    const update = callbackQuery(seller, data, 1);
    const id = update.callback_query?.id;
    const from = api.calls.length;
    api.pushUpdate(update);
    return api.waitForCall('answerCallbackQuery', (c) => c.payload.callback_query_id === id, { from, timeoutMs });
  }

  /** Sends a photo and walks to the confirm screen (ratio, random styles); resolves with the confirm call. */
  async function toConfirm(seller: { id: number; first_name: string }, ratio = /^1:1$/) {
    const api = telegram();
    const file = api.addFile(fixture('flowers.jpeg'));
    const before = api.calls.length;
    api.pushUpdate(photoMessage(seller, file));
    const ratioPrompt = await api.waitForCall('sendMessage', (c) => c.payload.chat_id === seller.id, {
      timeoutMs: photoTimeoutMs,
      from: before,
    });
    const sourcePrompt = await press(seller.id, button(ratioPrompt, ratio));
    return press(seller.id, button(sourcePrompt, /Random/));
  }

  return { press, pressForAnswer, toConfirm };
}
