import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import { photoshoots } from './schema.js';

export type Photoshoot = typeof photoshoots.$inferSelect;
export type StyleSourceKind = (typeof photoshoots.styleSource.enumValues)[number];

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

/**
 * Whether the failed styles of this job were already retried (a free retry is offered once), or,
 * with 'same', a photoshoot that delivered nothing was tried again (offered once too).
 */
export async function hasRetry(
  db: Database,
  parentId: number,
  styleSource: 'retry' | 'same' = 'retry',
): Promise<boolean> {
  const [row] = await db
    .select({ id: photoshoots.id })
    .from(photoshoots)
    .where(and(eq(photoshoots.parentId, parentId), eq(photoshoots.styleSource, styleSource)))
    .limit(1);
  return row !== undefined;
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
