import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { againData, otherData, retryData, saveData } from '../../src/bot/callback-data/photoshoot.js';
import { imagesOf, recordImage } from '../../src/db/processed-images.js';
import { queuePhotoshoot } from '../../src/db/queue.js';
import { photoshoots } from '../../src/db/schema.js';
import { finishPhotoshoot } from '../../src/db/settlement.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { balanceAndLedger } from '../support/ledger.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import { callbackQuery, type Sender, textMessage, withId } from '../support/updates.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const db = () => database.handle.db;
const STYLES = ['Studio', 'Kitchen', 'Loft', 'Pop'].map((name) => ({ name, prompt: `${name} scene` }));

/**
 * A finished photoshoot of `seller` whose styles at `delivered` positions came back and the
 * others failed, settled as the worker settles it.
 */
async function finished(h: ReturnType<typeof createPhotoshootHarness>, seller: Sender, delivered: number[]) {
  await h.handle(withId(textMessage(seller, '/balance')));
  const user = await findUserByTelegramId(db(), seller.id);
  if (!user) throw new Error('seller not registered');
  const job = await queuePhotoshoot(db(), {
    userId: user.id,
    chatId: seller.id,
    sourceFileId: 'file',
    sourceFileUniqueId: 'uniq',
    aspectRatio: '1:1',
    styleSource: 'random',
    styles: STYLES,
  });
  for (const image of await imagesOf(db(), job.id)) {
    await recordImage(
      db(),
      image.id,
      delivered.includes(image.position)
        ? { status: 'done', resultFileId: `r-${image.id}`, previewFileId: null }
        : { status: 'failed', error: 'ImageError: refused' },
    );
  }
  await finishPhotoshoot(db(), job.id, delivered.length > 0 ? 'done' : 'failed');
  return { user, job };
}

/** Presses a button; returns the callback answer's text and the photoshoots the seller has afterwards. */
async function press(h: ReturnType<typeof createPhotoshootHarness>, seller: Sender, data: string) {
  const from = h.calls.length;
  await h.handle(withId(callbackQuery(seller, data)));
  const answer = h.calls.slice(from).find((c) => c.method === 'answerCallbackQuery');
  const user = await findUserByTelegramId(db(), seller.id);
  const jobs = await db()
    .select()
    .from(photoshoots)
    .where(eq(photoshoots.userId, user?.id ?? -1));
  return {
    answer: answer?.payload.text,
    jobs: jobs.length,
    replies: h.calls.slice(from).filter((c) => c.method === 'sendMessage'),
  };
}

describe('result buttons do only what their keyboard offered', () => {
  it('refuses a forged free retry of a photoshoot whose four styles all failed: no job, no charge', async () => {
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 1 });
    const seller = { id: 8401 };
    const { job } = await finished(h, seller, []);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 1, ledgerSum: 1 });
    const pressed = await press(h, seller, retryData.pack({ job: job.id }));
    expect(pressed).toMatchObject({
      answer:
        'This photoshoot delivered nothing, so it was not charged and there is nothing to retry for free. Send the photo again to start a new one.',
      jobs: 1,
    });
    expect(h.kicks()).toBe(0);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 1, ledgerSum: 1 });
    // Nor the other buttons it never showed.
    for (const data of [againData.pack({ job: job.id }), otherData.pack({ job: job.id })]) {
      expect(await press(h, seller, data)).toMatchObject({
        answer: 'This button was not offered for this photoshoot.',
        jobs: 1,
      });
    }
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 1, ledgerSum: 1 });
  });

  it('retries the failed styles of a partial photoshoot once, for free; refuses what was never offered', async () => {
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 2 });
    const seller = { id: 8402 };
    const { job } = await finished(h, seller, [0, 2]);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 1, ledgerSum: 1 });

    // Saving a style that was not delivered, or a position that does not exist.
    for (const position of [1, 9]) {
      expect(await press(h, seller, saveData.pack({ job: job.id, position }))).toMatchObject({
        answer: 'This button was not offered for this photoshoot.',
      });
    }
    // Someone else's photoshoot.
    expect(await press(h, { id: 8403 }, retryData.pack({ job: job.id }))).toMatchObject({
      answer: 'This button is not yours.',
      jobs: 0,
    });

    const retried = await press(h, seller, retryData.pack({ job: job.id }));
    expect(retried.jobs).toBe(2);
    const [retry] = await db().select().from(photoshoots).where(eq(photoshoots.parentId, job.id));
    expect(retry).toMatchObject({ styleSource: 'retry', creditState: 'free', isFree: true, orderId: null });
    expect((await imagesOf(db(), retry?.id ?? -1)).map((i) => i.style)).toEqual(['Kitchen', 'Pop']);
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 1, ledgerSum: 1 });

    // A running retry is not finished: its own buttons are not offered yet; the parent's retry was used.
    expect(await press(h, seller, retryData.pack({ job: retry?.id ?? -1 }))).toMatchObject({
      answer: 'This button was not offered for this photoshoot.',
      jobs: 2,
    });
    await finishPhotoshoot(db(), retry?.id ?? -1, 'failed');
    expect(await press(h, seller, retryData.pack({ job: job.id }))).toMatchObject({
      answer: 'These styles were already retried.',
      jobs: 2,
    });
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 1, ledgerSum: 1 });
  });

  it('refuses a retry of a photoshoot that delivered every style', async () => {
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 1 });
    const seller = { id: 8404 };
    const { job } = await finished(h, seller, [0, 1, 2, 3]);
    expect(await press(h, seller, retryData.pack({ job: job.id }))).toMatchObject({
      answer: 'Every style of this photoshoot was delivered: there is nothing to retry.',
      jobs: 1,
    });
    expect(await balanceAndLedger(db(), seller.id)).toEqual({ balance: 0, ledgerSum: 0 });
  });
});
