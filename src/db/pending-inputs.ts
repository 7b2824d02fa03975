import { and, eq, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { pendingInputs } from './schema.js';

/** What a user's next text message answers. */
export type PendingInput =
  | { kind: 'style-name'; data: { job: number; position: number } }
  | { kind: 'paysupport'; data: Record<string, never> };

/** A question older than this is forgotten: the next text is treated as usual. */
export const PENDING_INPUT_TTL_MINUTES = 15;

/** Remembers the question the user is answering next; it replaces any earlier one. */
export async function awaitInput(db: Database, userId: number, input: PendingInput): Promise<void> {
  await db
    .insert(pendingInputs)
    .values({ userId, kind: input.kind, data: input.data })
    .onConflictDoUpdate({
      target: pendingInputs.userId,
      set: { kind: input.kind, data: input.data, createdAt: sql`now()` },
    });
}

/** The user's open question, if it is recent. */
export async function pendingInput(db: Database, userId: number): Promise<PendingInput | undefined> {
  const [row] = await db
    .select({ kind: pendingInputs.kind, data: pendingInputs.data })
    .from(pendingInputs)
    .where(
      and(
        eq(pendingInputs.userId, userId),
        sql`${pendingInputs.createdAt} > now() - make_interval(mins => ${PENDING_INPUT_TTL_MINUTES}::int)`,
      ),
    );
  return row as PendingInput | undefined;
}

/** The question is answered (or abandoned). */
export async function clearInput(db: Database, userId: number): Promise<void> {
  await db.delete(pendingInputs).where(eq(pendingInputs.userId, userId));
}
