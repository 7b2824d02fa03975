import { and, eq, type SQL, sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import { savedStyles } from './schema.js';
import { storableText } from './storable-text.js';

export type SavedStyle = typeof savedStyles.$inferSelect;

/**
 * A scene's content as saved_styles.content_hash holds it: trimmed, runs of whitespace made one
 * space, lower case, md5. The one expression (the migration backfilled the column with it), so
 * a scene saved again with other spacing or capitals is the same style.
 */
const contentHash = (scene: SQL) => sql`md5(lower(regexp_replace(btrim(${scene}), '\\s+', ' ', 'g')))`;

/**
 * The user's saved styles by slot, each content once: a row saved before the content check
 * (a null content_hash) that repeats another row's scene is not listed.
 */
export async function savedStylesOf(db: Database, userId: number): Promise<SavedStyle[]> {
  const rows = await db
    .select()
    .from(savedStyles)
    .where(
      and(
        eq(savedStyles.userId, userId),
        sql`(${savedStyles.contentHash} is not null or not exists (
              select 1 from saved_styles o
               where o.user_id = ${savedStyles.userId} and o.id <> ${savedStyles.id}
                 and ${contentHash(sql`o.scene`)} = ${contentHash(sql`${savedStyles.scene}`)}
                 and (o.content_hash is not null or o.slot < ${savedStyles.slot})))`,
      ),
    )
    .orderBy(savedStyles.slot);
  return rows;
}

/** Saved styles a user may keep (the schema's slot range 1-4 enforces it too). */
export const MAX_SAVED_STYLES = 4;

export type SaveStyleOutcome =
  | { kind: 'saved' }
  /** All 4 slots hold a style. */
  | { kind: 'full' }
  /** The same scene is saved already, under this name. */
  | { kind: 'duplicate'; name: string };

/** The name under which the user saved this scene, if they did (any spacing or case). */
export async function savedStyleName(db: Database, userId: number, scene: string): Promise<string | undefined> {
  const [row] = await queryRows<{ name: string }>(
    db,
    sql`select name from saved_styles
         where user_id = ${userId}::int and ${contentHash(sql`scene`)} = ${contentHash(sql`${scene}::text`)}
         order by content_hash is null, slot limit 1`,
  );
  return row?.name;
}

/**
 * Removes a user's unlisted duplicates (saved before the content check, see savedStylesOf) to
 * free their slots; true if one was removed. The style they repeat stays.
 */
async function dropHiddenDuplicates(db: Database, userId: number): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`delete from saved_styles s
         where s.user_id = ${userId}::int and s.content_hash is null and exists (
               select 1 from saved_styles o
                where o.user_id = s.user_id and o.id <> s.id
                  and ${contentHash(sql`o.scene`)} = ${contentHash(sql`s.scene`)}
                  and (o.content_hash is not null or o.slot < s.slot))
         returning s.id`,
  );
  return rows.length > 0;
}

/**
 * Saves a style in the user's first free slot, with the preview it was saved from as its
 * example. The slots (1-4, unique per user) are the limit and uq_saved_styles_user_content
 * refuses a second row of the same content, so concurrent saves can neither exceed the limit
 * nor save one scene twice.
 */
export async function saveStyle(
  db: Database,
  userId: number,
  style: { name: string; scene: string; exampleFileId?: string | null },
): Promise<SaveStyleOutcome> {
  const name = storableText(Array.from(style.name).slice(0, 60).join(''));
  const scene = storableText(style.scene);
  for (let attempt = 0; attempt < 4; attempt++) {
    const rows = await queryRows<{ id: number }>(
      db,
      sql`insert into saved_styles (user_id, slot, name, scene, content_hash, example_file_id)
          select ${userId}::int, slot, ${name}::text, ${scene}::text, ${contentHash(sql`${scene}::text`)},
                 ${style.exampleFileId ?? null}::text
            from generate_series(1, ${MAX_SAVED_STYLES}::int) as slot
           where slot not in (select slot from saved_styles where user_id = ${userId}::int)
             and not exists (select 1 from saved_styles where user_id = ${userId}::int
                               and ${contentHash(sql`scene`)} = ${contentHash(sql`${scene}::text`)})
           order by slot limit 1
          on conflict do nothing
          returning id`,
    );
    if (rows.length > 0) return { kind: 'saved' };
    const duplicate = await savedStyleName(db, userId, scene);
    if (duplicate !== undefined) return { kind: 'duplicate', name: duplicate };
    const [count] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(savedStyles)
      .where(eq(savedStyles.userId, userId));
    if ((count?.n ?? 0) >= MAX_SAVED_STYLES && !(await dropHiddenDuplicates(db, userId))) return { kind: 'full' };
  }
  return { kind: 'full' };
}

/** Deletes the style in `slot`, and unlisted duplicates of its scene saved before the content check. */
export async function deleteSavedStyle(db: Database, userId: number, slot: number): Promise<boolean> {
  const [deleted] = await db
    .delete(savedStyles)
    .where(and(eq(savedStyles.userId, userId), eq(savedStyles.slot, slot)))
    .returning({ scene: savedStyles.scene });
  if (!deleted) return false;
  await db.execute(
    sql`delete from saved_styles where user_id = ${userId}::int and content_hash is null
          and ${contentHash(sql`scene`)} = ${contentHash(sql`${deleted.scene}::text`)}`,
  );
  return true;
}
