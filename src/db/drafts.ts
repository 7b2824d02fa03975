import { and, desc, eq, getTableColumns, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { photoshootDrafts } from './schema.js';

export type Draft = typeof photoshootDrafts.$inferSelect;

export async function createDraft(
  db: Database,
  draft: { userId: number; chatId: number; photos: { fileId: string; fileUniqueId: string }[] },
): Promise<Draft> {
  const [row] = await db.insert(photoshootDrafts).values(draft).returning();
  if (!row) throw new Error('Inserting a draft returned no row');
  return row;
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
  patch: Partial<Pick<Draft, 'aspectRatio' | 'styleSource' | 'styles' | 'messageId'>>,
): Promise<void> {
  await db.update(photoshootDrafts).set(patch).where(eq(photoshootDrafts.id, id));
}

/** Marks the draft submitted; only the first of several concurrent calls gets the row back. */
export async function submitDraft(db: Database, id: number, userId: number): Promise<Draft | undefined> {
  const [row] = await db
    .update(photoshootDrafts)
    .set({ submittedAt: sql`now()` })
    .where(and(eq(photoshootDrafts.id, id), eq(photoshootDrafts.userId, userId), isNull(photoshootDrafts.submittedAt)))
    .returning();
  return row;
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
 * the caller whether to show the keyboard.
 */
export async function addToAlbum(
  db: Database,
  album: { userId: number; chatId: number; mediaGroupId: string; photo: { fileId: string; fileUniqueId: string } },
): Promise<{ draft: Draft; created: boolean } | undefined> {
  const photo = JSON.stringify([album.photo]);
  const [row] = await db
    .insert(photoshootDrafts)
    .values({ userId: album.userId, chatId: album.chatId, mediaGroupId: album.mediaGroupId, photos: [album.photo] })
    .onConflictDoUpdate({
      target: [photoshootDrafts.userId, photoshootDrafts.mediaGroupId],
      set: { photos: sql`${photoshootDrafts.photos} || ${photo}::jsonb` },
      setWhere: sql`${photoshootDrafts.submittedAt} is null and jsonb_array_length(${photoshootDrafts.photos}) < ${MAX_BATCH_PHOTOS}`,
    })
    .returning({ ...getTableColumns(photoshootDrafts), created: sql<boolean>`(xmax = 0)` });
  if (!row) return undefined;
  const { created, ...draft } = row;
  return { draft, created };
}
