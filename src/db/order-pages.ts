import { sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import type { OrderStatus } from './orders.js';

const n = (value: unknown) => Number(value ?? 0);

export interface OrdersPageEntry {
  id: number;
  status: OrderStatus;
  amount: number;
  photoshoots: number;
  createdAt: Date;
  flag: string | null;
  telegramId: number;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
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
    sql`select o.id, o.status, o.amount, o.photoshoots, o.created_at, o.flag, u.telegram_id, u.username, u.first_name, u.last_name
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
      firstName: (r.first_name as string | null) ?? null,
      lastName: (r.last_name as string | null) ?? null,
    })),
    hasMore: rows.length > options.pageSize,
  };
}
