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
  /**
   * The 80th percentile of the seconds the last 20 image answers took, request to answer (any
   * process): about the slowest of a photoshoot's 4 images (the largest of 4 draws falls near
   * the 4/5 quantile). Undefined before any.
   */
  slowImageS: number | undefined;
}

const seconds = (value: number | null | undefined) =>
  value === null || value === undefined ? undefined : Number(value);

/** One statement: running jobs, their images left, and how long recent photoshoots and images took. */
export async function queueLoad(db: Database): Promise<QueueLoad> {
  const [row] = await queryRows<{
    running: number;
    running_images: number;
    median_s: number | null;
    slow_image_s: number | null;
  }>(
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
              limit 20) recent) as median_s,
          (select percentile_cont(0.8) within group (order by duration_ms) / 1000.0 from (
             select duration_ms
               from ai_usage
              where upstream = 'images' and duration_ms is not null
              order by id desc
              limit 20) recent) as slow_image_s`,
  );
  return {
    running: Number(row?.running ?? 0),
    runningImages: Number(row?.running_images ?? 0),
    medianPhotoshootS: seconds(row?.median_s),
    slowImageS: seconds(row?.slow_image_s),
  };
}
