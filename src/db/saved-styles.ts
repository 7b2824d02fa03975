import { and, eq, sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import { savedStyles } from './schema.js';
import { storableText } from './storable-text.js';

export type SavedStyle = typeof savedStyles.$inferSelect;

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
