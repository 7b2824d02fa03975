import { and, asc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { type Database, isUniqueViolation, queryRows } from './client.js';
import { releaseCredit, reserveCredit } from './ledger.js';
import { photoshoots, processedImages } from './schema.js';

export type Photoshoot = typeof photoshoots.$inferSelect;
/**
 * An image row without its rendered PNG (which can be megabytes): `hasRendered` says whether one
 * is kept, rendered and waiting to be delivered. renderedImages() reads the PNGs themselves.
 */
export type ProcessedImage = Omit<typeof processedImages.$inferSelect, 'rendered'> & { hasRendered: boolean };

/**
 * Which run of a job may write: the worker process that claimed it and the attempt it made.
 * Every heartbeat and write of a run checks both, so a run whose job was taken over (after a
 * database outage longer than JOB_STALE_AFTER_S) or handed back at shutdown changes nothing.
 */
export interface RunToken {
  owner: string;
  attempts: number;
}

const ownedBy = (token: RunToken) => and(eq(photoshoots.owner, token.owner), eq(photoshoots.attempts, token.attempts));
export type StyleSourceKind = (typeof photoshoots.styleSource.enumValues)[number];

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

/** Every column of processed_images but the rendered PNG, which only renderedImages() reads. */
const { rendered: _rendered, ...imageColumns } = getTableColumns(processedImages);

export function imagesOf(db: Database, photoshootId: number): Promise<ProcessedImage[]> {
  return db
    .select({ ...imageColumns, hasRendered: sql<boolean>`${processedImages.rendered} is not null` })
    .from(processedImages)
    .where(eq(processedImages.photoshootId, photoshootId))
    .orderBy(asc(processedImages.position));
}

/** The run still holds the job that owns this image (the condition of every image write of a run). */
const imageOwnedBy = (token: RunToken) =>
  sql`exists (select 1 from ${photoshoots} where ${photoshoots.id} = ${processedImages.photoshootId} and ${ownedBy(token)})`;

/**
 * Records how an image ended: delivered (its file ids; the kept PNG is dropped, /history resends
 * the file id) or failed. With a token, only while the run still holds the job; false: it did not.
 */
export async function recordImage(
  db: Database,
  imageId: number,
  result: { status: 'done'; resultFileId: string; previewFileId: string | null } | { status: 'failed'; error: string },
  token?: RunToken,
): Promise<boolean> {
  const rows = await db
    .update(processedImages)
    .set(
      result.status === 'done'
        ? {
            status: 'done',
            resultFileId: result.resultFileId,
            previewFileId: result.previewFileId,
            error: null,
            rendered: null,
          }
        : { status: 'failed', error: result.error.slice(0, 500) },
    )
    .where(and(eq(processedImages.id, imageId), token && imageOwnedBy(token)))
    .returning({ id: processedImages.id });
  return rows.length > 0;
}

/**
 * Keeps a rendered PNG until it is delivered, so a failed delivery, a shutdown or a crash
 * resumes from it instead of paying for it again. False: the run no longer holds the job.
 */
export async function storeRendered(db: Database, imageId: number, png: Buffer, token: RunToken): Promise<boolean> {
  const rows = await db
    .update(processedImages)
    .set({ rendered: png, error: null })
    .where(and(eq(processedImages.id, imageId), eq(processedImages.status, 'pending'), imageOwnedBy(token)))
    .returning({ id: processedImages.id });
  return rows.length > 0;
}

/** The album preview of a kept image was sent: a resumed delivery sends only its PNG file. */
export async function recordPreview(
  db: Database,
  imageId: number,
  previewFileId: string,
  token: RunToken,
): Promise<boolean> {
  const rows = await db
    .update(processedImages)
    .set({ previewFileId })
    .where(and(eq(processedImages.id, imageId), imageOwnedBy(token)))
    .returning({ id: processedImages.id });
  return rows.length > 0;
}

export interface RenderedImage {
  id: number;
  position: number;
  style: string;
  /** Set once its preview went out in the album (a delivery cut short after the album). */
  previewFileId: string | null;
  png: Buffer;
}

/** The job's rendered images not yet delivered, by position, with their PNGs. */
export async function renderedImages(db: Database, photoshootId: number): Promise<RenderedImage[]> {
  const rows = await db
    .select({
      id: processedImages.id,
      position: processedImages.position,
      style: processedImages.style,
      previewFileId: processedImages.previewFileId,
      png: processedImages.rendered,
    })
    .from(processedImages)
    .where(
      and(
        eq(processedImages.photoshootId, photoshootId),
        eq(processedImages.status, 'pending'),
        sql`${processedImages.rendered} is not null`,
      ),
    )
    .orderBy(asc(processedImages.position));
  return rows.flatMap((r) => (r.png ? [{ ...r, png: Buffer.from(r.png) }] : []));
}

/** 'forfeited': released, but its order was refunded meanwhile, so the balance stays as it is. */
export type Settlement = 'committed' | 'released' | 'forfeited' | 'unchanged';

/**
 * Ends a job and settles its credit exactly once: committed if at least one image was
 * delivered, released (through the ledger) if none was. The credit_state guard makes a second
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
                   when exists (select 1 from processed_images i where i.photoshoot_id = p.id and i.status = 'done')
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

/** Queue position (1 = next) of queued jobs, for progress messages. */
export async function queuePositions(db: Database, ids: number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await queryRows<{ id: number; position: string | number }>(
    db,
    sql`select id, position from (
          select id, row_number() over (order by created_at, id) as position
            from photoshoots where status = 'queued'
        ) q where id in ${ids}`,
  );
  return new Map(rows.map((r) => [Number(r.id), Number(r.position)]));
}

export function findPhotoshoot(db: Database, id: number): Promise<Photoshoot | undefined> {
  return db
    .select()
    .from(photoshoots)
    .where(eq(photoshoots.id, id))
    .limit(1)
    .then((rows) => rows[0]);
}

export function activePhotoshoots(db: Database, userId: number): Promise<Photoshoot[]> {
  return db
    .select()
    .from(photoshoots)
    .where(and(eq(photoshoots.userId, userId), inArray(photoshoots.status, ['queued', 'running'])));
}

/** Whether the failed styles of this job were already retried (a free retry is offered once). */
export async function hasRetry(db: Database, parentId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: photoshoots.id })
    .from(photoshoots)
    .where(and(eq(photoshoots.parentId, parentId), eq(photoshoots.styleSource, 'retry')))
    .limit(1);
  return row !== undefined;
}

export interface HistoryEntry {
  photoshootId: number;
  createdAt: Date;
  aspectRatio: string;
  images: number;
}

/**
 * A page of the user's delivered photoshoots, newest first (from processed_images by user and
 * time, which idx_processed_images_user_created serves). One extra row tells whether more exist.
 */
export async function historyPage(
  db: Database,
  userId: number,
  page: number,
  pageSize: number,
): Promise<{ entries: HistoryEntry[]; hasMore: boolean }> {
  const rows = await queryRows<{
    photoshoot_id: number;
    created_at: Date | string;
    aspect_ratio: string;
    images: string | number;
  }>(
    db,
    sql`select photoshoot_id, max(created_at) as created_at, min(aspect_ratio) as aspect_ratio, count(*) as images
          from processed_images
         where user_id = ${userId} and status = 'done' and photoshoot_id is not null
         group by photoshoot_id
         order by max(created_at) desc, photoshoot_id desc
         limit ${pageSize + 1} offset ${page * pageSize}`,
  );
  const entries = rows.slice(0, pageSize).map((r) => ({
    photoshootId: Number(r.photoshoot_id),
    createdAt: new Date(r.created_at),
    aspectRatio: r.aspect_ratio,
    images: Number(r.images),
  }));
  return { entries, hasMore: rows.length > pageSize };
}

export interface QueuedJob {
  id: number;
  chatId: number;
  progressMessageId: number;
  position: number;
  locale: string | null;
}

/**
 * Queued jobs that show a progress message, with their queue position (1 = next), oldest first;
 * sellers who blocked the bot are counted in the positions but not listed (nothing reaches them).
 */
export async function queuedJobs(db: Database, limit: number): Promise<QueuedJob[]> {
  const rows = await queryRows<{
    id: number;
    chat_id: string | number;
    progress_message_id: string | number;
    position: string | number;
    locale: string | null;
  }>(
    db,
    sql`select q.id, q.chat_id, q.progress_message_id, q.position, coalesce(u.locale, u.language_code) as locale
          from (select id, user_id, chat_id, progress_message_id,
                       row_number() over (order by created_at, id) as position
                  from photoshoots where status = 'queued') q
          join users u on u.id = q.user_id
         where q.progress_message_id is not null and u.blocked_at is null
         order by q.position
         limit ${limit}`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    chatId: Number(r.chat_id),
    progressMessageId: Number(r.progress_message_id),
    position: Number(r.position),
    locale: r.locale,
  }));
}

/** Jobs waiting and running right now, across every process (for metrics). */
export async function activeJobCounts(db: Database): Promise<{ queued: number; running: number }> {
  const rows = await queryRows<{ status: string; n: number }>(
    db,
    sql`select status, count(*)::int as n from photoshoots where status in ('queued', 'running') group by status`,
  );
  const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return { queued: count('queued'), running: count('running') };
}
