import { desc, eq, type SQL, sql } from 'drizzle-orm';
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
 * Locks the user's row (every credit change of one user takes this lock first, so the split
 * into bought and free cannot change under it) and reads the balance and the bought part of it.
 */
async function lockCredits(db: Database, userId: number): Promise<BalanceBreakdown> {
  const [row] = await queryRows<{ balance: number; paid: number }>(
    db,
    // NO KEY UPDATE, the lock an update of the balance takes: it waits for another credit change,
    // but not for the key-share lock a new row referencing the user holds (FOR UPDATE would
    // deadlock two Generates that each inserted their job first).
    sql`select u.balance, ${boughtLeft(sql`u.id`)} as paid from users u where u.id = ${userId}::int for no key update`,
  );
  return split(row);
}

/** Bought photoshoots still on a user's balance: what their paid orders have left. */
const boughtLeft = (userId: SQL) =>
  sql`coalesce((select sum(o.remaining) from orders o where o.user_id = ${userId} and o.status = 'paid'), 0)::int`;

const split = (row: { balance: number; paid: number } | undefined): BalanceBreakdown => {
  const balance = Number(row?.balance ?? 0);
  const paid = Number(row?.paid ?? 0);
  return { balance, paid, free: balance - paid };
};

/**
 * Adds a paid order's photoshoots to the balance: the order's `remaining` and the balance move
 * together. The order must have just become paid in the caller's transaction.
 */
export async function creditOrder(
  db: Database,
  order: { id: number; userId: number; photoshoots: number },
): Promise<number> {
  return db.transaction(async (tx) => {
    await lockCredits(tx, order.userId);
    await tx.execute(sql`update orders set remaining = photoshoots where id = ${order.id}::int and status = 'paid'`);
    return changeBalance(tx, {
      userId: order.userId,
      delta: order.photoshoots,
      reason: 'purchase',
      reference: `order:${order.id}`,
    });
  });
}

/** The credit a photoshoot reserved: a free one (orderId null) or one bought with that order. */
export interface ReservedCredit {
  orderId: number | null;
  balance: number;
}

/**
 * Takes one photoshoot for a job: a free credit (signup bonus, grants, anything not bought)
 * while there is one, otherwise one from the oldest paid order with photoshoots left. Throws
 * InsufficientBalanceError on an empty balance.
 */
export async function reserveCredit(
  db: Database,
  change: { userId: number; reference: string },
): Promise<ReservedCredit> {
  return db.transaction(async (tx) => {
    const { free } = await lockCredits(tx, change.userId);
    let orderId: number | null = null;
    if (free <= 0) {
      const [order] = await queryRows<{ id: number }>(
        tx,
        sql`update orders set remaining = remaining - 1
             where id = (select id from orders
                          where user_id = ${change.userId}::int and status = 'paid' and remaining > 0
                          order by paid_at, id limit 1 for no key update)
         returning id`,
      );
      if (!order) throw new InsufficientBalanceError(change.userId, -1);
      orderId = Number(order.id);
    }
    const balance = await changeBalance(tx, { ...change, delta: -1, reason: 'photoshoot_reserve' });
    return { orderId, balance };
  });
}

/**
 * Gives a reserved photoshoot back (nothing was delivered). A bought one returns to its order
 * while that order is paid; if the order was refunded meanwhile, the credit goes nowhere (the
 * Stars went back instead): the balance stays, and the order counts it as taken back rather
 * than used. Returns 'forfeited' in that case.
 */
export async function releaseCredit(
  db: Database,
  credit: { userId: number; orderId: number | null; reference: string },
): Promise<'released' | 'forfeited'> {
  return db.transaction(async (tx) => {
    await lockCredits(tx, credit.userId);
    if (credit.orderId !== null) {
      const [returned] = await queryRows<{ id: number }>(
        tx,
        sql`update orders set remaining = remaining + 1
             where id = ${credit.orderId}::int and status = 'paid'
         returning id`,
      );
      if (!returned) {
        await tx.execute(
          sql`update orders set refund_debited = coalesce(refund_debited, 0) + 1, refund_shortfall = refund_shortfall - 1
               where id = ${credit.orderId}::int and status = 'refunded' and refund_shortfall > 0`,
        );
        return 'forfeited';
      }
    }
    await changeBalance(tx, {
      userId: credit.userId,
      delta: 1,
      reason: 'photoshoot_release',
      reference: credit.reference,
    });
    return 'released';
  });
}

/** What a refund took: the order's unspent photoshoots, and the balance split after it. */
export interface RefundDebit {
  /** Photoshoots of the order taken back from the balance. */
  debited: number;
  /** Photoshoots of the order reserved by photoshoots still running (used, unless they fail). */
  running: number;
  after: BalanceBreakdown;
}

/**
 * Takes back what a just-refunded order has left (never another order's photoshoots, never
 * free ones) and zeroes its `remaining`. Call it in the transaction that marked the order
 * refunded, with the user's credits locked before that (lockUserCredits), in the order every
 * spend and release takes its locks.
 */
export async function debitRefundedOrder(
  db: Database,
  order: { id: number; userId: number; remaining: number },
): Promise<RefundDebit> {
  return db.transaction(async (tx) => {
    // The balance always holds the paid orders' remaining; the minimum only keeps a refund
    // recordable (Telegram has already returned the Stars) if that ever failed to hold.
    const { balance } = await lockCredits(tx, order.userId);
    const debited = Math.min(order.remaining, balance);
    await tx.execute(sql`update orders set remaining = 0 where id = ${order.id}::int`);
    if (debited > 0) {
      await changeBalance(tx, {
        userId: order.userId,
        delta: -debited,
        reason: 'refund',
        reference: `order:${order.id}`,
      });
    }
    const [row] = await queryRows<{ running: number; balance: number; paid: number }>(
      tx,
      sql`select (select count(*) from photoshoots p
                   where p.order_id = ${order.id}::int and p.credit_state = 'reserved')::int as running,
                 u.balance, ${boughtLeft(sql`u.id`)} as paid
            from users u where u.id = ${order.userId}::int`,
    );
    return { debited, running: Number(row?.running ?? 0), after: split(row) };
  });
}

/** Locks a user's credits for a change that starts elsewhere (a refund marks its order first). */
export async function lockUserCredits(db: Database, userId: number): Promise<void> {
  await lockCredits(db, userId);
}

export interface BalanceBreakdown {
  balance: number;
  /** Bought photoshoots still on the balance (free ones are spent first). */
  paid: number;
  /** Signup bonus and grants still on the balance. */
  free: number;
}

/** The balance split into bought and free photoshoots, in one statement (the same numbers a spend uses). */
export async function balanceBreakdown(db: Database, userId: number): Promise<BalanceBreakdown> {
  const [row] = await queryRows<{ balance: number; paid: number }>(
    db,
    sql`select u.balance, ${boughtLeft(sql`u.id`)} as paid from users u where u.id = ${userId}::int`,
  );
  return split(row);
}
