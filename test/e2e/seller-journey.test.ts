import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createI18n, type Locale } from '../../src/bot/i18n.js';
import { STYLE_CATALOGUE } from '../../src/services/style-catalogue.js';
import { useBotProcesses } from '../support/bot-process.js';
import { FakeBotApi, type RecordedCall } from '../support/fake-bot-api.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { createTranscript, json, keyboardOf, type Seen, type Transcript } from '../support/transcript.js';
import {
  callbackQuery,
  photoMessage,
  preCheckoutQuery,
  type Sender,
  successfulPayment,
  textMessage,
} from '../support/updates.js';

/**
 * A new seller's whole journey on the real bot process, over the fake Bot API and the fake
 * OpenAI, in each language: every message, button, style name and file name the seller sees is
 * kept in a transcript (printed with REPORT_TRANSCRIPT=1), and a Russian seller sees no English.
 */
const TOKEN = '7000000015:AAE-seller_journey_token_value_135790';
const openai = useFakeOpenAi();
const i18n = createI18n('en');
let telegram: FakeBotApi;
beforeAll(async () => {
  telegram = await new FakeBotApi({ token: TOKEN }).start();
});
afterAll(() => telegram.close());

/** The admin who builds the style gallery before the sellers come. */
const ADMIN = 41_500;

const bots = useBotProcesses('bot-journey-', {
  BOT_TOKEN: TOKEN,
  ADMIN_IDS: String(ADMIN),
  // One free photoshoot: the second photo meets the empty balance, the purchase and "Continue".
  FREE_PHOTOSHOOTS: '1',
  OPENAI_API_KEY: 'sk-e2e-test',
  AI_BACKOFF_INITIAL_MS: '10',
  JOB_POLL_MS: '100',
  TELEGRAM_POLL_TIMEOUT_S: '1',
});

interface Journey {
  locale: Locale;
  seller: Sender & { id: number; first_name: string };
  /** The bot's own texts in the seller's language (the steps find buttons and answers by them). */
  t: (key: string, variables?: Record<string, string | number>) => string;
  transcript: Transcript;
}

/** The seller does `action` (a line of the transcript); resolves once the bot made a call that is `done`. */
async function seller(j: Journey, action: string, send: () => void, done: (c: RecordedCall) => boolean) {
  j.transcript.read();
  j.transcript.say(`seller: ${action}`);
  const from = telegram.calls.length;
  send();
  await expect.poll(() => telegram.calls.slice(from).some(done), { timeout: 45_000, interval: 50 }).toBe(true);
  j.transcript.read();
}

/** A message to the seller whose text holds `text`; one whose keyboard has the button `label`. */
const texted = (j: Journey, text: string) => (c: RecordedCall) =>
  j.transcript.toChat(c) && String(c.payload.text ?? '').includes(text);
const offers = (j: Journey, label: string) => (c: RecordedCall) =>
  j.transcript.toChat(c) && keyboardOf(c).some((row) => row.some((b) => b.text === label));
/** The seller taps the button `label` of the last keyboard they were shown. */
const tap = (j: Journey, label: string) => () => {
  const data = keyboardOf(j.transcript.keyboard)
    .flat()
    .find((b) => b.text === label)?.callback_data;
  if (!data) throw new Error(`no button “${label}” on the last keyboard`);
  const update = callbackQuery(j.seller, data, 1);
  j.transcript.pressed(String(update.callback_query?.id));
  telegram.pushUpdate(update);
};
const labelOf = (call: RecordedCall | undefined, pattern: RegExp) =>
  keyboardOf(call)
    .flat()
    .find((b) => pattern.test(b.text))?.text ?? '';

/**
 * The journey, one step each: the seller's action and the answer it waits for. A new step
 * (the gallery, "Continue your photoshoot") goes where the seller meets it.
 */
const STEPS: { name: string; run: (j: Journey) => Promise<unknown> }[] = [
  {
    name: '/start',
    run: (j) =>
      seller(j, '/start', () => telegram.pushUpdate(textMessage(j.seller, '/start')), texted(j, j.seller.first_name)),
  },
  { name: 'photo', run: sendPhoto },
  { name: 'ratio', run: (j) => seller(j, 'taps [1:1]', tap(j, '1:1'), texted(j, j.t('choose-source'))) },
  {
    name: 'the style gallery',
    run: (j) => {
      // The last album holds the catalogue's last style.
      const last = STYLE_CATALOGUE.at(-1)?.name[j.locale] ?? '';
      return seller(
        j,
        `taps [${j.t('gallery-button')}]`,
        tap(j, j.t('gallery-button')),
        (c) =>
          j.transcript.toChat(c) && c.method === 'sendMediaGroup' && JSON.stringify(c.payload.media).includes(last),
      );
    },
  },
  {
    name: 'styles',
    run: (j) =>
      seller(j, `taps [${j.t('source-random')}]`, tap(j, j.t('source-random')), offers(j, j.t('button-generate'))),
  },
  {
    name: 'generate, one style fails',
    run: (j) => {
      openai().queue('edits', { status: 400 });
      const partial = j.t('progress-partial', { delivered: 3, total: 4, failed: 1 });
      return seller(j, `taps [${j.t('button-generate')}]`, tap(j, j.t('button-generate')), texted(j, partial));
    },
  },
  {
    name: 'retry the failed style',
    run: (j) =>
      seller(
        j,
        `taps [${j.t('button-retry')}]`,
        tap(j, j.t('button-retry')),
        texted(j, j.t('progress-done', { count: 1 })),
      ),
  },
  {
    name: '/history',
    run: (j) =>
      seller(
        j,
        '/history',
        () => telegram.pushUpdate(textMessage(j.seller, '/history')),
        texted(j, j.t('history-title')),
      ),
  },
  { name: 'a second photo', run: sendPhoto },
  { name: 'its ratio', run: (j) => seller(j, 'taps [3:4]', tap(j, '3:4'), texted(j, j.t('choose-source'))) },
  {
    name: 'its styles, with the balance spent',
    run: (j) => seller(j, `taps [${j.t('source-random')}]`, tap(j, j.t('source-random')), offers(j, j.t('button-buy'))),
  },
  {
    name: 'buy from the confirm step',
    run: (j) =>
      seller(
        j,
        `taps [${j.t('button-buy')}]`,
        tap(j, j.t('button-buy')),
        (c) => j.transcript.toChat(c) && c.method === 'sendMessage' && labelOf(c, /⭐/) !== '',
      ),
  },
  {
    name: 'choose a package',
    run: (j) => {
      const label = labelOf(j.transcript.keyboard, /⭐/);
      return seller(j, `taps [${label}]`, tap(j, label), (c) => j.transcript.toChat(c) && c.method === 'sendInvoice');
    },
  },
  {
    name: 'pay',
    run: async (j) => {
      const invoice = j.transcript.invoice as RecordedCall;
      const amount = (json(invoice.payload.prices) as { amount: number }[])[0]?.amount ?? 0;
      const payload = String(invoice.payload.payload);
      const checkout = preCheckoutQuery(j.seller, payload, amount);
      const id = checkout.pre_checkout_query?.id;
      const answered = (c: RecordedCall) =>
        c.method === 'answerPreCheckoutQuery' && c.payload.pre_checkout_query_id === id;
      await seller(j, 'pays in Telegram', () => telegram.pushUpdate(checkout), answered);
      expect(telegram.calls.find(answered)?.payload.ok).toBe(true);
      const payment = { payload, amount, chargeId: `stx-journey-${j.seller.id}` };
      return seller(
        j,
        '(Telegram confirms the payment)',
        () => telegram.pushUpdate(successfulPayment(j.seller, payment)),
        offers(j, j.t('button-continue')),
      );
    },
  },
  {
    name: 'continue the photoshoot',
    run: (j) =>
      seller(j, `taps [${j.t('button-continue')}]`, tap(j, j.t('button-continue')), offers(j, j.t('button-generate'))),
  },
  {
    name: 'generate it',
    run: (j) =>
      seller(
        j,
        `taps [${j.t('button-generate')}]`,
        tap(j, j.t('button-generate')),
        texted(j, j.t('progress-done', { count: 4 })),
      ),
  },
];

/** The seller sends a product photo and is asked for the ratio. */
function sendPhoto(j: Journey) {
  const file = telegram.addFile(fixture('flowers.jpeg'));
  return seller(
    j,
    'sends a product photo',
    () => telegram.pushUpdate(photoMessage(j.seller, file)),
    texted(j, j.t('choose-ratio')),
  );
}

/** An admin builds the style gallery from a sample product photo (once per deployment). */
async function buildGallery() {
  const photo = photoMessage({ id: ADMIN }, telegram.addFile(fixture('flowers.jpeg')));
  Object.assign(photo.message as object, {
    caption: '/gallery build',
    caption_entities: [{ type: 'bot_command', offset: 0, length: 8 }],
  });
  const from = telegram.calls.length;
  telegram.pushUpdate(photo);
  const built = (c: RecordedCall) =>
    c.method === 'sendMessage' && Number(c.payload.chat_id) === ADMIN && String(c.payload.text).startsWith('✅');
  await expect.poll(() => telegram.calls.slice(from).some(built), { timeout: 60_000, interval: 100 }).toBe(true);
}

/** Words a Russian seller may read in Latin letters (sellers' times are said in UTC). */
const ALLOWED_LATIN = new Set(['PNG', 'JPEG', 'WebP', 'Telegram', 'Stars', 'UTC']);
/** English words: the style catalogue's and those an English seller read on the same journey. */
const englishWords = new Set(
  JSON.stringify(STYLE_CATALOGUE)
    .toLowerCase()
    .match(/[a-z]{3,}/g),
);

/** The Latin words of a text (commands, ratios and allowed tokens aside). */
const latinWords = (text: string) =>
  (text.replace(/\/[a-z_]+/g, ' ').match(/[A-Za-z][A-Za-z'’]*/g) ?? []).filter((word) => !ALLOWED_LATIN.has(word));

/** What a Russian seller would find not Russian: English or Latin words, Cyrillic or English file names. */
/** Russian letters in Latin ones, the way every common scheme writes the plain ones ("лофт" is "loft"). */
const LATIN: Record<string, string> = Object.fromEntries(
  [...'абвгдезиклмнопрстуфы'].map((letter, i) => [letter, [...'abvgdeziklmnoprstufy'][i] ?? '']),
);
const transliterated = (word: string) => [...word].map((letter) => LATIN[letter] ?? letter).join('');

function notRussian(seen: Seen): string[] {
  const found: string[] = [];
  const check = (kind: string, values: string[]) => {
    for (const value of new Set(values)) {
      const words = latinWords(value);
      if (words.length > 0) found.push(`${kind} “${value}”: ${words.join(', ')}`);
    }
  };
  check('message', seen.texts);
  check('button', seen.buttons);
  check('style name', seen.styleNames);
  // A word of a Russian style name written in Latin letters is the transliteration, not English.
  const russian = new Set(seen.styleNames.flatMap((name) => name.toLowerCase().match(/\p{Script=Cyrillic}+/gu) ?? []));
  const written = new Set([...russian].map(transliterated));
  for (const name of new Set(seen.fileNames)) {
    const stem = name.replace(/\.(png|jpe?g|webp)$/i, '');
    const english = (stem.toLowerCase().match(/[a-z]+/g) ?? []).filter(
      (word) => englishWords.has(word) && !written.has(word),
    );
    if (/[^\x20-\x7e]/.test(stem)) found.push(`file name “${name}”: not transliterated`);
    if (english.length > 0) found.push(`file name “${name}”: English ${english.join(', ')}`);
  }
  return found;
}

describe.each([
  ['en', { id: 41_501, first_name: 'Ann', language_code: 'en' }],
  ['ru', { id: 41_502, first_name: 'Аня', language_code: 'ru' }],
] as const)('a seller journey in %s', (locale, sellerInfo) => {
  it('photo -> gallery -> styles -> Generate -> results -> free retry -> /history -> photo -> Buy -> pay -> Continue -> Generate', async () => {
    bots.start({
      TELEGRAM_API_ROOT: telegram.apiRoot,
      OPENAI_BASE_URL: openai().baseUrl,
      ...(await bots.freshDatabaseEnv()),
    });
    await expect.poll(() => telegram.callsOf('getUpdates').length, { timeout: 30_000 }).toBeGreaterThan(0);
    await buildGallery();
    const j: Journey = {
      locale,
      seller: { ...sellerInfo },
      t: (key, variables) => i18n.t(locale, key, variables),
      transcript: createTranscript(telegram, sellerInfo.id),
    };
    for (const step of STEPS) {
      try {
        await step.run(j);
      } catch (err) {
        throw new Error(`step “${step.name}”: ${String(err)}\n${j.transcript.seen.lines.join('\n')}`);
      }
    }
    j.transcript.read();
    if (process.env.REPORT_TRANSCRIPT) process.stdout.write(`\n— ${locale} —\n${j.transcript.seen.lines.join('\n')}\n`);

    // 3 images, the free retry's 1, then the paid photoshoot's 4: each a preview and a file.
    expect(j.transcript.seen.styleNames).toHaveLength(8);
    expect(j.transcript.seen.fileNames).toHaveLength(8);
    if (locale === 'en') {
      const cyrillic = [
        ...j.transcript.seen.texts,
        ...j.transcript.seen.buttons,
        ...j.transcript.seen.styleNames,
        ...j.transcript.seen.fileNames,
      ];
      expect(cyrillic.filter((value) => /\p{Script=Cyrillic}/u.test(value))).toEqual([]);
      for (const value of [...j.transcript.seen.texts, ...j.transcript.seen.buttons, ...j.transcript.seen.styleNames]) {
        for (const word of value.toLowerCase().match(/[a-z]{3,}/g) ?? []) englishWords.add(word);
      }
    } else {
      expect(notRussian(j.transcript.seen)).toEqual([]);
    }
  }, 180_000);
});
