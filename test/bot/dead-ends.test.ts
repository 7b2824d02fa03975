import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buyData, packageData } from '../../src/bot/callback-data/buy.js';
import { examplesData, ratioData, saveData, sourceData } from '../../src/bot/callback-data/photoshoot.js';
import { createI18n, type Locale } from '../../src/bot/i18n.js';
import { createResultMarkup } from '../../src/bot/keyboards/photoshoot-results.js';
import { createTelegramPhotoshootReporter } from '../../src/bot/photoshoot-report.js';
import { createTelegramPreviewReporter } from '../../src/bot/preview-report.js';
import { parseConfig } from '../../src/config/index.js';
import { findPhotoshoot } from '../../src/db/photoshoots.js';
import type { StylePreview } from '../../src/db/previews.js';
import { imagesOf, recordImage } from '../../src/db/processed-images.js';
import { queuePhotoshoot } from '../../src/db/queue.js';
import { savedStylesOf } from '../../src/db/saved-styles.js';
import { photoshootDrafts, photoshoots } from '../../src/db/schema.js';
import { finishPhotoshoot } from '../../src/db/settlement.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { AiUnavailableError } from '../../src/services/ai-errors.js';
import { ImageRejectedError } from '../../src/services/image-converter.js';
import { deliveredPhotoshoot } from '../support/credits.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { balanceAndLedger } from '../support/ledger.js';
import { silentLogger } from '../support/logger.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import {
  callbackQuery,
  photoMessage,
  type Sender,
  successfulPayment,
  textMessage,
  withId,
} from '../support/updates.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());
afterEach(() => {
  vi.useRealTimers();
});

const db = () => database.handle.db;
const ADMIN = 9999;
const config = parseConfig({ BOT_TOKEN: '1:test' });
const i18n = createI18n('en');

/**
 * A text of the bot in `locale`, from its own bundle. A key the bundle lacks (answered as
 * "{key}") fails here, rather than being expected of the bot as it is.
 */
function translator(locale: Locale) {
  return (key: string, variables?: Record<string, string | number>) => {
    const text = i18n.t(locale, key, variables);
    if (text.includes('{')) throw new Error(`no text for "${key}" in ${locale}: ${text}`);
    return text;
  };
}

/** The bot's words the tests look for, as a seller reads them in each language. */
function wordsOf(locale: Locale) {
  const t = translator(locale);
  return {
    generate: t('button-generate'),
    buy: t('button-buy'),
    examples: t('gallery-examples-button'),
    back: t('button-back'),
    packages: t('buy-title'),
    continue: t('button-continue'),
    paid: (count: number, balance: number) => t('payment-received', { count, balance }),
    credited: (count: number, balance: number) => t('payment-credited-late', { count, balance }),
    // The queue message's opening, before its position and wait ("…in the queue: position 2, …").
    queued: t('progress-queued', { position: 1, minutes: 1 }).split(':')[0] ?? '',
    tryAgain: t('button-try-again'),
    failed: t('progress-failed'),
    busy: (seconds: number) => t('progress-busy', { seconds }),
    tried: t('try-again-used'),
    corrupt: `${t('progress-rejected', { reason: t('photo-corrupt') })}\n\n${t('failure-new-photo')}`,
    previewCorrupt: `${t('photo-corrupt')}\n\n${t('failure-new-photo')}`,
    canceled: t('progress-canceled', { charged: 'no' }),
    analyseAgain: t('button-analyse-again'),
    random: t('source-random'),
    saved: t('source-saved'),
    previewFailed: t('preview-failed'),
    analysing: t('analysing-preview'),
    cancel: t('button-cancel-question'),
    cancelledName: t('cancelled-style-name'),
    cancelledSupport: t('cancelled-paysupport'),
    closed: t('question-closed'),
    nothing: t('cancel-nothing'),
    unhandled: t('unhandled-message'),
  };
}
const LOCALES = ['en', 'ru'] as const;

type Harness = ReturnType<typeof createPhotoshootHarness>;
type Call = Harness['calls'][number];
type Button = { text: string; callback_data: string };

const buttonsOf = (call: Call | undefined): Button[] =>
  ((call?.payload.reply_markup as { inline_keyboard: Button[][] } | undefined)?.inline_keyboard ?? []).flat();
const buttonTexts = (call: Call | undefined) => buttonsOf(call).map((b) => b.text);
function buttonData(call: Call | undefined, text: string): string {
  const found = buttonsOf(call).find((b) => b.text === text);
  if (!found) throw new Error(`No button "${text}" in ${JSON.stringify(call?.payload.reply_markup)}`);
  return found.callback_data;
}

/** Feeds an update; returns the calls the bot made for it. */
async function handle(h: Harness, update: Parameters<typeof withId>[0]) {
  const from = h.calls.length;
  await h.handle(withId(update));
  return h.calls.slice(from);
}
const last = (calls: Call[], method: string) => calls.filter((c) => c.method === method).at(-1);
const answerOf = (calls: Call[]) => last(calls, 'answerCallbackQuery')?.payload;

async function userOf(seller: Sender) {
  const user = await findUserByTelegramId(db(), seller.id);
  if (!user) throw new Error(`seller ${seller.id} is not registered`);
  return user;
}
const jobsOf = async (seller: Sender) =>
  db()
    .select()
    .from(photoshoots)
    .where(eq(photoshoots.userId, (await userOf(seller)).id));
const draftsOf = async (seller: Sender) =>
  db()
    .select()
    .from(photoshootDrafts)
    .where(eq(photoshootDrafts.userId, (await userOf(seller)).id));

/** A photo (or an album of `photos`) set up to its confirm step with random styles; the confirm call. */
async function toConfirm(h: Harness, seller: Sender, photos = 1) {
  for (let n = 0; n < photos; n++) {
    const file = { file_id: `p${seller.id}-${n}`, file_unique_id: `u${seller.id}-${n}` };
    await handle(h, photoMessage(seller, file, photos > 1 ? `album-${seller.id}` : undefined));
  }
  const [draft] = await draftsOf(seller);
  const id = draft?.id ?? -1;
  await handle(h, callbackQuery(seller, ratioData.pack({ draft: id, ratio: '3x4' })));
  const calls = await handle(h, callbackQuery(seller, sourceData.pack({ draft: id, source: 'random' })));
  return { draftId: id, confirm: last(calls, 'editMessageText') };
}

/** The confirm text of `seller`'s draft (random styles, ratio 3:4) at `balance`, in the bot's words. */
async function confirmTextOf(locale: Locale, seller: Sender, balance: number) {
  const [draft] = await draftsOf(seller);
  // Random styles are different catalogue styles: each named once.
  const styles = (draft?.styles ?? []).map((s) => s.name).join(', ');
  const photos = draft?.photos.length ?? 0;
  const t = translator(locale);
  return photos > 1
    ? t('confirm-batch', { styles, ratio: '3:4', photos, balance })
    : t('confirm', { styles, ratio: '3:4', balance });
}

/** The first package bought through its button and paid; the payment's message. */
async function pay(h: Harness, seller: Sender) {
  const pkg = config.payments.packages[0];
  if (!pkg) throw new Error('no package');
  const data = packageData.pack({ photoshoots: pkg.photoshoots, stars: pkg.stars });
  const invoice = last(await handle(h, callbackQuery(seller, data)), 'sendInvoice');
  const payment = { payload: String(invoice?.payload.payload), amount: pkg.stars, chargeId: `ch-${seller.id}` };
  return { pkg, paid: last(await handle(h, successfulPayment(seller, payment)), 'sendMessage') };
}

describe.each(LOCALES)('the confirm step knows the balance (%s)', (locale) => {
  const words = wordsOf(locale);
  const base = locale === 'en' ? 9100 : 9200;

  it('at 0 shows Buy, not Generate; Buy opens the packages; after the payment, Continue brings the confirm step back with Generate, which charges once', async () => {
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 0 });
    const seller = { id: base + 1, language_code: locale };
    const { draftId, confirm } = await toConfirm(h, seller);
    expect(confirm?.payload.text).toBe(await confirmTextOf(locale, seller, 0));
    // Random styles come from the catalogue: their examples are a row of their own.
    expect(buttonTexts(confirm)).toEqual([words.buy, words.examples, words.back]);
    expect(buttonData(confirm, words.buy)).toBe(buyData.pack({}));
    expect(buttonData(confirm, words.examples)).toBe(examplesData.pack({ draft: draftId }));

    const packages = last(await handle(h, callbackQuery(seller, buttonData(confirm, words.buy))), 'sendMessage');
    expect(String(packages?.payload.text)).toContain(words.packages);
    const { pkg, paid } = await pay(h, seller);
    expect(paid?.payload.text).toBe(words.paid(pkg.photoshoots, pkg.photoshoots));
    expect(buttonTexts(paid)).toEqual([words.continue]);

    const back = last(await handle(h, callbackQuery(seller, buttonData(paid, words.continue))), 'sendMessage');
    expect(back?.payload.text).toBe(await confirmTextOf(locale, seller, pkg.photoshoots));
    expect(buttonTexts(back)).toEqual([words.generate, words.examples, words.back]);
    expect((await draftsOf(seller))[0]).toMatchObject({
      id: draftId,
      submittedAt: null,
      messageId: expect.any(Number),
    });

    const queued = await handle(h, callbackQuery(seller, buttonData(back, words.generate)));
    expect(String(last(queued, 'editMessageText')?.payload.text)).toContain(words.queued);
    expect(await jobsOf(seller)).toMatchObject([{ aspectRatio: '3:4', sourceFileId: `p${seller.id}-0` }]);
    expect(h.kicks()).toBe(1);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({
      balance: pkg.photoshoots - 1,
      ledgerSum: pkg.photoshoots - 1,
    });
  });

  it('shows Buy for a batch of more photos than the balance, and Generate for one it covers', async () => {
    const short = createPhotoshootHarness({ db: db(), freePhotoshoots: 2 });
    const shortSeller = { id: base + 2, language_code: locale };
    const { confirm } = await toConfirm(short, shortSeller, 3);
    expect(confirm?.payload.text).toBe(await confirmTextOf(locale, shortSeller, 2));
    expect(buttonTexts(confirm)).toEqual([words.buy, words.examples, words.back]);
    const covered = createPhotoshootHarness({ db: db(), freePhotoshoots: 3 });
    const enoughSeller = { id: base + 3, language_code: locale };
    const enough = await toConfirm(covered, enoughSeller, 3);
    expect(enough.confirm?.payload.text).toBe(await confirmTextOf(locale, enoughSeller, 3));
    expect(buttonTexts(enough.confirm)).toEqual([words.generate, words.examples, words.back]);
  });

  it("offers Continue with a payment an admin credited by hand (/credit), in the seller's language", async () => {
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 0, adminIds: [ADMIN] });
    const seller = { id: base + 5, language_code: locale };
    const { draftId } = await toConfirm(h, seller);
    const pkg = config.payments.packages[0];
    if (!pkg) throw new Error('no package');
    const calls = await handle(h, textMessage({ id: ADMIN }, `/credit stx-${seller.id} ${pkg.stars} ${seller.id}`));
    const told = calls.find((c) => c.method === 'sendMessage' && c.payload.chat_id === seller.id);
    expect(told?.payload.text).toBe(words.credited(pkg.photoshoots, pkg.photoshoots));
    expect(buttonTexts(told)).toEqual([words.continue]);
    const back = last(await handle(h, callbackQuery(seller, buttonData(told, words.continue))), 'sendMessage');
    expect(back?.payload.text).toBe(await confirmTextOf(locale, seller, pkg.photoshoots));
    expect(buttonTexts(back)).toEqual([words.generate, words.examples, words.back]);
    expect((await draftsOf(seller))[0]?.id).toBe(draftId);
  });

  it('sends a payment with no set-up draft without Continue', async () => {
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 0 });
    const seller = { id: base + 4, language_code: locale };
    await handle(h, photoMessage(seller, { file_id: 'x', file_unique_id: 'ux' }));
    const { pkg, paid } = await pay(h, seller);
    expect(paid?.payload.text).toBe(words.paid(pkg.photoshoots, pkg.photoshoots));
    expect(paid?.payload.reply_markup).toBeUndefined();
  });
});

/** A charged photoshoot of `seller` whose images all failed, settled as the worker settles it (credit released). */
async function failedPhotoshoot(h: Harness, seller: Sender, errors: string[] = ['ImageError: refused']) {
  await handle(h, textMessage(seller, '/start'));
  const user = await userOf(seller);
  const queued = await db().transaction((tx) =>
    queuePhotoshoot(tx, {
      userId: user.id,
      chatId: seller.id,
      sourceFileId: `src-${seller.id}`,
      sourceFileUniqueId: `srcu-${seller.id}`,
      aspectRatio: '9:16',
      styleSource: 'analysis',
      styles: errors.map((_, n) => ({ name: `Style ${n}`, prompt: `scene ${n}` })),
    }),
  );
  const images = await imagesOf(db(), queued.id);
  for (const [n, image] of images.entries()) {
    await recordImage(db(), image.id, { status: 'failed', error: errors[n] ?? 'ImageError: refused' });
  }
  expect(await finishPhotoshoot(db(), queued.id, 'failed')).toBe('released');
  const job = await findPhotoshoot(db(), queued.id);
  if (!job) throw new Error('no job');
  return { job: { ...job, progressMessageId: 1 }, images: await imagesOf(db(), job.id) };
}

/** The worker's report of `job`, drawn by the real reporter over the bot's API; resolves with its final call. */
async function report(h: Harness, job: Awaited<ReturnType<typeof failedPhotoshoot>>['job']) {
  const reporter = createTelegramPhotoshootReporter({
    db: db(),
    api: h.bot.api,
    i18n,
    logger: silentLogger,
    config,
    resultMarkup: createResultMarkup(i18n),
  });
  const run = await reporter.open(job, { owner: 'test', attempts: 1 }, { stopped: async () => false, blocked() {} });
  return {
    async finished(images: Awaited<ReturnType<typeof imagesOf>>, err: unknown) {
      const from = h.calls.length;
      const failures = images.map((image) => ({ image, err }));
      await run.finished({ images, ready: [], delivered: 0, failures, settlement: 'released' });
      return last(h.calls.slice(from), 'editMessageText');
    },
    async ended(err: unknown, canceled = false) {
      const from = h.calls.length;
      await run.ended({ err, canceled, settlement: canceled ? 'unchanged' : 'released' });
      return last(h.calls.slice(from), 'editMessageText');
    },
  };
}

describe.each(LOCALES)('a photoshoot that delivered nothing (%s)', (locale) => {
  const words = wordsOf(locale);
  const base = locale === 'en' ? 9300 : 9400;

  it('carries Try again, which queues the same photo, ratio and styles, charged once, and is used once', async () => {
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 3 });
    const seller = { id: base + 1, language_code: locale };
    const { job, images } = await failedPhotoshoot(h, seller, [
      'ImageError: refused',
      'ContentRejectedError: declined by the safety system',
    ]);
    const end = await (await report(h, job)).finished(images, new Error('refused'));
    // Nothing delivered: no line naming the product, only the failure and Try again.
    expect(end?.payload.text).toBe(words.failed);
    expect(buttonTexts(end)).toEqual([words.tryAgain]);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 3, ledgerSum: 3 });

    const pressed = await handle(h, callbackQuery(seller, buttonData(end, words.tryAgain)));
    expect(String(last(pressed, 'sendMessage')?.payload.text)).toContain(words.queued);
    const again = (await jobsOf(seller)).find((j) => j.parentId === job.id);
    expect(again).toMatchObject({
      status: 'queued',
      styleSource: 'same',
      sourceFileId: job.sourceFileId,
      aspectRatio: '9:16',
      creditState: 'reserved',
    });
    // The declined style is rendered in the neutral studio scene, as the free retry does.
    const styles = (await imagesOf(db(), again?.id ?? -1)).map((i) => i.style);
    expect(styles[0]).toBe('Style 0');
    expect(styles[1]).not.toBe('Style 1');
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 2, ledgerSum: 2 });
    expect(h.kicks()).toBe(1);

    // A second press queues and charges nothing more.
    const twice = await handle(h, callbackQuery(seller, buttonData(end, words.tryAgain)));
    expect(answerOf(twice)?.text).toBe(words.tried);
    expect(await jobsOf(seller)).toHaveLength(2);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 2, ledgerSum: 2 });
    // Someone else's press is refused.
    const stranger = await handle(h, callbackQuery({ id: base + 9 }, buttonData(end, words.tryAgain)));
    expect(answerOf(stranger)?.text).toBe(translator(config.defaultLocale)('not-your-button'));
  });

  it('busy: says when to try; before then the button answers the wait and charges nothing, then it works', async () => {
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 2 });
    const seller = { id: base + 2, language_code: locale };
    const { job, images } = await failedPhotoshoot(h, seller);
    vi.useFakeTimers({ toFake: ['Date'] });
    const end = await (await report(h, job)).finished(images, new AiUnavailableError('images', 40));
    expect(end?.payload.text).toBe(words.busy(40));
    expect(buttonTexts(end)).toEqual([words.tryAgain]);

    vi.setSystemTime(Date.now() + 15_000);
    const early = await handle(h, callbackQuery(seller, buttonData(end, words.tryAgain)));
    expect(answerOf(early)?.show_alert).toBe(true);
    expect([words.busy(24), words.busy(25)]).toContain(answerOf(early)?.text);
    expect(await jobsOf(seller)).toHaveLength(1);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 2, ledgerSum: 2 });

    vi.setSystemTime(Date.now() + 26_000);
    const later = await handle(h, callbackQuery(seller, buttonData(end, words.tryAgain)));
    expect(String(last(later, 'sendMessage')?.payload.text)).toContain(words.queued);
    expect(await jobsOf(seller)).toHaveLength(2);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 1, ledgerSum: 1 });
  });

  it('ended by a busy service or a failure carries Try again; a photo we cannot use asks for a new photo, no button', async () => {
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 2 });
    const seller = { id: base + 3, language_code: locale };
    const { job } = await failedPhotoshoot(h, seller);
    const reported = await report(h, job);
    const busy = await reported.ended(new AiUnavailableError('vision', 30));
    expect(busy?.payload.text).toBe(words.busy(30));
    expect(buttonTexts(busy)).toEqual([words.tryAgain]);
    const failed = await (await report(h, job)).ended(new Error('boom'));
    expect(failed?.payload.text).toBe(words.failed);
    expect(buttonTexts(failed)).toEqual([words.tryAgain]);
    const rejected = await (await report(h, job)).ended(new ImageRejectedError('corrupt', 'bad header'));
    expect(rejected?.payload.text).toBe(words.corrupt);
    expect(rejected?.payload.reply_markup).toBeUndefined();
    const canceled = await (await report(h, job)).ended(undefined, true);
    expect(canceled?.payload.text).toBe(words.canceled);
    expect(canceled?.payload.reply_markup).toBeUndefined();
  });
});

describe.each(LOCALES)('a style preview that failed (%s)', (locale) => {
  const words = wordsOf(locale);
  const base = locale === 'en' ? 9500 : 9600;

  it('offers to analyse again or pick random styles (failed or busy); a photo we cannot use asks for a new one', async () => {
    const h = createPhotoshootHarness({ db: db() });
    const seller = { id: base + 1, language_code: locale };
    await handle(h, photoMessage(seller, { file_id: `pp${seller.id}`, file_unique_id: `pu${seller.id}` }));
    const [draft] = await draftsOf(seller);
    const user = await userOf(seller);
    const preview = {
      id: 1,
      draftId: draft?.id ?? -1,
      userId: user.id,
      chatId: seller.id,
      messageId: 1,
      locale,
      aspectRatio: '1:1',
    } as StylePreview;
    const reporter = createTelegramPreviewReporter({ db: db(), api: h.bot.api, i18n, logger: silentLogger });
    const shown = async (err: unknown) => {
      const from = h.calls.length;
      await reporter.failed(preview, err);
      return last(h.calls.slice(from), 'editMessageText');
    };

    const failed = await shown(new Error('vision refused'));
    expect(failed?.payload.text).toBe(words.previewFailed);
    expect(buttonTexts(failed)).toEqual([words.analyseAgain, words.random, words.saved]);
    vi.useFakeTimers({ toFake: ['Date'] });
    const busy = await shown(new AiUnavailableError('vision', 20));
    expect(busy?.payload.text).toBe(words.busy(20));
    expect(buttonTexts(busy)).toEqual([words.analyseAgain, words.random, words.saved]);
    const photo = await shown(new ImageRejectedError('corrupt', 'bad'));
    expect(photo?.payload.text).toBe(words.previewCorrupt);
    expect(photo?.payload.reply_markup).toBeUndefined();

    // Busy: until the service is tried again, Analyse again answers the wait and queues nothing.
    const early = await handle(h, callbackQuery(seller, buttonData(busy, words.analyseAgain)));
    expect(answerOf(early)).toMatchObject({ text: words.busy(20), show_alert: true });
    expect(last(early, 'editMessageText')).toBeUndefined();
    vi.setSystemTime(Date.now() + 21_000);
    const again = await handle(h, callbackQuery(seller, buttonData(busy, words.analyseAgain)));
    expect(last(again, 'editMessageText')?.payload.text).toBe(words.analysing);
    // The failed one's Analyse again is the style source's own button.
    expect(buttonData(failed, words.analyseAgain)).toBe(
      sourceData.pack({ draft: draft?.id ?? -1, source: 'analysis' }),
    );
    const random = await handle(h, callbackQuery(seller, buttonData(busy, words.random)));
    expect(buttonTexts(last(random, 'editMessageText'))).toEqual([words.generate, words.examples, words.back]);
  });
});

describe.each(LOCALES)('leaving a question (%s)', (locale) => {
  const words = wordsOf(locale);
  const base = locale === 'en' ? 9700 : 9800;
  const harness = () => createPhotoshootHarness({ db: db(), freePhotoshoots: 1, adminIds: [ADMIN] });

  /** Asks for a saved style's name under a delivered photoshoot; the question's call. */
  async function askStyleName(h: Harness, seller: Sender) {
    await handle(h, textMessage(seller, '/start'));
    const job = await deliveredPhotoshoot(db(), {
      userId: (await userOf(seller)).id,
      chatId: seller.id,
      styles: ['A'],
    });
    return last(await handle(h, callbackQuery(seller, saveData.pack({ job: job.id, position: 0 }))), 'sendMessage');
  }
  /** The next text is an ordinary message again: not forwarded, not a name. */
  async function notAnAnswer(h: Harness, seller: Sender) {
    const calls = await handle(h, textMessage(seller, 'my summer look'));
    expect(last(calls, 'sendMessage')?.payload.text).toBe(words.unhandled);
    expect(calls.filter((c) => c.payload.chat_id === ADMIN)).toEqual([]);
    expect(await savedStylesOf(db(), (await userOf(seller)).id)).toEqual([]);
  }

  it('/cancel ends the payment support question and the style name question, naming each', async () => {
    const h = harness();
    const seller = { id: base + 1, language_code: locale };
    const prompt = last(await handle(h, textMessage(seller, '/paysupport')), 'sendMessage');
    expect(buttonTexts(prompt)).toEqual([words.cancel]);
    const cancelled = last(await handle(h, textMessage(seller, '/cancel')), 'sendMessage');
    expect(cancelled?.payload.text).toBe(words.cancelledSupport);
    await notAnAnswer(h, seller);

    const question = await askStyleName(h, seller);
    expect(buttonTexts(question).at(-1)).toBe(words.cancel);
    const named = last(await handle(h, textMessage(seller, '/cancel')), 'sendMessage');
    expect(named?.payload.text).toBe(words.cancelledName);
    await notAnAnswer(h, seller);

    const nothing = last(await handle(h, textMessage(seller, '/cancel')), 'sendMessage');
    expect(nothing?.payload.text).toBe(words.nothing);
  });

  it('the Cancel button does the same, in the question message; pressed again it says the question is closed', async () => {
    const h = harness();
    const seller = { id: base + 2, language_code: locale };
    const prompt = last(await handle(h, textMessage(seller, '/paysupport')), 'sendMessage');
    const pressed = await handle(h, callbackQuery(seller, buttonData(prompt, words.cancel)));
    expect(last(pressed, 'editMessageText')?.payload).toMatchObject({ text: words.cancelledSupport });
    expect(last(pressed, 'editMessageText')?.payload.reply_markup).toBeUndefined();
    await notAnAnswer(h, seller);
    const again = await handle(h, callbackQuery(seller, buttonData(prompt, words.cancel)));
    expect(answerOf(again)?.text).toBe(words.closed);

    const question = await askStyleName(h, seller);
    const named = await handle(h, callbackQuery(seller, buttonData(question, words.cancel)));
    expect(last(named, 'editMessageText')?.payload.text).toBe(words.cancelledName);
    await notAnAnswer(h, seller);
  });
});
