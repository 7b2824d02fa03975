import { sql } from 'drizzle-orm';
import { type Database, queryRows } from './client.js';

/**
 * A token bucket shared by every process on the database (one `rate_budgets` row): `tokens`
 * as of `refilled_at`, refilled at `perMinute`, never above `capacity`. The refill is computed
 * in SQL from the server's clock, so processes on different machines agree on it.
 */
export interface BucketSpec {
  name: string;
  /** Tokens added per minute (the pace the callers keep to). */
  perMinute: number;
  /** Most tokens the bucket holds: the largest burst it allows after an idle spell. */
  capacity: number;
}

export type TakeResult =
  | { kind: 'taken' }
  /** No token now: try again in `waitMs`; `paused` when a rate-limit pause holds everyone. */
  | { kind: 'wait'; waitMs: number; paused: boolean };

/**
 * The bucket's level now: its stored tokens plus the refill since `refilled_at` (never
 * negative: a statement whose now() predates another's committed refill adds nothing).
 */
const refilled = (spec: BucketSpec) =>
  sql`least(${spec.capacity}::float8, tokens + greatest(0, extract(epoch from (now() - refilled_at)))::float8 * ${spec.perMinute / 60}::float8)`;

/** Creates the bucket, full, unless it exists. */
export async function ensureBucket(db: Database, spec: BucketSpec): Promise<void> {
  await db.execute(
    sql`insert into rate_budgets (name, tokens, refilled_at) values (${spec.name}, ${spec.capacity}, now())
        on conflict (name) do nothing`,
  );
}

/**
 * Takes one token if the bucket holds one and no pause is on, in one UPDATE: concurrent takers
 * queue on the row lock and each re-evaluates the condition on the row the previous one left,
 * so together they never take more than the refill allows. Otherwise says how long to wait.
 */
export async function takeToken(db: Database, spec: BucketSpec): Promise<TakeResult> {
  const taken = await queryRows<{ tokens: number }>(
    db,
    sql`update rate_budgets
           set tokens = ${refilled(spec)} - 1,
               refilled_at = greatest(refilled_at, now())
         where name = ${spec.name}
           and (paused_until is null or paused_until <= now())
           and ${refilled(spec)} >= 1
     returning tokens`,
  );
  if (taken.length > 0) return { kind: 'taken' };
  const [state] = await queryRows<{ level: number | null; paused_ms: number | null }>(
    db,
    sql`select ${refilled(spec)} as level,
               extract(epoch from (paused_until - now())) * 1000 as paused_ms
          from rate_budgets where name = ${spec.name}`,
  );
  if (!state) {
    await ensureBucket(db, spec);
    return takeToken(db, spec);
  }
  const pausedMs = Number(state.paused_ms ?? 0);
  if (pausedMs > 0) return { kind: 'wait', waitMs: Math.ceil(pausedMs), paused: true };
  const missing = Math.max(0, 1 - Number(state.level ?? 0));
  // At least a millisecond: a level a hair under 1 is not a reason to spin.
  return { kind: 'wait', waitMs: Math.max(1, Math.ceil((missing * 60_000) / spec.perMinute)), paused: false };
}

/**
 * Holds every taker off for `ms` from now (a provider's retry-after), never shortening a
 * longer pause already set. Returns how long the pause now lasts, in milliseconds.
 */
export async function pauseBucket(db: Database, spec: BucketSpec, ms: number): Promise<number> {
  await ensureBucket(db, spec);
  const [row] = await queryRows<{ remaining_ms: number }>(
    db,
    sql`update rate_budgets
           set paused_until = greatest(coalesce(paused_until, now()), now() + ${Math.max(0, Math.round(ms))} * interval '1 millisecond')
         where name = ${spec.name}
     returning extract(epoch from (paused_until - now())) * 1000 as remaining_ms`,
  );
  return Math.max(0, Number(row?.remaining_ms ?? 0));
}

/** The bucket as stored, for tests and the operator: level now and the pause left. */
export async function bucketState(
  db: Database,
  spec: BucketSpec,
): Promise<{ tokens: number; pausedMs: number } | undefined> {
  const [row] = await queryRows<{ level: number; paused_ms: number | null }>(
    db,
    sql`select ${refilled(spec)} as level,
               greatest(0, extract(epoch from (paused_until - now())) * 1000) as paused_ms
          from rate_budgets where name = ${spec.name}`,
  );
  return row ? { tokens: Number(row.level), pausedMs: Number(row.paused_ms ?? 0) } : undefined;
}
