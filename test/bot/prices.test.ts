import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageData } from '../../src/bot/callback-data/buy.js';
import { isPriceQuestion } from '../../src/bot/features/unhandled.js';
import { packagePrices } from '../../src/bot/views/prices.js';
import type { StarsPackage } from '../../src/config/index.js';
import { createBotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { textMessage, withId } from '../support/updates.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const DEFAULT_PACKAGES: StarsPackage[] = [
  { photoshoots: 3, stars: 150 },
  { photoshoots: 10, stars: 450 },
  { photoshoots: 30, stars: 1200 },
  { photoshoots: 100, stars: 3500 },
];
/** The cheapest per photoshoot is not the biggest package; 100 Stars for 3 is 33.3… each. */
const ODD_PACKAGES: StarsPackage[] = [
  { photoshoots: 1, stars: 60 },
  { photoshoots: 3, stars: 100 },
  { photoshoots: 5, stars: 200 },
];

type Harness = ReturnType<typeof createBotHarness>;
const ids = { next: 15_000 };

/** A new seller in `locale`, with the bot configured as given. */
function seller(locale: 'en' | 'ru', options: { packages?: StarsPackage[]; free?: number; adminIds?: number[] } = {}) {
  const h = createBotHarness({
    db: database.handle.db,
    freePhotoshoots: options.free ?? 2,
    ...(options.packages && { packages: options.packages }),
    ...(options.adminIds && { adminIds: options.adminIds }),
  });
  const from = { id: ids.next++, first_name: 'Ann', language_code: locale };
  return { h, from, say: (text: string) => say(h, from, text) };
}

/** Sends `text` and resolves with the bot's replies to it in the sender's chat (text and buttons). */
async function say(h: Harness, from: { id: number }, text: string) {
  const before = h.sent().length;
  await h.handle(withId(textMessage(from, text)));
  return h
    .sent()
    .slice(before)
    .filter((c) => c.payload.chat_id === from.id)
    .map((c) => {
      const markup = c.payload.reply_markup as { inline_keyboard?: { text: string; callback_data: string }[][] };
      return { text: String(c.payload.text), buttons: (markup?.inline_keyboard ?? []).flat() };
    });
}

describe('/start says what a photoshoot costs', () => {
  it('to a new seller: the free ones and the cheapest price per photoshoot, in English and Russian', async () => {
    const en = seller('en');
    expect((await en.say('/start'))[0]?.text).toBe(
      [
        'Welcome, Ann! 📸',
        '',
        'Send me a photo of your product and I will turn it into a professional photoshoot: four marketing images in different styles, as previews and as full-quality PNG files.',
        '',
        'Your first 2 photoshoots are free. After that, a photoshoot costs from 35 ⭐ (packages in /buy).',
        '',
        'Tips for a good photo: /help.',
      ].join('\n'),
    );
    const ru = seller('ru');
    expect((await ru.say('/start'))[0]?.text).toBe(
      [
        'Добро пожаловать, Ann! 📸',
        '',
        'Пришлите фото товара, и я сделаю из него профессиональную фотосессию: четыре рекламных изображения в разных стилях — превью и PNG-файлы в полном качестве.',
        '',
        'Первые 2 фотосессии — бесплатно. Дальше фотосессия стоит от 35 ⭐ (пакеты — в /buy).',
        '',
        'Советы, как сделать хорошее фото: /help.',
      ].join('\n'),
    );
  });

  it('follows the configured packages and free photoshoots, with plurals', async () => {
    const cases: [StarsPackage[], number, 'en' | 'ru', string][] = [
      [
        ODD_PACKAGES,
        1,
        'en',
        'Your first photoshoot is free. After that, a photoshoot costs from 33.3 ⭐ (packages in /buy).',
      ],
      [ODD_PACKAGES, 1, 'ru', 'Первая фотосессия — бесплатно. Дальше фотосессия стоит от 33,3 ⭐ (пакеты — в /buy).'],
      [
        [{ photoshoots: 5, stars: 250 }],
        5,
        'en',
        'Your first 5 photoshoots are free. After that, a photoshoot costs from 50 ⭐',
      ],
      [[{ photoshoots: 5, stars: 250 }], 5, 'ru', 'Первые 5 фотосессий — бесплатно. Дальше фотосессия стоит от 50 ⭐'],
      [DEFAULT_PACKAGES, 21, 'ru', 'Первая 21 фотосессия — бесплатно.'],
      [DEFAULT_PACKAGES, 0, 'en', 'A photoshoot costs from 35 ⭐; the packages are in /buy.'],
      [DEFAULT_PACKAGES, 0, 'ru', 'Фотосессия стоит от 35 ⭐; пакеты — в /buy.'],
    ];
    for (const [packages, free, locale, line] of cases) {
      const s = seller(locale, { packages, free });
      const [reply] = await s.say('/start');
      expect(reply?.text).toContain(line);
      expect(reply?.text).not.toMatch(/\b1 photoshoots\b/);
    }
  });

  it('to a returning seller: the balance and the price of more', async () => {
    const en = seller('en');
    await en.say('/start');
    expect((await en.say('/start'))[0]?.text).toBe(
      'Welcome back, Ann! 📸\n\nSend me a product photo to start a new photoshoot. Your balance: 2 photoshoots. More photoshoots cost from 35 ⭐ each in /buy.',
    );
    const ru = seller('ru', { packages: ODD_PACKAGES, free: 1 });
    await ru.say('/start');
    expect((await ru.say('/start'))[0]?.text).toBe(
      'С возвращением, Ann! 📸\n\nПришлите фото товара, чтобы начать новую фотосессию. На балансе: 1 фотосессия. Купить ещё можно в /buy — от 33,3 ⭐ за фотосессию.',
    );
  });
});

describe('/help', () => {
  it('says what makes a good photo and what photoshoots cost, in English and Russian', async () => {
    const en = (await seller('en').say('/help'))[0]?.text ?? '';
    expect(en).toContain(
      [
        '📷 What makes a good photo:',
        '• good, even light (daylight from a window works well), no harsh shadows;',
        '• a plain, uncluttered background;',
        '• the whole product in the frame, nothing cut off;',
        '• one product per photo.',
        '',
        '💳 Prices: your first 2 photoshoots are free; after that, from 35 ⭐ per photoshoot. The packages and what they save: /buy.',
      ].join('\n'),
    );
    const ru = (await seller('ru').say('/help'))[0]?.text ?? '';
    expect(ru).toContain(
      [
        '📷 Какое фото подойдёт лучше всего:',
        '• хороший ровный свет (подойдёт дневной свет у окна), без резких теней;',
        '• простой однотонный фон без лишних предметов;',
        '• товар целиком в кадре, ничего не обрезано;',
        '• один товар на фото.',
        '',
        '💳 Цены: первые 2 фотосессии — бесплатно, дальше — от 35 ⭐ за фотосессию. Пакеты и их выгода — в /buy.',
      ].join('\n'),
    );
  });

  it('follows the configured packages and free photoshoots', async () => {
    expect((await seller('en', { packages: ODD_PACKAGES, free: 0 }).say('/help'))[0]?.text).toContain(
      '💳 Prices: a photoshoot costs from 33.3 ⭐. The packages and what they save: /buy.',
    );
    expect((await seller('ru', { packages: ODD_PACKAGES, free: 1 }).say('/help'))[0]?.text).toContain(
      '💳 Цены: первая фотосессия — бесплатно, дальше — от 33,3 ⭐ за фотосессию.',
    );
  });
});

describe('/buy', () => {
  it('shows each package with its price per photoshoot and its saving against the smallest', async () => {
    const [en] = await seller('en').say('/buy');
    expect(en?.text).toBe(
      [
        '🛒 Choose a package. One photoshoot is four images of your product in the styles you pick, as previews and full-quality PNG files. Paid with Telegram Stars.',
        '',
        '• 3 photoshoots — 150 ⭐ (50 ⭐ per photoshoot)',
        '• 10 photoshoots — 450 ⭐ (45 ⭐ per photoshoot, −10%)',
        '• 30 photoshoots — 1,200 ⭐ (40 ⭐ per photoshoot, −20%)',
        '• 100 photoshoots — 3,500 ⭐ (35 ⭐ per photoshoot, −30%)',
        '',
        'The percentage is what you save on each photoshoot against the smallest package (3 photoshoots).',
      ].join('\n'),
    );
    expect(en?.buttons.map((b) => b.text)).toEqual([
      '3 photoshoots · 150 ⭐',
      '10 photoshoots · 450 ⭐ · −10%',
      '30 photoshoots · 1,200 ⭐ · −20%',
      '100 photoshoots · 3,500 ⭐ · −30%',
    ]);
    expect(en?.buttons.map((b) => b.callback_data)).toEqual(
      DEFAULT_PACKAGES.map((p) => packageData.pack({ photoshoots: p.photoshoots, stars: p.stars })),
    );
    const [ru] = await seller('ru').say('/buy');
    expect(ru?.text).toBe(
      [
        '🛒 Выберите пакет. Одна фотосессия — четыре изображения вашего товара в выбранных стилях: превью и PNG-файлы в полном качестве. Оплата в Telegram Stars.',
        '',
        '• 3 фотосессии — 150 ⭐ (50 ⭐ за фотосессию)',
        '• 10 фотосессий — 450 ⭐ (45 ⭐ за фотосессию, −10%)',
        '• 30 фотосессий — 1\u00a0200 ⭐ (40 ⭐ за фотосессию, −20%)',
        '• 100 фотосессий — 3\u00a0500 ⭐ (35 ⭐ за фотосессию, −30%)',
        '',
        'Процент — это экономия на каждой фотосессии по сравнению с самым маленьким пакетом (3 фотосессии).',
      ].join('\n'),
    );
    expect(ru?.buttons.map((b) => b.text)).toEqual([
      '3 фотосессии · 150 ⭐',
      '10 фотосессий · 450 ⭐ · −10%',
      '30 фотосессий · 1\u00a0200 ⭐ · −20%',
      '100 фотосессий · 3\u00a0500 ⭐ · −30%',
    ]);
  });

  it('rounds savings down, shows none for a dearer package, and no note when nothing saves', async () => {
    const [odd] = await seller('en', { packages: ODD_PACKAGES }).say('/buy');
    expect(odd?.text).toContain(
      [
        '• 1 photoshoot — 60 ⭐ (60 ⭐ per photoshoot)',
        '• 3 photoshoots — 100 ⭐ (33.3 ⭐ per photoshoot, −44%)',
        '• 5 photoshoots — 200 ⭐ (40 ⭐ per photoshoot, −33%)',
        '',
        'The percentage is what you save on each photoshoot against the smallest package (1 photoshoot).',
      ].join('\n'),
    );
    expect(
      packagePrices([
        { photoshoots: 2, stars: 100 },
        { photoshoots: 4, stars: 240 },
      ]).map((p) => p.saving),
    ).toEqual([0, 0]);
    const [flat] = await seller('ru', {
      packages: [
        { photoshoots: 2, stars: 100 },
        { photoshoots: 4, stars: 240 },
      ],
    }).say('/buy');
    expect(flat?.text.split('\n').slice(2)).toEqual([
      '• 2 фотосессии — 100 ⭐ (50 ⭐ за фотосессию)',
      '• 4 фотосессии — 240 ⭐ (60 ⭐ за фотосессию)',
    ]);
  });
});

describe('a question about the price', () => {
  const QUESTIONS = {
    en: [
      'How much does it cost?',
      'price',
      'PRICE?',
      'how much',
      'How much?',
      'What are your prices',
      'pricing please',
      'what does a photoshoot cost',
    ],
    ru: [
      'Сколько стоит?',
      'цена',
      'ЦЕНА?',
      'Какая стоимость?',
      'прайс',
      'Скиньте прайс-лист',
      'сколько это стоит',
      'Почём фотосессия?',
      'Сколько?',
      'какие цены',
    ],
  };
  const UNRELATED = [
    'hello',
    'how much time does it take?',
    'a priceless vase',
    'costume jewellery',
    'Оцените мой товар',
    'концентрат для сока',
    'ценный подарок',
    'сколько ждать?',
  ];

  it('is recognised in English and Russian, whatever the case, and unrelated text is not', () => {
    for (const text of [...QUESTIONS.en, ...QUESTIONS.ru]) expect(isPriceQuestion(text), text).toBe(true);
    for (const text of UNRELATED) expect(isPriceQuestion(text), text).toBe(false);
  });

  it('is answered with the packages and their buy buttons, in the seller’s language', async () => {
    for (const locale of ['en', 'ru'] as const) {
      const s = seller(locale);
      const [buy] = await s.say('/buy');
      for (const question of QUESTIONS[locale]) {
        const replies = await s.say(question);
        expect(replies, question).toEqual([buy]);
      }
    }
  });

  it('leaves other text to the unknown answer', async () => {
    const en = seller('en');
    for (const text of UNRELATED.slice(0, 4)) {
      expect((await en.say(text))[0]?.text).toBe(
        'I did not understand that. Send me a photo of your product, or /help to see what I can do.',
      );
    }
    const ru = seller('ru');
    for (const text of UNRELATED.slice(4)) {
      expect((await ru.say(text))[0]?.text).toBe(
        'Не понимаю это сообщение. Пришлите фото товара или откройте /help, чтобы узнать, что я умею.',
      );
    }
  });

  it('does not take the answer to a question the bot asked (a payment support request)', async () => {
    const admin = ids.next++;
    const s = seller('en', { adminIds: [admin] });
    await s.say('/paysupport');
    const replies = await s.say('How much does it cost? I paid twice');
    expect(replies.map((r) => r.text)).toEqual(['📨 Sent to our team. They will answer you in this chat.']);
    const forwarded = s.h.sent().find((c) => c.payload.chat_id === admin);
    expect(String(forwarded?.payload.text)).toContain(`Payment support request from Ann (${s.from.id}):`);
    // The question answered, the next price question gets the packages again.
    expect((await s.say('price'))[0]?.text).toContain('🛒 Choose a package.');
  });
});
