import { eq, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { aiUsage } from './schema.js';

/** One AI answer's consumption and its cost, as recorded. */
export type NewAiUsage = Omit<typeof aiUsage.$inferInsert, 'id'>;

/** Records answers' usage, many rows in one statement. */
export async function insertAiUsage(db: Database, rows: readonly NewAiUsage[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(aiUsage).values([...rows]);
}

/** What one photoshoot consumed, summed over its answers (the partial photoshoot_id index). */
export interface PhotoshootUsage {
  answers: number;
  images: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export async function photoshootUsage(db: Database, photoshootId: number): Promise<PhotoshootUsage> {
  const [row] = await db
    .select({
      answers: sql<number>`count(*)::int`,
      images: sql<number>`coalesce(sum(${aiUsage.images}), 0)::int`,
      inputTokens: sql<number>`coalesce(sum(${aiUsage.inputTokens}), 0)::bigint`,
      outputTokens: sql<number>`coalesce(sum(${aiUsage.outputTokens}), 0)::bigint`,
      costUsd: sql<number>`coalesce(sum(${aiUsage.costUsd}), 0)`,
    })
    .from(aiUsage)
    .where(eq(aiUsage.photoshootId, photoshootId));
  return {
    answers: Number(row?.answers ?? 0),
    images: Number(row?.images ?? 0),
    inputTokens: Number(row?.inputTokens ?? 0),
    outputTokens: Number(row?.outputTokens ?? 0),
    costUsd: Number(row?.costUsd ?? 0),
  };
}
