import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { BotContext } from '../../src/bot/context.js';
import { createBuyFeature } from '../../src/bot/features/buy.js';
import { createChatMemberFeature } from '../../src/bot/features/chat-member.js';
import { createPreCheckoutFeature } from '../../src/bot/features/pre-checkout.js';
import { createSuccessfulPaymentFeature } from '../../src/bot/features/successful-payment.js';
import { createTransactionMiddleware } from '../../src/bot/middlewares/transaction.js';
import { type Database, type Pool, queryRows, type UpdateTransaction } from '../../src/db/client.js';
import { lazyTransaction } from '../../src/db/lazy-transaction.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { silentLogger } from '../support/logger.js';

// The type checks here fail `npm run typecheck` (tsc reads test/), not the test run.

/** Never called: tsc checks what a handler may pass where. */
function handler(ctx: BotContext) {
  findUserByTelegramId(ctx.db, 1);
  // @ts-expect-error the update's transaction is closed once the update ends: not the pool
  createBuyFeature({ pool: ctx.db });
  // @ts-expect-error
  createPreCheckoutFeature(ctx.db);
  // @ts-expect-error
  createSuccessfulPaymentFeature({ pool: ctx.db });
  // @ts-expect-error
  createChatMemberFeature({ pool: ctx.db });
  // @ts-expect-error
  createTransactionMiddleware({ db: ctx.db, logger: ctx.logger });
  // @ts-expect-error an update's transaction is not begun on another one
  lazyTransaction(ctx.db);
  ctx.afterCommit((pool) => {
    createBuyFeature({ pool });
    return findUserByTelegramId(pool, 1);
  });
  return ctx.db.transaction(async (savepoint) => {
    expectTypeOf(savepoint).toEqualTypeOf<UpdateTransaction>();
    // @ts-expect-error a savepoint is part of the update's transaction
    createPreCheckoutFeature(savepoint);
    return findUserByTelegramId(savepoint, 1);
  });
}

describe('database handles', () => {
  it('types the pool and the update transaction apart, both serving as a Database', () => {
    expectTypeOf<Pool>().toExtend<Database>();
    expectTypeOf<UpdateTransaction>().toExtend<Database>();
    expectTypeOf<UpdateTransaction>().not.toExtend<Pool>();
    expectTypeOf<Pool>().not.toExtend<UpdateTransaction>();
    expectTypeOf<BotContext['db']>().toEqualTypeOf<UpdateTransaction>();
    expectTypeOf<ReturnType<typeof lazyTransaction>['db']>().toEqualTypeOf<UpdateTransaction>();
    expectTypeOf<Parameters<BotContext['afterCommit']>[0]>().parameter(0).toEqualTypeOf<Pool>();
    expectTypeOf(handler).toBeFunction();
  });

  describe('after commit', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database.close());

    it('runs the work on the pool; the update transaction is closed by then', async () => {
      const { middleware } = createTransactionMiddleware({ db: database.handle.db, logger: silentLogger });
      const ctx = { logger: silentLogger } as BotContext;
      const seen: { pool?: Pool; onPool?: unknown; onTransaction?: unknown } = {};
      await middleware(ctx, async () => {
        await queryRows(ctx.db, sql`select 1`);
        ctx.afterCommit(async (pool) => {
          seen.pool = pool;
          seen.onPool = (await queryRows<{ one: number }>(pool, sql`select 1 as one`))[0]?.one;
          seen.onTransaction = await queryRows(ctx.db, sql`select 1`).catch((err: unknown) => err);
        });
      });
      expect(seen.pool).toBe(database.handle.db);
      expect(seen.onPool).toBe(1);
      expect(seen.onTransaction).toBeInstanceOf(Error);
      expect(String(seen.onTransaction)).toMatch(/transaction is closed/);
    });
  });
});
