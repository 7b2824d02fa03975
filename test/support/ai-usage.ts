import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../../src/db/client.js';

export interface UsageRow {
  photoshoot_id: number | null;
  upstream: string;
  model: string;
  images: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** Every ai_usage row, in the order recorded. */
export const usageRows = (db: Database) =>
  queryRows<UsageRow>(
    db,
    sql`select photoshoot_id, upstream, model, images, input_tokens, output_tokens, cost_usd from ai_usage order by id`,
  );
