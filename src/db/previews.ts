import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import type { RunToken } from './queue.js';
import { photoshootDrafts, stylePreviews } from './schema.js';

export type StylePreview = typeof stylePreviews.$inferSelect;

const ownedBy = (token: RunToken) =>
  and(eq(stylePreviews.owner, token.owner), eq(stylePreviews.attempts, token.attempts));

const running = (id: number, token: RunToken) =>
  and(eq(stylePreviews.id, id), eq(stylePreviews.status, 'running'), ownedBy(token));

/**
 * Queues the analysis of a draft's photo; undefined when one is already queued or running for
 * that draft (a second tap queues nothing).
 */
export async function queuePreview(
  db: Database,
  preview: Pick<
    StylePreview,
    'draftId' | 'userId' | 'chatId' | 'messageId' | 'locale' | 'fileId' | 'fileUniqueId' | 'aspectRatio'
  >,
): Promise<StylePreview | undefined> {
  const [row] = await db.insert(stylePreviews).values(preview).onConflictDoNothing().returning();
  return row;
}

/** The oldest queued preview, now running under `owner` (FOR UPDATE SKIP LOCKED: processes share the queue). */
export async function claimNextPreview(db: Database, owner: string): Promise<StylePreview | undefined> {
  const [row] = await db
    .update(stylePreviews)
    .set({ status: 'running', owner, attempts: sql`${stylePreviews.attempts} + 1`, heartbeatAt: sql`now()` })
    .where(
      eq(
        stylePreviews.id,
        sql`(select id from style_previews where status = 'queued' order by id for update skip locked limit 1)`,
      ),
    )
    .returning();
  return row;
}

/** Marks a running preview alive; false: it is no longer this run's. */
export async function previewHeartbeat(db: Database, id: number, token: RunToken): Promise<boolean> {
  const rows = await db
    .update(stylePreviews)
    .set({ heartbeatAt: sql`now()` })
    .where(running(id, token))
    .returning({ id: stylePreviews.id });
  return rows.length > 0;
}

/**
 * The preview's styles become the draft's choice (while the draft is still open) and the
 * preview is done, in one transaction. 'chosen': the draft took them; 'draft-closed': the draft
 * was submitted meanwhile (kept as it was); 'lost': the preview is no longer this run's
 * (nothing written).
 */
export async function completePreview(
  db: Database,
  preview: Pick<StylePreview, 'id' | 'draftId'>,
  token: RunToken,
  styles: { name: string; scene: string }[],
): Promise<'chosen' | 'draft-closed' | 'lost'> {
  return db.transaction(async (tx) => {
    const done = await tx
      .update(stylePreviews)
      .set({ status: 'done', finishedAt: sql`now()` })
      .where(running(preview.id, token))
      .returning({ id: stylePreviews.id });
    if (done.length === 0) return 'lost';
    const chosen = await tx
      .update(photoshootDrafts)
      .set({ styleSource: 'analysis', styles })
      .where(and(eq(photoshootDrafts.id, preview.draftId), isNull(photoshootDrafts.submittedAt)))
      .returning({ id: photoshootDrafts.id });
    return chosen.length > 0 ? 'chosen' : 'draft-closed';
  });
}

/** The preview failed for good (`error` says why); false: it is no longer this run's. */
export async function failPreview(db: Database, id: number, token: RunToken, error: string): Promise<boolean> {
  const rows = await db
    .update(stylePreviews)
    .set({ status: 'failed', error, finishedAt: sql`now()` })
    .where(running(id, token))
    .returning({ id: stylePreviews.id });
  return rows.length > 0;
}

/** Gives running previews back to the queue at once (shutdown); returns the ids handed back. */
export async function handBackPreviews(
  db: Database,
  runs: readonly { id: number; token: RunToken }[],
): Promise<number[]> {
  if (runs.length === 0) return [];
  const handed = await Promise.all(
    runs.map(({ id, token }) =>
      db
        .update(stylePreviews)
        .set({ status: 'queued', owner: null })
        .where(running(id, token))
        .returning({ id: stylePreviews.id }),
    ),
  );
  return handed.flat().map((r) => r.id);
}

/**
 * Previews whose process died (no heartbeat for `staleAfterS`): queued again while attempts
 * remain, failed after `maxAttempts` (returned, so the seller can be told).
 */
export async function recoverStalePreviews(
  db: Database,
  options: { staleAfterS: number; maxAttempts: number },
): Promise<{ requeued: number[]; failed: StylePreview[] }> {
  const stale = sql`${stylePreviews.status} = 'running' and ${stylePreviews.heartbeatAt} < now() - make_interval(secs => ${options.staleAfterS})`;
  const requeued = await db
    .update(stylePreviews)
    .set({ status: 'queued', owner: null })
    .where(sql`${stale} and ${stylePreviews.attempts} < ${options.maxAttempts}`)
    .returning({ id: stylePreviews.id });
  const failed = await db
    .update(stylePreviews)
    .set({ status: 'failed', error: 'gave up after repeated interruptions', finishedAt: sql`now()` })
    .where(sql`${stale} and ${stylePreviews.attempts} >= ${options.maxAttempts}`)
    .returning();
  return { requeued: requeued.map((r) => r.id), failed };
}

/** Previews by id. */
export async function findPreviews(db: Database, ids: readonly number[]): Promise<StylePreview[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(stylePreviews)
    .where(inArray(stylePreviews.id, [...ids]));
}
