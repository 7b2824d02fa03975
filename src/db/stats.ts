import { sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';

/** The business at a glance: what /stats shows. */
export interface BusinessStats {
  users: { total: number; today: number; week: number; activeWeek: number };
  photoshoots: { total: number; today: number; failed: number };
  /** Free and paid count delivered images only; a failed image is neither. */
  images: { total: number; today: number; failed: number; free: number; paid: number };
  orders: { total: number; paid: number; pending: number; refunded: number };
  revenue: { total: number; today: number; month: number };
  /**
   * AI spend in USD (ai_usage, priced when recorded): today, the last 30 days, the images of
   * those 30 days, and the cost per photoshoot over them (null when there was none).
   */
  ai: { today: number; month: number; imagesMonth: number; perPhotoshoot: number | null };
  /** Photoshoots still on users' balances. */
  outstanding: number;
  topStyles: { style: string; images: number }[];
  /** When the figures were computed (ISO). */
  computedAt: string;
}

const n = (value: unknown) => Number(value ?? 0);

/**
 * Every /stats figure in ONE statement: each table is aggregated on its own (conditional
 * aggregation with FILTER) into a single row, and the single-row results are cross joined.
 * Nothing joins users to images to orders, so no row is counted once per row of another
 * table (the fan-out that inflated revenue once per image). "Today" starts at midnight in
 * `timeZone`. Each part keeps the plan it would have alone (parallel scans, the created_at
 * index for today's images, an index-only scan grouped by style for the top styles).
 *
 * The two range scans (today's images, the 30 days of ai_usage) compare with the expression
 * itself, not with an InitPlan: the planner cannot see an InitPlan's value and guesses a third
 * of the table (333k of 1M images where ~6k are today's), which made today's images a parallel
 * scan and, once ai_usage held 1.25M rows, priced the statement past `jit_above_cost`
 * (100,000): JIT then compiled ~100 expressions for a one-row result, 145-185 ms per /stats.
 * An index condition's expression is computed once per scan, and its value is the same
 * (`now()` is the transaction's start); the FILTERs keep their InitPlans.
 */
export async function businessStats(db: Database, timeZone: string): Promise<BusinessStats> {
  // Scalar subqueries: computed once per statement (an InitPlan), not once per row of a FILTER.
  const todayStart = sql`(date_trunc('day', now() at time zone ${timeZone}) at time zone ${timeZone})`;
  const today = sql`(select ${todayStart})`;
  const week = sql`(select now() - interval '7 days')`;
  const month = sql`(select now() - interval '30 days')`;
  const [row] = await queryRows<Record<string, unknown>>(
    db,
    sql`
      select *
        from (select count(*) as users_total,
                     count(*) filter (where created_at >= ${today}) as users_today,
                     count(*) filter (where created_at >= ${week}) as users_week,
                     count(*) filter (where last_seen_at >= ${week}) as users_active_week,
                     coalesce(sum(balance), 0) as outstanding
                from users) u,
             (select count(*) as photoshoots_total,
                     count(*) filter (where created_at >= ${today}) as photoshoots_today,
                     count(*) filter (where status = 'failed') as photoshoots_failed
                from photoshoots) p,
             (select count(*) as images_total,
                     count(*) filter (where status = 'failed') as images_failed,
                     -- Free and paid count delivered images only: a failed one was neither given nor sold.
                     count(*) filter (where is_free and status = 'done') as images_free,
                     count(*) filter (where not is_free and status = 'done') as images_paid
                from processed_images) i,
             (select count(*) as images_today from processed_images where created_at >= ${todayStart}) it,
             (select count(*) as orders_total,
                     count(*) filter (where status = 'paid') as orders_paid,
                     count(*) filter (where status = 'pending') as orders_pending,
                     count(*) filter (where status = 'refunded') as orders_refunded,
                     coalesce(sum(amount) filter (where status = 'paid'), 0) as revenue_total,
                     coalesce(sum(amount) filter (where status = 'paid' and paid_at >= ${today}), 0) as revenue_today,
                     coalesce(sum(amount) filter (where status = 'paid' and paid_at >= ${month}), 0) as revenue_month
                from orders) o,
             -- A range of the created_at index: only the last 30 days are read (the bound as an
             -- expression, so the planner estimates the range; see above).
             (select coalesce(sum(cost_usd) filter (where created_at >= ${today}), 0) as ai_today,
                     coalesce(sum(cost_usd), 0) as ai_month,
                     coalesce(sum(images), 0) as ai_images_month,
                     coalesce(sum(cost_usd) filter (where photoshoot_id is not null), 0) as ai_photoshoots_cost,
                     count(distinct photoshoot_id) as ai_photoshoots
                from ai_usage where created_at >= now() - interval '30 days') a,
             (select coalesce(json_agg(json_build_object('style', style, 'images', images) order by images desc, style), '[]')
                       as top_styles
                from (select style, count(*) as images from processed_images
                       group by style order by images desc, style limit 5) t) s,
             (select now() as computed_at) c`,
  );
  if (!row) throw new Error('The statistics query returned no row');
  const top = (typeof row.top_styles === 'string' ? JSON.parse(row.top_styles) : row.top_styles) as {
    style: string;
    images: number;
  }[];
  return {
    users: {
      total: n(row.users_total),
      today: n(row.users_today),
      week: n(row.users_week),
      activeWeek: n(row.users_active_week),
    },
    photoshoots: {
      total: n(row.photoshoots_total),
      today: n(row.photoshoots_today),
      failed: n(row.photoshoots_failed),
    },
    images: {
      total: n(row.images_total),
      today: n(row.images_today),
      failed: n(row.images_failed),
      free: n(row.images_free),
      paid: n(row.images_paid),
    },
    orders: {
      total: n(row.orders_total),
      paid: n(row.orders_paid),
      pending: n(row.orders_pending),
      refunded: n(row.orders_refunded),
    },
    revenue: { total: n(row.revenue_total), today: n(row.revenue_today), month: n(row.revenue_month) },
    ai: {
      today: n(row.ai_today),
      month: n(row.ai_month),
      imagesMonth: n(row.ai_images_month),
      perPhotoshoot: n(row.ai_photoshoots) > 0 ? n(row.ai_photoshoots_cost) / n(row.ai_photoshoots) : null,
    },
    outstanding: n(row.outstanding),
    topStyles: top.map((t) => ({ style: t.style, images: n(t.images) })),
    computedAt: new Date(String(row.computed_at)).toISOString(),
  };
}
