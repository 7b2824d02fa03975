import { sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';

/** What the queue's wait depends on, across every process. */
export interface QueueLoad {
  /** Jobs running now. */
  running: number;
  /** Images of running jobs still to render. */
  runningImages: number;
  /** Median seconds from start to finish of the last 20 delivered photoshoots; undefined before any. */
  medianPhotoshootS: number | undefined;
}

/** One statement: running jobs, their images left, and the recent photoshoots' median duration. */
export async function queueLoad(db: Database): Promise<QueueLoad> {
  const [row] = await queryRows<{ running: number; running_images: number; median_s: number | null }>(
    db,
    sql`select
          (select count(*) from photoshoots where status = 'running')::int as running,
          (select count(*) from processed_images i join photoshoots p on p.id = i.photoshoot_id
            where p.status = 'running' and i.status = 'pending')::int as running_images,
          (select percentile_cont(0.5) within group (order by seconds) from (
             select extract(epoch from (finished_at - started_at)) as seconds
               from photoshoots
              where status = 'done' and started_at is not null and finished_at is not null
              order by created_at desc
              limit 20) recent) as median_s`,
  );
  return {
    running: Number(row?.running ?? 0),
    runningImages: Number(row?.running_images ?? 0),
    medianPhotoshootS: row?.median_s === null || row?.median_s === undefined ? undefined : Number(row.median_s),
  };
}
