import { sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import type { OrderStatus } from './orders.js';
import { users } from './schema.js';
import { findUserByTelegramId, type User } from './users.js';

/** The business at a glance: what /stats shows. */
export interface BusinessStats {
  users: { total: number; today: number; week: number; activeWeek: number };
  photoshoots: { total: number; today: number; failed: number };
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
                     count(*) filter (where is_free) as images_free,
                     count(*) filter (where not is_free) as images_paid
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

/**
 * The seed's dashboard, kept as the benchmark's baseline: eight statements one after the
 * other, each scanning its table again.
 */
export async function naiveBusinessStats(db: Database, timeZone: string): Promise<unknown[]> {
  const today = sql`(date_trunc('day', now() at time zone ${timeZone}) at time zone ${timeZone})`;
  const results: unknown[] = [];
  for (const query of [
    sql`select count(*) from users`,
    sql`select count(*) from users where created_at >= ${today}`,
    sql`select count(*) from users where last_seen_at >= now() - interval '7 days'`,
    sql`select count(*), count(*) filter (where status = 'failed') from photoshoots`,
    sql`select count(*), count(*) filter (where is_free) from processed_images`,
    sql`select count(*) from processed_images where created_at >= ${today}`,
    sql`select status, count(*), sum(amount) from orders group by status`,
    sql`select style, count(*) from processed_images group by style order by 2 desc limit 5`,
  ]) {
    results.push(await queryRows(db, query));
  }
  return results;
}

/** Everything /user shows about one person. */
export interface UserDetail {
  id: number;
  telegramId: number;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  languageCode: string | null;
  balance: number;
  /** Bought photoshoots still on the balance (what the paid orders have left); the rest is free. */
  bought: number;
  createdAt: Date;
  lastSeenAt: Date;
  photoshoots: { total: number; done: number; failed: number; lastAt: Date | null };
  images: { done: number; failed: number };
  orders: { total: number; paid: number; spent: number };
  /** AI spend in USD on this user's last USER_COST_PHOTOSHOOTS photoshoots, and how many of them spent. */
  ai: { costUsd: number; photoshoots: number };
  topStyles: { style: string; images: number }[];
  ratios: { ratio: string; images: number }[];
  savedStyles: string[];
  ledger: { delta: number; reason: string; reference: string | null; createdAt: Date }[];
}

interface ImageGroup {
  style: string;
  ratio: string;
  status: string;
  n: number;
}

const sum = (groups: ImageGroup[]) => groups.reduce((total, g) => total + g.n, 0);

/** Image counts by `key`, largest first (ties by name). */
function ranked(groups: ImageGroup[], key: (g: ImageGroup) => string): [string, number][] {
  const totals = new Map<string, number>();
  for (const g of groups) totals.set(key(g), (totals.get(key(g)) ?? 0) + g.n);
  return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** /user's AI cost covers this many of the seller's last photoshoots. */
export const USER_COST_PHOTOSHOOTS = 20;

/** How an admin names a user: a Telegram id or an @username. */
export type UserLookup = { telegramId: number } | { username: string };

const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

/**
 * One user's profile, activity, styles, ratios, saved styles, orders, AI cost and last ledger
 * entries in ONE statement (lateral subqueries, each reading only that user's rows by index; the
 * images once, grouped by style, ratio and status).
 */
export async function userDetail(db: Database, lookup: UserLookup): Promise<UserDetail | undefined> {
  const where =
    'telegramId' in lookup
      ? sql`u.telegram_id = ${lookup.telegramId}`
      : sql`lower(u.username) = lower(${lookup.username})`;
  const [row] = await queryRows<Record<string, unknown>>(
    db,
    sql`
      select u.id, u.telegram_id, u.username, u.first_name, u.last_name, u.language_code, u.balance,
             u.created_at, u.last_seen_at,
             ps.total as ps_total, ps.done as ps_done, ps.failed as ps_failed, ps.last_at as ps_last_at,
             im.groups as image_groups,
             o.total as o_total, o.paid as o_paid, o.spent as o_spent, o.bought as o_bought,
             ai.cost as ai_cost, ai.photoshoots as ai_photoshoots,
             saved.names as saved_styles, ledger.entries as ledger
        from users u
        cross join lateral (
          select count(*) as total, count(*) filter (where status = 'done') as done,
                 count(*) filter (where status = 'failed') as failed, max(created_at) as last_at
            from photoshoots where user_id = u.id) ps
        -- One pass over the user's images: counts per style, ratio and status.
        cross join lateral (
          select coalesce(json_agg(json_build_object('style', style, 'ratio', aspect_ratio, 'status', status, 'n', n)), '[]') as groups
            from (select style, aspect_ratio, status, count(*) as n from processed_images where user_id = u.id
                   group by style, aspect_ratio, status) t) im
        cross join lateral (
          select count(*) as total, count(*) filter (where status = 'paid') as paid,
                 coalesce(sum(amount) filter (where status = 'paid'), 0) as spent,
                 coalesce(sum(remaining) filter (where status = 'paid'), 0) as bought
            from orders where user_id = u.id) o
        -- The user's last photoshoots by index, each one's usage by the photoshoot_id index: bounded,
        -- where all of a heavy seller's (thousands) would be a scan of ai_usage.
        cross join lateral (
          select coalesce(sum(a.cost_usd), 0) as cost, count(distinct a.photoshoot_id) as photoshoots
            from (select id from photoshoots where user_id = u.id
                   order by created_at desc limit ${USER_COST_PHOTOSHOOTS}) p
            join ai_usage a on a.photoshoot_id = p.id) ai
        cross join lateral (
          select coalesce(json_agg(name order by slot), '[]') as names from saved_styles where user_id = u.id) saved
        cross join lateral (
          select coalesce(json_agg(json_build_object('delta', delta, 'reason', reason, 'reference', reference,
                                                     'created_at', created_at) order by created_at desc, id desc), '[]') as entries
            from (select * from balance_ledger where user_id = u.id order by created_at desc, id desc limit 5) t) ledger
       where ${where}
       order by u.id
       limit 1`,
  );
  if (!row) return undefined;
  const groups = json<ImageGroup[]>(row.image_groups).map((g) => ({ ...g, n: n(g.n) }));
  return {
    id: n(row.id),
    telegramId: n(row.telegram_id),
    username: (row.username as string | null) ?? null,
    firstName: (row.first_name as string | null) ?? null,
    lastName: (row.last_name as string | null) ?? null,
    languageCode: (row.language_code as string | null) ?? null,
    balance: n(row.balance),
    bought: n(row.o_bought),
    createdAt: new Date(String(row.created_at)),
    lastSeenAt: new Date(String(row.last_seen_at)),
    photoshoots: {
      total: n(row.ps_total),
      done: n(row.ps_done),
      failed: n(row.ps_failed),
      lastAt: row.ps_last_at ? new Date(String(row.ps_last_at)) : null,
    },
    images: {
      done: sum(groups.filter((g) => g.status === 'done')),
      failed: sum(groups.filter((g) => g.status === 'failed')),
    },
    orders: { total: n(row.o_total), paid: n(row.o_paid), spent: n(row.o_spent) },
    ai: { costUsd: n(row.ai_cost), photoshoots: n(row.ai_photoshoots) },
    topStyles: ranked(groups, (g) => g.style)
      .slice(0, 3)
      .map(([style, images]) => ({ style, images })),
    ratios: ranked(groups, (g) => g.ratio).map(([ratio, images]) => ({ ratio, images })),
    savedStyles: json<string[]>(row.saved_styles),
    ledger: json<{ delta: number; reason: string; reference: string | null; created_at: string }[]>(row.ledger).map(
      (e) => ({ delta: n(e.delta), reason: e.reason, reference: e.reference, createdAt: new Date(e.created_at) }),
    ),
  };
}

export interface OrdersPageEntry {
  id: number;
  status: OrderStatus;
  amount: number;
  photoshoots: number;
  createdAt: Date;
  flag: string | null;
  telegramId: number;
  username: string | null;
}

/**
 * Orders newest first, optionally of one status, one page at a time (`status, created_at`
 * index for a status; `created_at` index for all). One extra row tells whether there is more.
 */
export async function ordersPage(
  db: Database,
  options: { status?: OrderStatus; page: number; pageSize: number },
): Promise<{ entries: OrdersPageEntry[]; hasMore: boolean }> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`select o.id, o.status, o.amount, o.photoshoots, o.created_at, o.flag, u.telegram_id, u.username
          from orders o join users u on u.id = o.user_id
         where ${options.status ? sql`o.status = ${options.status}::order_status` : sql`true`}
         order by o.created_at desc, o.id desc
         limit ${options.pageSize + 1} offset ${options.page * options.pageSize}`,
  );
  return {
    entries: rows.slice(0, options.pageSize).map((r) => ({
      id: n(r.id),
      status: r.status as OrderStatus,
      amount: n(r.amount),
      photoshoots: n(r.photoshoots),
      createdAt: new Date(String(r.created_at)),
      flag: (r.flag as string | null) ?? null,
      telegramId: n(r.telegram_id),
      username: (r.username as string | null) ?? null,
    })),
    hasMore: rows.length > options.pageSize,
  };
}

/** The user an admin names, by Telegram id or @username (case-insensitive). */
export async function findUserBy(db: Database, lookup: UserLookup): Promise<User | undefined> {
  if ('telegramId' in lookup) return findUserByTelegramId(db, lookup.telegramId);
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${lookup.username})`)
    .orderBy(users.id)
    .limit(1);
  return user;
}
