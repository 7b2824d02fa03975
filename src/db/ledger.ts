import { desc, eq, sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';
import { balanceLedger } from './schema.js';

export type LedgerReason = (typeof balanceLedger.reason.enumValues)[number];

export class InsufficientBalanceError extends Error {
  override name = 'InsufficientBalanceError';
  constructor(
    readonly userId: number,
    readonly delta: number,
  ) {
    super(`User ${userId} cannot take a balance change of ${delta}`);
  }
}

export interface BalanceChange {
  userId: number;
  /** Photoshoots added (positive) or taken (negative); never 0. */
  delta: number;
  reason: LedgerReason;
  /** What caused it: an order, a photoshoot, an admin. */
  reference?: string | null;
}

/**
 * The one way a balance changes (the one other place is a user's creation in db/users.ts,
 * whose single statement writes the initial balance and its signup_bonus ledger row together). The update of users.balance and its ledger row are one
 * statement, so they commit together on any connection, inside a transaction or not, and
 * the sum of a user's deltas always equals the balance. A change that would take the balance
 * below zero (or names an unknown user) changes nothing and throws InsufficientBalanceError.
 * Returns the balance after the change.
 */
export async function changeBalance(db: Database, change: BalanceChange): Promise<number> {
  if (!Number.isInteger(change.delta) || change.delta === 0) {
    throw new RangeError(`A balance change must be a non-zero whole number, got ${change.delta}`);
  }
  const rows = await queryRows<{ balance_after: number }>(
    db,
    sql`
      with changed as (
        update users
           set balance = balance + ${change.delta}::int, updated_at = now()
         where id = ${change.userId}::int and balance + ${change.delta}::int >= 0
        returning id, balance
      )
      insert into balance_ledger (user_id, delta, reason, reference, balance_after)
      select id, ${change.delta}::int, ${change.reason}::ledger_reason, ${change.reference ?? null}::text, balance
        from changed
      returning balance_after`,
  );
  const [row] = rows;
  if (!row) throw new InsufficientBalanceError(change.userId, change.delta);
  return Number(row.balance_after);
}

/** A user's latest ledger rows, newest first. */
export function recentLedgerEntries(db: Database, userId: number, limit = 10) {
  return db
    .select()
    .from(balanceLedger)
    .where(eq(balanceLedger.userId, userId))
    .orderBy(desc(balanceLedger.createdAt), desc(balanceLedger.id))
    .limit(limit);
}

/**
 * Takes up to `max` photoshoots back (a refund): as many as the balance holds, never below
 * zero. The user's row is locked first so the amount taken is exact under concurrency.
 * Returns what was taken and the balance after.
 */
export async function debitUpTo(
  db: Database,
  change: { userId: number; max: number; reason: LedgerReason; reference: string },
): Promise<{ debited: number; balance: number }> {
  return db.transaction(async (tx) => {
    const [row] = await queryRows<{ balance: number }>(
      tx,
      sql`select balance from users where id = ${change.userId}::int for update`,
    );
    const balance = Number(row?.balance ?? 0);
    const debited = Math.min(balance, Math.max(0, change.max));
    if (debited === 0) return { debited, balance };
    const after = await changeBalance(tx, { ...change, delta: -debited });
    return { debited, balance: after };
  });
}

export interface BalanceBreakdown {
  balance: number;
  /** Bought photoshoots still on the balance (free ones are spent first). */
  paid: number;
  /** Signup bonus and grants still on the balance. */
  free: number;
}

/** The balance split into bought and free photoshoots, in one statement. */
export async function balanceBreakdown(db: Database, userId: number): Promise<BalanceBreakdown> {
  const [row] = await queryRows<{ balance: number; net_paid: number }>(
    db,
    sql`select u.balance,
               coalesce((select sum(l.delta) from balance_ledger l
                          where l.user_id = u.id and l.reason in ('purchase', 'refund')), 0)::int as net_paid
          from users u where u.id = ${userId}::int`,
  );
  const balance = Number(row?.balance ?? 0);
  const paid = Math.min(balance, Math.max(0, Number(row?.net_paid ?? 0)));
  return { balance, paid, free: balance - paid };
}
