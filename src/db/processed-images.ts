import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import { ownedBy, type RunToken } from './queue.js';
import { photoshoots, processedImages } from './schema.js';

/**
 * An image row without its rendered PNG (which can be megabytes): `hasRendered` says whether one
 * is kept, rendered and waiting to be delivered. renderedImages() reads the PNGs themselves.
 */
export type ProcessedImage = Omit<typeof processedImages.$inferSelect, 'rendered'> & { hasRendered: boolean };

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
