import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { changeBalance } from './ledger.js';
import { users } from './schema.js';

export type User = typeof users.$inferSelect;

/** The parts of a Telegram `User` we keep. */
export interface TelegramProfile {
  id: number;
  username?: string | undefined;
  first_name: string;
  last_name?: string | undefined;
  language_code?: string | undefined;
}

export interface RegisteredUser {
  user: User;
  /** True when this call created the user (and granted the signup bonus). */
  created: boolean;
}

/** Longest deep-link payload we store; Telegram's own links carry at most 64 characters. */
const MAX_START_PAYLOAD = 256;

const excluded = (column: string) => sql.raw(`excluded.${column}`);

/**
 * Creates the user on first contact or refreshes the profile and last_seen_at. One statement
 * (INSERT ... ON CONFLICT), so concurrent first updates from one person create one row, and
 * only the call that inserted it grants the signup bonus, through the ledger.
 */
export async function registerUser(
  db: Database,
  profile: TelegramProfile,
  options: { freePhotoshoots: number },
): Promise<RegisteredUser> {
  const values = {
    telegramId: profile.id,
    username: profile.username ?? null,
    firstName: profile.first_name,
    lastName: profile.last_name ?? null,
    languageCode: profile.language_code ?? null,
  };
  const profileChanged = sql`(users.username, users.first_name, users.last_name, users.language_code)
    is distinct from (${excluded('username')}, ${excluded('first_name')}, ${excluded('last_name')}, ${excluded('language_code')})`;
  const [row] = await db
    .insert(users)
    .values(values)
    .onConflictDoUpdate({
      target: users.telegramId,
      set: {
        username: excluded('username'),
        firstName: excluded('first_name'),
        lastName: excluded('last_name'),
        languageCode: excluded('language_code'),
        lastSeenAt: sql`now()`,
        updatedAt: sql`case when ${profileChanged} then now() else users.updated_at end`,
      },
    })
    .returning({ ...getTableColumns(users), created: sql<boolean>`(xmax = 0)`.as('created') })
    .prepare('register_user')
    .execute();
  if (!row) throw new Error(`Registering Telegram user ${profile.id} returned no row`);
  let { created: _, ...user }: User & { created: boolean } = row;
  if (row.created && options.freePhotoshoots > 0) {
    const balance = await changeBalance(db, {
      userId: user.id,
      delta: options.freePhotoshoots,
      reason: 'signup_bonus',
    });
    user = { ...user, balance };
  }
  return { user, created: row.created };
}

/** Keeps the first deep-link payload a user arrived with (attribution); later ones are ignored. */
export async function rememberStartPayload(db: Database, userId: number, payload: string): Promise<void> {
  const trimmed = Array.from(payload).slice(0, MAX_START_PAYLOAD).join('');
  if (trimmed.length === 0) return;
  await db
    .update(users)
    .set({ startPayload: trimmed })
    .where(sql`${users.id} = ${userId} and ${users.startPayload} is null`);
}

export async function setUserLocale(db: Database, userId: number, locale: string): Promise<void> {
  await db.update(users).set({ locale, updatedAt: sql`now()` }).where(eq(users.id, userId));
}

export async function findUserByTelegramId(db: Database, telegramId: number): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.telegramId, telegramId)).limit(1);
  return user;
}
