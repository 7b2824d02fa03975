import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyPageData, resendData } from '../../src/bot/features/history.js';
import { sellerTime } from '../../src/bot/views/time.js';
import { findPhotoshoot } from '../../src/db/photoshoots.js';
import { imagesOf, recordImage } from '../../src/db/processed-images.js';
import { queuePhotoshoot } from '../../src/db/queue.js';
import { finishPhotoshoot } from '../../src/db/settlement.js';
import { registerUser } from '../../src/db/users.js';
import { createBotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { callbackQuery, type Sender, textMessage, withId } from '../support/updates.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const db = () => database.handle.db;

interface Shot {
  styles: string[];
  ratio?: string;
  /** Positions that failed (the others are delivered). */
  failed?: number[];
  /** A free retry of this photoshoot, with the positions of its styles that came back. */
  retry?: { styles: string[]; failed?: number[] };
}

/** Queues a job and settles it as the worker does: delivered images get file ids, the others fail. */
async function settled(
  userId: number,
  chatId: number,
  job: { styles: string[]; ratio: string; failed: number[]; parentId?: number },
) {
  const created = await queuePhotoshoot(db(), {
    userId,
    chatId,
    sourceFileId: 'src',
    sourceFileUniqueId: 'src-u',
    aspectRatio: job.ratio,
    styleSource: job.parentId ? 'retry' : 'random',
    ...(job.parentId && { parentId: job.parentId, free: true }),
    styles: job.styles.map((name) => ({ name, prompt: `The product in a ${name} scene` })),
  });
  for (const image of await imagesOf(db(), created.id)) {
    await recordImage(
      db(),
      image.id,
      job.failed.includes(image.position)
        ? { status: 'failed', error: 'ImageError: refused' }
        : { status: 'done', resultFileId: `png-${image.id}`, previewFileId: `jpg-${image.id}` },
    );
  }
  await finishPhotoshoot(db(), created.id, job.failed.length < job.styles.length ? 'done' : 'failed');
  return created;
}

/** A seller whose photoshoots are `shots`, oldest first; returns the photoshoots' ids (retries apart). */
async function sellerWith(seller: Sender, shots: Shot[]) {
  const { user } = await registerUser(
    db(),
    { id: seller.id, first_name: 'H', ...(seller.language_code && { language_code: seller.language_code }) },
    { freePhotoshoots: shots.length + 1 },
  );
  const ids: number[] = [];
  const retries: number[] = [];
  for (const shot of shots) {
    const ratio = shot.ratio ?? '1:1';
    const job = await settled(user.id, seller.id, { styles: shot.styles, ratio, failed: shot.failed ?? [] });
    ids.push(job.id);
    if (shot.retry) {
      const retry = await settled(user.id, seller.id, { ...shot.retry, ratio, failed: [], parentId: job.id });
      retries.push(retry.id);
    }
  }
  return { user, ids, retries };
}

type Markup = { inline_keyboard: { text: string; callback_data: string }[][] };
const buttonsOf = (payload: Record<string, unknown> | undefined) =>
  ((payload?.reply_markup as Markup | undefined)?.inline_keyboard ?? []).flat();
const entryLines = (text: unknown) =>
  String(text)
    .split('\n')
    .filter((l) => l.startsWith('#'));

/** A press of a button under message `messageId` that shows `payload`, with its keyboard (as Telegram sends it). */
function pressUnder(payload: Record<string, unknown> | undefined, seller: Sender, data: string, messageId: number) {
  const update = callbackQuery(seller, data, messageId);
  const message = update.callback_query?.message;
  return {
    ...update,
    callback_query: { ...update.callback_query, message: { ...message, reply_markup: payload?.reply_markup } },
  };
}

const FOUR = ['Studio', 'Kitchen', 'Loft', 'Pop'];

describe('/history', () => {
  const texts = {
    en: {
      title: '🗂 Your photoshoots, page 1 (newest first):',
      entry: (id: number, date: string) => `#${id} · ${date} · 4:3 · Studio, Kitchen, Loft, Pop · 4 images`,
      page2: '🗂 Your photoshoots, page 2 (newest first):',
    },
    ru: {
      title: '🗂 Ваши фотосессии, страница 1 (сначала новые):',
      entry: (id: number, date: string) => `#${id} · ${date} · 4:3 · Studio, Kitchen, Loft, Pop · 4 изображения`,
      page2: '🗂 Ваши фотосессии, страница 2 (сначала новые):',
    },
  };
  for (const [locale, seller] of [
    ['en', { id: 811, language_code: 'en' }],
    ['ru', { id: 812, language_code: 'ru' }],
  ] as const) {
    it(`shows each photoshoot with its styles, ratio and thumbnail, five a page, and pages on (${locale})`, async () => {
      const { ids } = await sellerWith(
        seller,
        Array.from({ length: 7 }, () => ({ styles: FOUR, ratio: '4:3' })),
      );
      const h = createBotHarness({ db: db() });
      await h.handle(withId(textMessage(seller, '/history')));

      // The page's thumbnails first: one album, each photoshoot's first preview, captioned with it.
      const [album] = h.sent('sendMediaGroup');
      const newest = [...ids].reverse();
      const media = album?.payload.media as { type: string; media: string; caption: string }[];
      expect(media.map((m) => m.caption)).toEqual(
        newest.slice(0, 5).map((id) => `#${id} · Studio, Kitchen, Loft, Pop`),
      );
      for (const [n, id] of newest.slice(0, 5).entries()) {
        const [first] = await imagesOf(db(), id);
        expect(media[n]?.media).toBe(first?.previewFileId);
      }

      // Then the list: a line per photoshoot, a resend button each, and the page button.
      const list = h.sent()[0];
      const text = String(list?.payload.text);
      expect(text.split('\n')[0]).toBe(texts[locale].title);
      const dates = await Promise.all(
        newest.slice(0, 5).map(async (id) => (await findPhotoshoot(db(), id))?.createdAt),
      );
      expect(entryLines(text)).toEqual(
        newest.slice(0, 5).map((id, n) => texts[locale].entry(id, sellerTime(dates[n] ?? new Date()))),
      );
      expect(text).toContain(' UTC · ');
      const buttons = buttonsOf(list?.payload);
      expect(buttons.map((b) => b.callback_data)).toEqual([
        ...newest.slice(0, 5).map((job) => resendData.pack({ job })),
        historyPageData.pack({ page: 1 }),
      ]);

      // The next page: the pressed list keeps its resend buttons but no longer turns pages;
      // the older photoshoots come below it, pictures then list, with the way back.
      await h.handle(withId(pressUnder(list?.payload, seller, historyPageData.pack({ page: 1 }), 77)));
      const [edited] = h.sent('editMessageReplyMarkup');
      expect(edited?.payload.message_id).toBe(77);
      expect(buttonsOf(edited?.payload).map((b) => b.callback_data)).toEqual(
        newest.slice(0, 5).map((job) => resendData.pack({ job })),
      );
      const second = h.sent('sendMediaGroup')[1]?.payload.media as { caption: string }[];
      expect(second.map((m) => m.caption)).toEqual(newest.slice(5).map((id) => `#${id} · Studio, Kitchen, Loft, Pop`));
      const secondList = h.sent()[1];
      expect(String(secondList?.payload.text)).toContain(texts[locale].page2);
      expect(entryLines(secondList?.payload.text).map((l) => l.split(' ')[0])).toEqual(
        newest.slice(5).map((id) => `#${id}`),
      );
      expect(buttonsOf(secondList?.payload).map((b) => b.callback_data)).toEqual([
        ...newest.slice(5).map((job) => resendData.pack({ job })),
        historyPageData.pack({ page: 0 }),
      ]);
    });
  }

  it('counts a free retry inside the photoshoot it retried, and resends them together (en, ru)', async () => {
    for (const [seller, line] of [
      [{ id: 821, language_code: 'en' }, '· 1:1 · Studio, Kitchen, Loft, Pop · 4 images, 1 retried for free'],
      [{ id: 822, language_code: 'ru' }, '· 1:1 · Studio, Kitchen, Loft, Pop · 4 изображения, 1 переделано бесплатно'],
    ] as const) {
      const { ids, retries } = await sellerWith(seller, [
        { styles: ['A', 'B'] },
        { styles: FOUR, failed: [3], retry: { styles: ['Pop'] } },
      ]);
      const [older, retried] = ids;
      const h = createBotHarness({ db: db() });
      await h.handle(withId(textMessage(seller, '/history')));
      const lines = entryLines(h.sent()[0]?.payload.text);
      // Two photoshoots, not three: the retry is no entry of its own.
      expect(lines.map((l) => l.split(' ')[0])).toEqual([`#${retried}`, `#${older}`]);
      expect(lines[0]).toContain(line);
      expect(lines.join('\n')).not.toContain(`#${retries[0]}`);
      expect(buttonsOf(h.sent()[0]?.payload).map((b) => b.callback_data)).toEqual([
        resendData.pack({ job: retried ?? 0 }),
        resendData.pack({ job: older ?? 0 }),
      ]);

      // One page: no page buttons, and no empty row where they would be.
      const rows = (h.sent()[0]?.payload.reply_markup as Markup | undefined)?.inline_keyboard ?? [];
      expect(rows.map((r) => r.length)).toEqual([1, 1]);
      await h.handle(withId(callbackQuery(seller, resendData.pack({ job: retried ?? 0 }))));
      const [, previews, files] = h.sent('sendMediaGroup');
      const retryImages = await imagesOf(db(), retries[0] ?? 0);
      const own = (await imagesOf(db(), retried ?? 0)).filter((i) => i.status === 'done');
      expect(((previews?.payload.media ?? []) as { caption: string }[]).map((m) => m.caption)).toEqual(FOUR);
      expect(((files?.payload.media ?? []) as { media: string }[]).map((m) => m.media)).toEqual(
        [...own, ...retryImages].map((i) => i.resultFileId),
      );
    }
  });

  it('lists a photoshoot whose previews are missing without a thumbnail, one thumbnail as a photo', async () => {
    const seller = { id: 831 };
    const { user, ids } = await sellerWith(seller, [{ styles: ['Solo'] }]);
    const second = await settled(user.id, seller.id, { styles: ['X', 'Y'], ratio: '9:16', failed: [] });
    for (const image of await imagesOf(db(), second.id)) {
      await recordImage(db(), image.id, { status: 'done', resultFileId: `png-${image.id}`, previewFileId: null });
    }
    const h = createBotHarness({ db: db() });
    await h.handle(withId(textMessage(seller, '/history')));
    expect(h.sent('sendMediaGroup')).toHaveLength(0);
    expect(h.sent('sendPhoto')[0]?.payload.caption).toBe(`#${ids[0]} · Solo`);
    const lines = entryLines(h.sent()[0]?.payload.text);
    expect(lines[0]).toContain('· 9:16 · X, Y · 2 images');
    expect(lines[1]).toContain('· 1:1 · Solo · 1 image');
    expect(String(h.sent()[0]?.payload.text).split('\n')[0]).toBe('🗂 Your photoshoots (newest first):');
  });

  it("refuses to resend someone else's photoshoot, and says when there is nothing yet", async () => {
    const { ids } = await sellerWith({ id: 802 }, [{ styles: FOUR }]);
    const h = createBotHarness({ db: db() });
    await h.handle(withId(callbackQuery({ id: 803 }, resendData.pack({ job: ids[0] ?? 0 }))));
    expect(h.sent('answerCallbackQuery')[0]?.payload.text).toBe('This button is not yours.');
    expect(h.sent('sendMediaGroup')).toHaveLength(0);
    await h.handle(withId(textMessage({ id: 803 }, '/history')));
    expect(String(h.sent()[0]?.payload.text)).toContain('no finished photoshoots yet');
  });
});
