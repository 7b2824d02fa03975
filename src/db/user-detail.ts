import { sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import type { UserLookup } from './users.js';

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

const n = (value: unknown) => Number(value ?? 0);

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
