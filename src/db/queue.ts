import { and, eq, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { isUniqueViolation } from './failures.js';
import { reserveCredit } from './ledger.js';
import type { Photoshoot, StyleSourceKind } from './photoshoots.js';
import { photoshoots, processedImages } from './schema.js';

/**
 * Which run of a job may write: the worker process that claimed it and the attempt it made.
 * Every heartbeat and write of a run checks both, so a run whose job was taken over (after a
 * database outage longer than JOB_STALE_AFTER_S) or handed back at shutdown changes nothing.
 */
export interface RunToken {
  owner: string;
  attempts: number;
}

/** The run's token matches the job's: the condition of every write of a run. */
export const ownedBy = (token: RunToken) =>
  and(eq(photoshoots.owner, token.owner), eq(photoshoots.attempts, token.attempts));

/** The user already has a photoshoot queued or running (outside a batch). */
export class ActivePhotoshootError extends Error {
  override name = 'ActivePhotoshootError';
  constructor(readonly userId: number) {
    super(`User ${userId} already has an active photoshoot`);
  }
}

export interface NewPhotoshoot {
  userId: number;
  chatId: number;
  sourceFileId: string;
  sourceFileUniqueId: string | null;
  aspectRatio: string;
  styleSource: StyleSourceKind;
  /** Styles decided before Generate (saved, same, retry, random); empty: decided by the job. */
  styles: { name: string; prompt: string | null }[];
  batchId?: string | null;
  parentId?: number | null;
  /** A free repeat (retry of failed styles): no credit is reserved. */
  free?: boolean;
  /** The seller's message with the photo: the results reply to it. */
  sourceMessageId?: number | null;
  /** The message that shows the job's progress from the start (a waiting draft's set-up message). */
  progressMessageId?: number | null;
  /** The marketplace preset the images are made for; a repeat takes its parent's. */
  marketplace?: string | null;
}

/**
 * Charge and queue in one step (a savepoint inside the caller's transaction): the job row
 * first, so a second active job hits the unique index before anything is charged; then one
 * photoshoot reserved through the ledger (InsufficientBalanceError undoes the job); then one
 * processed_images row per style. Either all of it happens or none of it.
 */
export async function queuePhotoshoot(db: Database, job: NewPhotoshoot): Promise<Photoshoot> {
  try {
    return await db.transaction(async (tx) => {
      const [created] = await tx
        .insert(photoshoots)
        .values({
          userId: job.userId,
          chatId: job.chatId,
          sourceFileId: job.sourceFileId,
          sourceFileUniqueId: job.sourceFileUniqueId,
          aspectRatio: job.aspectRatio,
          styleSource: job.styleSource,
          batchId: job.batchId ?? null,
          parentId: job.parentId ?? null,
          isFree: job.free === true,
          creditState: job.free ? 'free' : 'reserved',
          // A repeat (same again, retry) answers the photo its first photoshoot answered.
          sourceMessageId:
            job.sourceMessageId ??
            (job.parentId ? sql`(select source_message_id from photoshoots where id = ${job.parentId})` : null),
          progressMessageId: job.progressMessageId ?? null,
          marketplace:
            job.marketplace ??
            (job.parentId ? sql`(select marketplace from photoshoots where id = ${job.parentId})` : null),
        })
        .returning();
      if (!created) throw new Error('Inserting a photoshoot returned no row');
      // Free: a repeat at no charge, or paid for with a free credit (those are spent first).
      let isFree = job.free === true;
      let orderId: number | null = null;
      if (!job.free) {
        ({ orderId } = await reserveCredit(tx, { userId: job.userId, reference: `photoshoot:${created.id}` }));
        isFree = orderId === null;
        await tx.update(photoshoots).set({ isFree, orderId }).where(eq(photoshoots.id, created.id));
      }
      if (job.styles.length > 0) {
        await tx.insert(processedImages).values(
          job.styles.map((style, position) => ({
            userId: job.userId,
            photoshootId: created.id,
            style: style.name,
            prompt: style.prompt,
            aspectRatio: job.aspectRatio,
            isFree,
            sourceFileId: job.sourceFileId,
            position,
          })),
        );
      }
      return { ...created, isFree, orderId };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'uq_photoshoots_one_active_per_user')) throw new ActivePhotoshootError(job.userId);
    throw err;
  }
}

/**
 * Takes the oldest queued job for this worker. SKIP LOCKED lets any number of workers, in any
 * number of processes, claim concurrently without waiting on each other or taking one twice.
 * The claim makes `owner` and the incremented `attempts` the run's token (see RunToken).
 */
export async function claimNextPhotoshoot(db: Database, owner: string | null = null): Promise<Photoshoot | undefined> {
  const [row] = await db
    .update(photoshoots)
    .set({
      status: 'running',
      owner,
      attempts: sql`${photoshoots.attempts} + 1`,
      heartbeatAt: sql`now()`,
      startedAt: sql`coalesce(${photoshoots.startedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(
      eq(
        photoshoots.id,
        sql`(select id from photoshoots where status = 'queued' order by created_at, id for update skip locked limit 1)`,
      ),
    )
    .returning();
  return row;
}

/** What a running job learns from the database: go on, stop (the seller cancelled), or stop silently (no longer ours). */
export type JobState = 'running' | 'canceled' | 'lost';

/**
 * Marks a running job alive and says whether it may go on. /cancel finishes a job that has not
 * begun delivering ('canceled'); a job requeued after a stall, or claimed again since, is
 * 'lost' to the run whose token no longer matches.
 */
export async function heartbeat(db: Database, id: number, token?: RunToken): Promise<JobState> {
  const [row] = await db
    .update(photoshoots)
    .set({ heartbeatAt: sql`now()` })
    .where(and(eq(photoshoots.id, id), eq(photoshoots.status, 'running'), token && ownedBy(token)))
    .returning({ cancelRequested: photoshoots.cancelRequested });
  if (row) return row.cancelRequested ? 'canceled' : 'running';
  const [now] = await db.select({ status: photoshoots.status }).from(photoshoots).where(eq(photoshoots.id, id));
  return now?.status === 'canceled' ? 'canceled' : 'lost';
}

/**
 * The worker's last check before it sends anything: marks the job as delivering unless a
 * /cancel got in first. The update re-reads the row under its lock, so exactly one of this and
 * cancelActivePhotoshoots wins: either the job is delivered and charged, or it is cancelled,
 * delivers nothing and is not charged. True: deliver.
 */
export async function startDelivery(db: Database, id: number, token?: RunToken): Promise<boolean> {
  const [row] = await db
    .update(photoshoots)
    .set({ deliveringAt: sql`coalesce(${photoshoots.deliveringAt}, now())`, updatedAt: sql`now()` })
    .where(
      and(
        eq(photoshoots.id, id),
        eq(photoshoots.status, 'running'),
        eq(photoshoots.cancelRequested, false),
        token && ownedBy(token),
      ),
    )
    .returning({ id: photoshoots.id });
  return row !== undefined;
}

/**
 * Shutdown: jobs this process cannot finish in time go back to the queue at once, for the next
 * start or another worker, instead of waiting JOB_STALE_AFTER_S for their heartbeat to go stale.
 * Their rendered images and reserved credit stay; the next claim gets a new token, so the runs
 * handed back here write nothing more. Returns the ids handed back.
 */
export async function handBackPhotoshoots(
  db: Database,
  runs: readonly { id: number; token: RunToken }[],
): Promise<number[]> {
  const handed = await Promise.all(
    runs.map(({ id, token }) =>
      db
        .update(photoshoots)
        .set({ status: 'queued', owner: null, updatedAt: sql`now()` })
        .where(and(eq(photoshoots.id, id), eq(photoshoots.status, 'running'), ownedBy(token)))
        .returning({ id: photoshoots.id }),
    ),
  );
  return handed.flat().map((r) => r.id);
}

/**
 * Records the job's progress message: the one Generate turned into the queue position (no token:
 * the job was queued in the same transaction), or the one a run sent (while the job is still
 * that run's).
 */
export async function recordProgressMessage(
  db: Database,
  id: number,
  messageId: number,
  token?: RunToken,
): Promise<void> {
  await db
    .update(photoshoots)
    .set({ progressMessageId: messageId })
    .where(and(eq(photoshoots.id, id), token && ownedBy(token)));
}
