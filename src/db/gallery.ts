import { sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { styleGallery } from './schema.js';

/** One catalogue style's example picture: a Telegram photo, sent to sellers by its file id. */
export type GalleryExample = typeof styleGallery.$inferSelect;

/** Every stored example, oldest first (a dozen rows at most: one per catalogue style). */
export function galleryExamples(db: Database): Promise<GalleryExample[]> {
  return db.select().from(styleGallery).orderBy(styleGallery.builtAt);
}

/** Stores a style's example, replacing the one it had (a rebuild). */
export async function saveGalleryExample(
  db: Database,
  example: { styleKey: string; fileId: string; builtBy: number | null },
): Promise<void> {
  await db
    .insert(styleGallery)
    .values(example)
    .onConflictDoUpdate({
      target: styleGallery.styleKey,
      set: { fileId: example.fileId, builtBy: example.builtBy, builtAt: sql`now()` },
    });
}
