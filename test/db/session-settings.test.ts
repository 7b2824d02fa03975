import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
  'opens PostgreSQL sessions named photoshoot-bot with JIT off',
  async () => {
    const [row] = await queryRows<{ jit: string; name: string }>(
      database.handle.db,
      sql`select current_setting('jit') as jit, current_setting('application_name') as name`,
    );
    expect(row).toEqual({ jit: 'off', name: 'photoshoot-bot' });
  },
);
