import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../../src/db/client.js';
import { findUserByTelegramId } from '../../src/db/users.js';

/** A user's balance and the sum of their ledger deltas: the two must always agree. */
export async function balanceAndLedger(db: Database, telegramId: number) {
  const user = await findUserByTelegramId(db, telegramId);
  const [row] = await queryRows<{ total: string | number }>(
    db,
    sql`select coalesce(sum(delta), 0) as total from balance_ledger where user_id = ${user?.id ?? -1}`,
  );
  return { balance: user?.balance, ledgerSum: Number(row?.total) };
}
