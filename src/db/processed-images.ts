import { and, asc, eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { ComplianceSummary } from '../services/image-compliance.js';
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
 * Keeps a rendered file (PNG, or a marketplace's JPEG with its checks) until it is delivered,
 * so a failed delivery, a shutdown or a crash resumes from it instead of paying for it again.
 * False: the run no longer holds the job.
 */
export async function storeRendered(
  db: Database,
  imageId: number,
  png: Buffer,
  token: RunToken,
  compliance: ComplianceSummary | null = null,
): Promise<boolean> {
  const rows = await db
    .update(processedImages)
    .set({ rendered: png, error: null, compliance })
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
  /** The file: a PNG, or a marketplace preset's JPEG or PNG. */
  png: Buffer;
  /** The marketplace preset's checks of the file; null: no preset. */
  compliance: ComplianceSummary | null;
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
      compliance: processedImages.compliance,
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
  /** The style of each delivered image: the photoshoot's by position, then its free retries'. */
  styles: string[];
  /** Delivered images, a free retry's included. */
  images: number;
  /** Of those, the ones a free retry delivered. */
  retried: number;
  /** The first preview (the album photo of its first delivered image), if one was sent. */
  thumbnailFileId: string | null;
}

/**
 * A photoshoot and its free retries (children with style_source 'retry', and theirs): `roots`
 * names the photoshoots the family starts from. The step stays on the user's rows, which
 * idx_photoshoots_user_created serves.
 */
const family = (userId: SQL, roots: SQL) =>
  sql`with recursive family (root_id, id) as (
        select p.id, p.id from photoshoots p where p.user_id = ${userId} and ${roots}
        union all
        select f.root_id, c.id from photoshoots c join family f on c.parent_id = f.id
         where c.user_id = ${userId} and c.style_source = 'retry'
      )`;

/**
 * A page of the user's photoshoots that delivered something, newest first; a free retry is
 * counted inside the photoshoot it retried, not listed on its own. One extra row tells whether
 * more exist.
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
    styles: string[];
    images: string | number;
    retried: string | number;
    thumbnail: string | null;
  }>(
    db,
    sql`${family(sql`${userId}::int`, sql`not (p.style_source = 'retry' and p.parent_id is not null)`)}
        select f.root_id as photoshoot_id, r.created_at, r.aspect_ratio,
               array_agg(i.style order by f.id, i.position) as styles,
               count(*) as images,
               count(*) filter (where f.id <> f.root_id) as retried,
               (array_agg(i.preview_file_id order by f.id, i.position)
                  filter (where i.preview_file_id is not null))[1] as thumbnail
          from family f
          join processed_images i on i.photoshoot_id = f.id and i.status = 'done'
          join photoshoots r on r.id = f.root_id
         group by f.root_id, r.created_at, r.aspect_ratio
         order by r.created_at desc, f.root_id desc
         limit ${pageSize + 1} offset ${page * pageSize}`,
  );
  const entries = rows.slice(0, pageSize).map((r) => ({
    photoshootId: Number(r.photoshoot_id),
    createdAt: new Date(r.created_at),
    aspectRatio: r.aspect_ratio,
    styles: r.styles,
    images: Number(r.images),
    retried: Number(r.retried),
    thumbnailFileId: r.thumbnail,
  }));
  return { entries, hasMore: rows.length > pageSize };
}

export interface DeliveredImage {
  style: string;
  resultFileId: string;
  previewFileId: string | null;
}

/**
 * The delivered images of a photoshoot and of its free retries (what /history sends again):
 * the photoshoot's by position, then each retry's.
 */
export async function deliveredWithRetries(db: Database, photoshootId: number): Promise<DeliveredImage[]> {
  const rows = await queryRows<{ style: string; result_file_id: string; preview_file_id: string | null }>(
    db,
    sql`${family(sql`(select user_id from photoshoots where id = ${photoshootId}::int)`, sql`p.id = ${photoshootId}::int`)}
        select i.style, i.result_file_id, i.preview_file_id
          from family f join processed_images i on i.photoshoot_id = f.id
         where i.status = 'done' and i.result_file_id is not null
         order by f.id, i.position`,
  );
  return rows.map((r) => ({ style: r.style, resultFileId: r.result_file_id, previewFileId: r.preview_file_id }));
}
