import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import { releaseCredit } from './ledger.js';
import { ownedBy, type RunToken } from './queue.js';
import { photoshoots, processedImages } from './schema.js';

/** 'forfeited': released, but its order was refunded meanwhile, so the balance stays as it is. */
export type Settlement = 'committed' | 'released' | 'forfeited' | 'unchanged';

/**
 * Ends a job and settles its credit exactly once: committed if at least one image was
 * delivered (and, for a marketplace preset, passed its rules: a file that still failed one
 * after its second render is delivered but not charged), released (through the ledger) if none was. The credit_state guard makes a second
 * call, a crash-recovery pass or a concurrent /cancel a no-op, so a job is never both
 * delivered and refunded, nor charged or refunded twice. Rendered images still kept are
 * dropped: nothing will deliver them now. With a token, a run that no longer holds the job
 * changes nothing ('lost').
 */
export async function finishPhotoshoot(
  db: Database,
  id: number,
  status: 'done' | 'failed' | 'canceled',
  error?: string,
): Promise<Settlement>;
export async function finishPhotoshoot(
  db: Database,
  id: number,
  status: 'done' | 'failed' | 'canceled',
  error: string | undefined,
  token: RunToken,
): Promise<Settlement | 'lost'>;
export async function finishPhotoshoot(
  db: Database,
  id: number,
  status: 'done' | 'failed' | 'canceled',
  error?: string,
  token?: RunToken,
): Promise<Settlement | 'lost'> {
  return db.transaction(async (tx) => {
    if (token) {
      // Locks the row: a takeover or hand-back waits for this end, or this end sees it.
      const [held] = await tx
        .select({ id: photoshoots.id })
        .from(photoshoots)
        .where(and(eq(photoshoots.id, id), ownedBy(token)))
        .for('update');
      if (!held) return 'lost';
    }
    const [settled] = await queryRows<{ user_id: number; credit_state: string; order_id: number | null }>(
      tx,
      sql`update photoshoots p
             set credit_state = case
                   when exists (select 1 from processed_images i
                                 where i.photoshoot_id = p.id and i.status = 'done'
                                   and coalesce((i.compliance ->> 'ok')::boolean, true))
                   then 'committed'::credit_state else 'released'::credit_state end
           where p.id = ${id} and p.credit_state = 'reserved'
       returning p.user_id, p.credit_state, p.order_id`,
    );
    await tx
      .update(photoshoots)
      .set({ status, error: error?.slice(0, 500) ?? null, finishedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(photoshoots.id, id));
    await tx
      .update(processedImages)
      .set({ rendered: null })
      .where(and(eq(processedImages.photoshootId, id), sql`${processedImages.rendered} is not null`));
    if (!settled) return 'unchanged';
    if (settled.credit_state === 'released') {
      // A bought credit goes back to its order, or nowhere if that order was refunded meanwhile.
      return releaseCredit(tx, {
        userId: Number(settled.user_id),
        orderId: settled.order_id === null ? null : Number(settled.order_id),
        reference: `photoshoot:${id}`,
      });
    }
    return 'committed';
  });
}

/**
 * After a crash: running jobs whose heartbeat is older than `staleAfterS` are queued again to
 * resume (finished images are kept); those that already used `maxAttempts` fail and settle.
 */
export async function recoverStalePhotoshoots(
  db: Database,
  options: { staleAfterS: number; maxAttempts: number },
): Promise<{ requeued: number[]; failed: number[] }> {
  const stale = sql`${photoshoots.status} = 'running' and ${photoshoots.heartbeatAt} < now() - make_interval(secs => ${options.staleAfterS})`;
  // A cancel already requested is honoured, never resumed.
  const canceled = await db
    .select({ id: photoshoots.id })
    .from(photoshoots)
    .where(sql`${stale} and ${photoshoots.cancelRequested}`);
  for (const { id } of canceled) await finishPhotoshoot(db, id, 'canceled');
  const requeued = await db
    .update(photoshoots)
    .set({ status: 'queued', owner: null, updatedAt: sql`now()` })
    .where(sql`${stale} and ${photoshoots.attempts} < ${options.maxAttempts}`)
    .returning({ id: photoshoots.id });
  const exhausted = await db
    .select({ id: photoshoots.id })
    .from(photoshoots)
    .where(sql`${stale} and ${photoshoots.attempts} >= ${options.maxAttempts}`);
  for (const { id } of exhausted) await finishPhotoshoot(db, id, 'failed', 'gave up after repeated interruptions');
  return { requeued: requeued.map((r) => r.id), failed: exhausted.map((r) => r.id) };
}

export interface CancelOutcome {
  /** Jobs cancelled now (queued, or running but not yet delivering): they deliver nothing and cost nothing. */
  canceled: number[];
  /** How many of those gave a photoshoot back to the balance (a free repeat has none to give). */
  released: number;
  /** Running jobs already delivering: too late to stop, they are delivered and charged as usual. */
  delivering: number[];
  /** Progress messages of cancelled jobs no worker had taken: nobody else will say they are cancelled. */
  unattended: { chatId: number; messageId: number }[];
}

/**
 * /cancel, decided here at once for every active job of the user (a batch included): a job
 * that has not begun delivering is cancelled and its credit settled now, in this transaction,
 * so what the seller is told is already true whichever process runs it and whatever it does
 * next (startDelivery refuses it; rendered images are discarded). A job already delivering is
 * left alone. A job with a delivered image (from an attempt before a crash) counts as delivering.
 */
export async function cancelActivePhotoshoots(db: Database, userId: number): Promise<CancelOutcome> {
  return db.transaction(async (tx) => {
    const stop = (status: 'queued' | 'running') =>
      tx
        .update(photoshoots)
        .set({ status: 'canceled', cancelRequested: true, updatedAt: sql`now()` })
        .where(
          and(
            eq(photoshoots.userId, userId),
            eq(photoshoots.status, status),
            sql`${photoshoots.deliveringAt} is null`,
            sql`not exists (select 1 from processed_images i where i.photoshoot_id = ${photoshoots.id} and i.status = 'done')`,
          ),
        )
        .returning({ id: photoshoots.id, chatId: photoshoots.chatId, messageId: photoshoots.progressMessageId });
    const waiting = await stop('queued');
    const stopped = [...waiting, ...(await stop('running'))];
    let released = 0;
    for (const { id } of stopped) {
      if ((await finishPhotoshoot(tx, id, 'canceled')) === 'released') released += 1;
    }
    const delivering = await tx
      .select({ id: photoshoots.id })
      .from(photoshoots)
      .where(and(eq(photoshoots.userId, userId), inArray(photoshoots.status, ['queued', 'running'])));
    return {
      canceled: stopped.map((r) => r.id),
      released,
      delivering: delivering.map((r) => r.id),
      unattended: waiting.flatMap((r) => (r.messageId === null ? [] : [{ chatId: r.chatId, messageId: r.messageId }])),
    };
  });
}
