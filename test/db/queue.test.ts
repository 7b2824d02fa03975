import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { InsufficientBalanceError } from '../../src/db/ledger.js';
import { queuePositions } from '../../src/db/photoshoots.js';
import { imagesOf, recordImage } from '../../src/db/processed-images.js';
import {
  ActivePhotoshootError,
  claimNextPhotoshoot,
  heartbeat,
  type NewPhotoshoot,
  queuePhotoshoot,
  startDelivery,
} from '../../src/db/queue.js';
import { photoshoots } from '../../src/db/schema.js';
import { cancelActivePhotoshoots, finishPhotoshoot, recoverStalePhotoshoots } from '../../src/db/settlement.js';
import { registerUser } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { balanceAndLedger } from '../support/ledger.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const STYLES = ['Studio', 'Kitchen', 'Loft', 'Pop'].map((name) => ({ name, prompt: `${name} scene` }));

async function newUser(telegramId: number, free = 2) {
  const { user } = await registerUser(
    database.handle.db,
    { id: telegramId, first_name: 'S' },
    { freePhotoshoots: free },
  );
  return user;
}

const job = (userId: number, extra: Partial<NewPhotoshoot> = {}): NewPhotoshoot => ({
  userId,
  chatId: 1,
  sourceFileId: 'file-1',
  sourceFileUniqueId: 'uniq-1',
  aspectRatio: '1:1',
  styleSource: 'random',
  styles: STYLES,
  ...extra,
});

const ledgerOf = (telegramId: number) => balanceAndLedger(database.handle.db, telegramId);

describe('queuePhotoshoot', () => {
  it('reserves one photoshoot and queues the job with its 4 images in one step', async () => {
    const user = await newUser(9001);
    const created = await queuePhotoshoot(database.handle.db, job(user.id));
    expect(created).toMatchObject({ status: 'queued', creditState: 'reserved' });
    expect((await imagesOf(database.handle.db, created.id)).map((i) => [i.position, i.style, i.status])).toEqual([
      [0, 'Studio', 'pending'],
      [1, 'Kitchen', 'pending'],
      [2, 'Loft', 'pending'],
      [3, 'Pop', 'pending'],
    ]);
    expect(await ledgerOf(9001)).toEqual({ balance: 1, ledgerSum: 1 });
  });

  it('gives exactly one job and one charge when Generate arrives 5 times at once', async () => {
    const user = await newUser(9002, 5);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => database.handle.db.transaction((tx) => queuePhotoshoot(tx, job(user.id)))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ActivePhotoshootError);
    }
    expect(await ledgerOf(9002)).toEqual({ balance: 4, ledgerSum: 4 });
  });

  it('queues nothing without a balance, and allows several jobs in one batch', async () => {
    const broke = await newUser(9003, 0);
    await expect(queuePhotoshoot(database.handle.db, job(broke.id))).rejects.toBeInstanceOf(InsufficientBalanceError);
    expect(await database.handle.db.select().from(photoshoots).where(eq(photoshoots.userId, broke.id))).toHaveLength(0);

    const seller = await newUser(9004, 3);
    await queuePhotoshoot(database.handle.db, job(seller.id, { batchId: 'b1', sourceFileId: 'a' }));
    await queuePhotoshoot(database.handle.db, job(seller.id, { batchId: 'b1', sourceFileId: 'b' }));
    expect(await ledgerOf(9004)).toEqual({ balance: 1, ledgerSum: 1 });
  });

  it('rolls back inside a caller transaction without spoiling it', async () => {
    const user = await newUser(9005, 2);
    await queuePhotoshoot(database.handle.db, job(user.id));
    const outcome = await database.handle.db.transaction(async (tx) => {
      await expect(queuePhotoshoot(tx, job(user.id))).rejects.toBeInstanceOf(ActivePhotoshootError);
      const [row] = await queryRows<{ ok: number }>(tx, sql`select 1 as ok`);
      return row?.ok;
    });
    expect(outcome).toBe(1);
  });
});

describe('the job lifecycle', () => {
  it('lets concurrent workers claim different jobs, oldest first', async () => {
    // Jobs queued by earlier tests would be older; take them out of the queue.
    await database.handle.db.update(photoshoots).set({ status: 'done' }).where(eq(photoshoots.status, 'queued'));
    const a = await newUser(9101);
    const b = await newUser(9102);
    const first = await queuePhotoshoot(database.handle.db, job(a.id));
    const second = await queuePhotoshoot(database.handle.db, job(b.id));
    const positions = await queuePositions(database.handle.db, [first.id, second.id]);
    expect(positions.get(second.id)).toBe((positions.get(first.id) ?? 0) + 1);
    const claimed = await Promise.all([
      claimNextPhotoshoot(database.handle.db),
      claimNextPhotoshoot(database.handle.db),
      claimNextPhotoshoot(database.handle.db),
    ]);
    const ids = claimed.map((c) => c?.id).filter((id) => id !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([first.id, second.id]);
    expect(claimed.filter((c) => c === undefined)).toHaveLength(1);
    for (const c of claimed) if (c) expect(c).toMatchObject({ status: 'running', attempts: 1 });
  });

  it('commits the credit when an image was delivered and releases it when none was, exactly once', async () => {
    const user = await newUser(9201, 2);
    const delivered = await queuePhotoshoot(database.handle.db, job(user.id));
    const [image] = await imagesOf(database.handle.db, delivered.id);
    await recordImage(database.handle.db, image?.id ?? -1, {
      status: 'done',
      resultFileId: 'png-1',
      previewFileId: 'p-1',
    });
    expect(await finishPhotoshoot(database.handle.db, delivered.id, 'done')).toBe('committed');
    expect(await finishPhotoshoot(database.handle.db, delivered.id, 'done')).toBe('unchanged');
    expect(await ledgerOf(9201)).toEqual({ balance: 1, ledgerSum: 1 });

    const failed = await queuePhotoshoot(database.handle.db, job(user.id));
    const settlements = await Promise.all([
      finishPhotoshoot(database.handle.db, failed.id, 'failed', 'all styles failed'),
      finishPhotoshoot(database.handle.db, failed.id, 'failed', 'all styles failed'),
    ]);
    expect(settlements.sort()).toEqual(['released', 'unchanged']);
    expect(await ledgerOf(9201)).toEqual({ balance: 1, ledgerSum: 1 });
  });

  it('re-queues stale running jobs after a crash and fails (and settles) those out of attempts', async () => {
    const db = database.handle.db;
    const user = await newUser(9301, 2);
    const other = await newUser(9302, 2);
    const resumable = await queuePhotoshoot(db, job(user.id));
    const exhausted = await queuePhotoshoot(db, job(other.id));
    await db
      .update(photoshoots)
      .set({ status: 'running', heartbeatAt: sql`now() - interval '10 minutes'`, attempts: 1 })
      .where(eq(photoshoots.id, resumable.id));
    await db
      .update(photoshoots)
      .set({ status: 'running', heartbeatAt: sql`now() - interval '10 minutes'`, attempts: 3 })
      .where(eq(photoshoots.id, exhausted.id));
    const result = await recoverStalePhotoshoots(db, { staleAfterS: 60, maxAttempts: 3 });
    expect(result.requeued).toContain(resumable.id);
    expect(result.failed).toContain(exhausted.id);
    expect(await ledgerOf(9301)).toEqual({ balance: 1, ledgerSum: 1 });
    expect(await ledgerOf(9302)).toEqual({ balance: 2, ledgerSum: 2 });
    const again = await recoverStalePhotoshoots(db, { staleAfterS: 60, maxAttempts: 3 });
    expect(again.failed).not.toContain(exhausted.id);
    expect(await ledgerOf(9302)).toEqual({ balance: 2, ledgerSum: 2 });
  });

  it('cancels a queued job and a running one not yet delivering, both credits back; their delivery is then refused', async () => {
    const db = database.handle.db;
    const user = await newUser(9401, 2);
    const queued = await queuePhotoshoot(db, job(user.id));
    await db.update(photoshoots).set({ progressMessageId: 55 }).where(eq(photoshoots.id, queued.id));
    // No worker holds a queued job: its progress message is left for the caller to end.
    expect(await cancelActivePhotoshoots(db, user.id)).toEqual({
      canceled: [queued.id],
      released: 1,
      delivering: [],
      unattended: [{ chatId: 1, messageId: 55 }],
    });
    expect(await ledgerOf(9401)).toEqual({ balance: 2, ledgerSum: 2 });
    expect(await cancelActivePhotoshoots(db, user.id)).toEqual({
      canceled: [],
      released: 0,
      delivering: [],
      unattended: [],
    });

    const running = await queuePhotoshoot(db, job(user.id));
    await db.update(photoshoots).set({ status: 'running' }).where(eq(photoshoots.id, running.id));
    expect(await cancelActivePhotoshoots(db, user.id)).toEqual({
      canceled: [running.id],
      released: 1,
      delivering: [],
      unattended: [],
    });
    expect(await ledgerOf(9401)).toEqual({ balance: 2, ledgerSum: 2 });
    expect(await heartbeat(db, running.id)).toBe('canceled');
    expect(await startDelivery(db, running.id)).toBe(false);
    // The worker's own end afterwards changes nothing.
    expect(await finishPhotoshoot(db, running.id, 'canceled')).toBe('unchanged');
    expect(await ledgerOf(9401)).toEqual({ balance: 2, ledgerSum: 2 });
  });

  it('is too late once delivery has begun (or an image was delivered before a crash): delivered and charged', async () => {
    const db = database.handle.db;
    const user = await newUser(9402, 3);
    const running = await queuePhotoshoot(db, job(user.id));
    await db.update(photoshoots).set({ status: 'running' }).where(eq(photoshoots.id, running.id));
    expect(await startDelivery(db, running.id)).toBe(true);
    expect(await cancelActivePhotoshoots(db, user.id)).toEqual({
      canceled: [],
      released: 0,
      delivering: [running.id],
      unattended: [],
    });
    expect(await heartbeat(db, running.id)).toBe('running');
    const [image] = await imagesOf(db, running.id);
    await recordImage(db, image?.id ?? -1, { status: 'done', resultFileId: 'f', previewFileId: null });
    expect(await finishPhotoshoot(db, running.id, 'done')).toBe('committed');
    expect(await ledgerOf(9402)).toEqual({ balance: 2, ledgerSum: 2 });

    const resumed = await queuePhotoshoot(db, job(user.id));
    const [kept] = await imagesOf(db, resumed.id);
    await recordImage(db, kept?.id ?? -1, { status: 'done', resultFileId: 'g', previewFileId: null });
    expect(await cancelActivePhotoshoots(db, user.id)).toEqual({
      canceled: [],
      released: 0,
      delivering: [resumed.id],
      unattended: [],
    });
  });

  it('lets exactly one of /cancel and the start of delivery win when they race', async () => {
    const db = database.handle.db;
    const user = await newUser(9403, 20);
    const winners: string[] = [];
    for (let round = 0; round < 10; round++) {
      const running = await queuePhotoshoot(db, job(user.id));
      await db.update(photoshoots).set({ status: 'running' }).where(eq(photoshoots.id, running.id));
      const [delivering, cancel] =
        round % 2 === 0
          ? await Promise.all([startDelivery(db, running.id), cancelActivePhotoshoots(db, user.id)])
          : await Promise.all([cancelActivePhotoshoots(db, user.id), startDelivery(db, running.id)]).then(
              ([c, d]) => [d, c] as const,
            );
      expect(delivering).toBe(!cancel.canceled.includes(running.id));
      expect(cancel.delivering.includes(running.id)).toBe(delivering);
      winners.push(delivering ? 'delivery' : 'cancel');
      if (delivering) {
        const [image] = await imagesOf(db, running.id);
        await recordImage(db, image?.id ?? -1, { status: 'done', resultFileId: 'f', previewFileId: null });
      }
      await finishPhotoshoot(db, running.id, delivering ? 'done' : 'canceled');
    }
    const charged = winners.filter((w) => w === 'delivery').length;
    expect(await ledgerOf(9403)).toEqual({ balance: 20 - charged, ledgerSum: 20 - charged });
  });

  it('cancels every job of a batch at once, and never resumes a stale job whose cancel was requested', async () => {
    const db = database.handle.db;
    const user = await newUser(9404, 3);
    // Queued one after another, as Generate does for a batch.
    const batch = [];
    for (let i = 0; i < 3; i++) batch.push(await queuePhotoshoot(db, job(user.id, { batchId: 'draft-9404' })));
    await db
      .update(photoshoots)
      .set({ status: 'running' })
      .where(inArray(photoshoots.id, [batch[0]?.id ?? -1, batch[1]?.id ?? -1]));
    const outcome = await cancelActivePhotoshoots(db, user.id);
    expect(outcome.canceled.sort()).toEqual(batch.map((b) => b.id).sort());
    expect(outcome).toMatchObject({ released: 3, delivering: [], unattended: [] });
    expect(await ledgerOf(9404)).toEqual({ balance: 3, ledgerSum: 3 });

    // A cancel flagged by an older release on a job whose process then died.
    const stale = await queuePhotoshoot(db, job(user.id));
    await db
      .update(photoshoots)
      .set({ status: 'running', cancelRequested: true, attempts: 1, heartbeatAt: sql`now() - interval '10 minutes'` })
      .where(eq(photoshoots.id, stale.id));
    const recovered = await recoverStalePhotoshoots(db, { staleAfterS: 60, maxAttempts: 3 });
    expect(recovered.requeued).not.toContain(stale.id);
    expect((await db.select().from(photoshoots).where(eq(photoshoots.id, stale.id)))[0]).toMatchObject({
      status: 'canceled',
      creditState: 'released',
    });
    expect(await ledgerOf(9404)).toEqual({ balance: 3, ledgerSum: 3 });
  });
});
