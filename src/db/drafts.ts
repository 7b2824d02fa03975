import { and, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import { photoshootDrafts, savedStyles } from './schema.js';
import { storableText } from './storable-text.js';

export type Draft = typeof photoshootDrafts.$inferSelect;
export type SavedStyle = typeof savedStyles.$inferSelect;

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
  patch: Partial<Pick<Draft, 'aspectRatio' | 'styleSource' | 'styles'>>,
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

export function savedStylesOf(db: Database, userId: number): Promise<SavedStyle[]> {
  return db.select().from(savedStyles).where(eq(savedStyles.userId, userId)).orderBy(savedStyles.slot);
}

/** Saved styles a user may keep (the schema's slot range 1-4 enforces it too). */
export const MAX_SAVED_STYLES = 4;

/**
 * Saves a style in the user's first free slot. The slots (1-4, unique per user) are the limit,
 * so concurrent saves cannot exceed it. Returns false when all 4 are taken.
 */
export async function saveStyle(
  db: Database,
  userId: number,
  style: { name: string; scene: string },
): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const rows = await queryRows<{ id: number }>(
      db,
      sql`insert into saved_styles (user_id, slot, name, scene)
          select ${userId}::int, slot, ${storableText(Array.from(style.name).slice(0, 60).join(''))}::text, ${storableText(style.scene)}::text
            from generate_series(1, ${MAX_SAVED_STYLES}::int) as slot
           where slot not in (select slot from saved_styles where user_id = ${userId}::int)
           order by slot limit 1
          on conflict do nothing
          returning id`,
    );
    if (rows.length > 0) return true;
    const [count] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(savedStyles)
      .where(eq(savedStyles.userId, userId));
    if ((count?.n ?? 0) >= MAX_SAVED_STYLES) return false;
  }
  return false;
}

export async function deleteSavedStyle(db: Database, userId: number, slot: number): Promise<boolean> {
  const rows = await db
    .delete(savedStyles)
    .where(and(eq(savedStyles.userId, userId), eq(savedStyles.slot, slot)))
    .returning({ id: savedStyles.id });
  return rows.length > 0;
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
