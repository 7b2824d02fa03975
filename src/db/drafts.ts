import { and, asc, desc, eq, getTableColumns, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { type DraftPhoto, photoshootDrafts } from './schema.js';
import { storableText } from './storable-text.js';

export type Draft = typeof photoshootDrafts.$inferSelect;

/** Longest wish kept (a caption may hold 1024 characters; the style prompts need a sentence or two). */
export const WISH_MAX = 300;

/** A caption as the draft keeps it: trimmed, bounded, storable; nothing left is no wish. */
export function wishOf(caption: string | undefined): string | null {
  const tidy = storableText(caption ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return tidy === '' ? null : tidy.slice(0, WISH_MAX).trim();
}

export async function createDraft(
  db: Database,
  draft: { userId: number; chatId: number; photos: DraftPhoto[]; wish?: string | null },
): Promise<Draft> {
  const [row] = await db.insert(photoshootDrafts).values(draft).returning();
  if (!row) throw new Error('Inserting a draft returned no row');
  return row;
}

/** Whether the user has ever had a draft (their first photo gets the photo tips). */
export async function hasDrafts(db: Database, userId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: photoshootDrafts.id })
    .from(photoshootDrafts)
    .where(eq(photoshootDrafts.userId, userId))
    .limit(1);
  return row !== undefined;
}

/** The draft, if it exists, belongs to `userId` and has not been submitted yet. */
export async function openDraft(db: Database, id: number, userId: number): Promise<Draft | undefined> {
  const [row] = await db
    .select()
    .from(photoshootDrafts)
    .where(and(eq(photoshootDrafts.id, id), eq(photoshootDrafts.userId, userId), isNull(photoshootDrafts.submittedAt)));
  return row;
}

export async function findDraft(db: Database, id: number): Promise<Draft | undefined> {
  const [row] = await db.select().from(photoshootDrafts).where(eq(photoshootDrafts.id, id));
  return row;
}

export async function updateDraft(
  db: Database,
  id: number,
  patch: Partial<Pick<Draft, 'aspectRatio' | 'styleSource' | 'styles' | 'messageId' | 'marketplace'>>,
): Promise<void> {
  await db.update(photoshootDrafts).set(patch).where(eq(photoshootDrafts.id, id));
}

/** Marks the draft submitted; only the first of several concurrent calls gets the row back. */
export async function submitDraft(db: Database, id: number, userId: number): Promise<Draft | undefined> {
  const [row] = await db
    .update(photoshootDrafts)
    .set({ submittedAt: sql`now()`, waitingSince: null })
    .where(and(eq(photoshootDrafts.id, id), eq(photoshootDrafts.userId, userId), isNull(photoshootDrafts.submittedAt)))
    .returning();
  return row;
}

/**
 * Generate pressed while another photoshoot runs: the draft waits for it (nothing is charged
 * yet). True the first time; a second press finds it waiting already.
 */
export async function markWaiting(db: Database, id: number, userId: number): Promise<boolean> {
  const rows = await db
    .update(photoshootDrafts)
    .set({ waitingSince: sql`now()` })
    .where(
      and(
        eq(photoshootDrafts.id, id),
        eq(photoshootDrafts.userId, userId),
        isNull(photoshootDrafts.submittedAt),
        isNull(photoshootDrafts.waitingSince),
      ),
    )
    .returning({ id: photoshootDrafts.id });
  return rows.length > 0;
}

/**
 * The draft no longer waits (it could not be started); it stays open for another Generate.
 * True for the one caller that ended the wait (of several workers sweeping at once).
 */
export async function stopWaiting(db: Database, id: number): Promise<boolean> {
  const rows = await db
    .update(photoshootDrafts)
    .set({ waitingSince: null })
    .where(and(eq(photoshootDrafts.id, id), isNotNull(photoshootDrafts.waitingSince)))
    .returning({ id: photoshootDrafts.id });
  return rows.length > 0;
}

/** The user's oldest draft waiting for their running photoshoot to end. */
export async function waitingDraftOf(db: Database, userId: number): Promise<Draft | undefined> {
  const [row] = await db
    .select()
    .from(photoshootDrafts)
    .where(
      and(
        eq(photoshootDrafts.userId, userId),
        isNull(photoshootDrafts.submittedAt),
        isNotNull(photoshootDrafts.waitingSince),
      ),
    )
    .orderBy(asc(photoshootDrafts.waitingSince))
    .limit(1);
  return row;
}

/** Users with a waiting draft and no active photoshoot (outside batches): theirs can start now. */
export async function usersWithStartableDrafts(db: Database, limit = 100): Promise<number[]> {
  const rows = await db
    .selectDistinct({ userId: photoshootDrafts.userId })
    .from(photoshootDrafts)
    .where(
      and(
        isNull(photoshootDrafts.submittedAt),
        isNotNull(photoshootDrafts.waitingSince),
        sql`not exists (select 1 from photoshoots p where p.user_id = ${photoshootDrafts.userId} and p.status in ('queued', 'running') and p.batch_id is null)`,
      ),
    )
    .orderBy(desc(photoshootDrafts.userId))
    .limit(limit);
  return rows.map((r) => r.userId);
}

/** How long a draft set up to its confirm step is offered again after a payment. */
export const RESUMABLE_DRAFT_HOURS = 24;

/**
 * The user's newest draft set up to its confirm step (ratio and styles chosen), neither
 * submitted nor waiting to start, made in the last RESUMABLE_DRAFT_HOURS.
 */
export async function resumableDraft(db: Database, userId: number): Promise<Draft | undefined> {
  const [row] = await db
    .select()
    .from(photoshootDrafts)
    .where(
      and(
        eq(photoshootDrafts.userId, userId),
        isNull(photoshootDrafts.submittedAt),
        isNull(photoshootDrafts.waitingSince),
        isNotNull(photoshootDrafts.aspectRatio),
        sql`jsonb_array_length(coalesce(${photoshootDrafts.styles}, '[]'::jsonb)) > 0`,
        sql`${photoshootDrafts.createdAt} > now() - make_interval(hours => ${RESUMABLE_DRAFT_HOURS}::int)`,
      ),
    )
    .orderBy(desc(photoshootDrafts.createdAt))
    .limit(1);
  return row;
}

/** Most photos one batch takes (a Telegram album holds at most 10). */
export const MAX_BATCH_PHOTOS = 10;

/**
 * The photos of one album arrive as separate updates: the first creates the draft, the others
 * join it (one statement each, so their order and concurrency do not matter). `created` tells
 * the caller whether to show the keyboard. The album's caption (on any one photo) is its wish.
 */
export async function addToAlbum(
  db: Database,
  album: { userId: number; chatId: number; mediaGroupId: string; photo: DraftPhoto; wish?: string | null },
): Promise<{ draft: Draft; created: boolean } | undefined> {
  const photo = JSON.stringify([album.photo]);
  const wish = album.wish ?? null;
  const [row] = await db
    .insert(photoshootDrafts)
    .values({
      userId: album.userId,
      chatId: album.chatId,
      mediaGroupId: album.mediaGroupId,
      photos: [album.photo],
      wish,
    })
    .onConflictDoUpdate({
      target: [photoshootDrafts.userId, photoshootDrafts.mediaGroupId],
      set: {
        photos: sql`${photoshootDrafts.photos} || ${photo}::jsonb`,
        wish: sql`coalesce(${photoshootDrafts.wish}, ${wish}::text)`,
      },
      setWhere: sql`${photoshootDrafts.submittedAt} is null and jsonb_array_length(${photoshootDrafts.photos}) < ${MAX_BATCH_PHOTOS}`,
    })
    .returning({ ...getTableColumns(photoshootDrafts), created: sql<boolean>`(xmax = 0)` });
  if (!row) return undefined;
  const { created, ...draft } = row;
  return { draft, created };
}
