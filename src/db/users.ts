import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { retryIfConnectionLost } from './failures.js';
import { users } from './schema.js';
import { type CancelOutcome, cancelActivePhotoshoots } from './settlement.js';
import { storableOptional, storableText } from './storable-text.js';

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

/** The registration statement, built once per database (it runs for every update). */
const registerStatements = new WeakMap<Database, ReturnType<typeof buildRegisterStatement>>();
const registerStatement = (db: Database) => {
  let statement = registerStatements.get(db);
  if (!statement) {
    statement = buildRegisterStatement(db);
    registerStatements.set(db, statement);
  }
  return statement;
};

function buildRegisterStatement(db: Database) {
  const upsert = db
    .insert(users)
    .values({
      telegramId: sql.placeholder('telegramId'),
      username: sql.placeholder('username'),
      firstName: sql.placeholder('firstName'),
      lastName: sql.placeholder('lastName'),
      languageCode: sql.placeholder('languageCode'),
      balance: sql.placeholder('bonus'),
    })
    .onConflictDoUpdate({
      target: users.telegramId,
      set: {
        username: excluded('username'),
        firstName: excluded('first_name'),
        lastName: excluded('last_name'),
        languageCode: excluded('language_code'),
        lastSeenAt: sql`now()`,
        // Whoever writes to the bot has not blocked it (Telegram lets nobody message a bot they block).
        blockedAt: sql`null`,
        updatedAt: sql`case when (users.username, users.first_name, users.last_name, users.language_code)
          is distinct from (excluded.username, excluded.first_name, excluded.last_name, excluded.language_code)
          then now() else users.updated_at end`,
      },
    })
    .returning({ ...getTableColumns(users), created: sql<boolean>`(xmax = 0)`.as('created') });
  const registered = db
    .$with('registered', { ...getTableColumns(users), created: sql<boolean>`created`.as('created') })
    .as(upsert.getSQL());
  const signupBonus = db.$with('signup_bonus', {}).as(
    sql`insert into balance_ledger (user_id, delta, reason, balance_after)
        select id, balance, 'signup_bonus', balance from registered where created and balance > 0`,
  );
  return db.with(registered, signupBonus).select().from(registered).prepare('register_user');
}

/**
 * Creates the user on first contact or refreshes the profile and last_seen_at, in ONE
 * statement that commits on its own: concurrent first updates from one person create one
 * row; only the insert carries the signup bonus (the initial balance and its ledger row,
 * written together, so the ledger invariant holds from the first moment). Because nothing
 * else runs in that statement, the user's row is locked for microseconds, not for the length
 * of an update's handling: a payment never waits behind the same user's other updates.
 */
export async function registerUser(
  db: Database,
  profile: TelegramProfile,
  options: { freePhotoshoots: number },
): Promise<RegisteredUser> {
  const values = {
    telegramId: profile.id,
    // A name PostgreSQL cannot store must not lock its owner out of the bot.
    username: storableOptional(profile.username),
    firstName: storableText(profile.first_name),
    lastName: storableOptional(profile.last_name),
    languageCode: storableOptional(profile.language_code),
    bonus: Math.max(0, Math.trunc(options.freePhotoshoots)),
  };
  // Safe to run twice: a second run of a committed first one finds the row and grants nothing.
  const [row] = await retryIfConnectionLost(() => registerStatement(db).execute(values));
  if (!row) throw new Error(`Registering Telegram user ${profile.id} returned no row`);
  const { created, ...user } = row;
  return { user, created };
}

/** Keeps the first deep-link payload a user arrived with (attribution); later ones are ignored. */
export async function rememberStartPayload(db: Database, userId: number, payload: string): Promise<void> {
  const trimmed = storableText(Array.from(payload).slice(0, MAX_START_PAYLOAD).join(''));
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

export async function findUserById(db: Database, id: number): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}

/** How an admin names a user: a Telegram id or an @username. */
export type UserLookup = { telegramId: number } | { username: string };

/** The user an admin names, by Telegram id or @username (case-insensitive). */
export async function findUserBy(db: Database, lookup: UserLookup): Promise<User | undefined> {
  if ('telegramId' in lookup) return findUserByTelegramId(db, lookup.telegramId);
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${lookup.username})`)
    .orderBy(users.id)
    .limit(1);
  return user;
}

/**
 * Records that the user blocked the bot (a 403 "bot was blocked by the user", or my_chat_member
 * "kicked"): later work that would only message them (queue updates, broadcasts) skips them.
 * The first time is kept when Telegram tells it again. An unknown user is left unknown.
 */
export async function markUserBlocked(db: Database, telegramId: number): Promise<void> {
  await db
    .update(users)
    .set({ blockedAt: sql`coalesce(${users.blockedAt}, now())`, updatedAt: sql`now()` })
    .where(eq(users.telegramId, telegramId));
}

/** The user came back (my_chat_member "member" again, or a message): reachable again. */
export async function markUserUnblocked(db: Database, telegramId: number): Promise<void> {
  await db
    .update(users)
    .set({ blockedAt: null, updatedAt: sql`now()` })
    .where(sql`${users.telegramId} = ${telegramId} and ${users.blockedAt} is not null`);
}

/**
 * A seller blocked the bot: blocked_at is set and every photoshoot of theirs that has not begun
 * delivering is cancelled with its credit released, in one transaction, exactly as /cancel
 * decides it (cancelActivePhotoshoots). The caller stops the cancelled jobs that are running
 * (the worker's cancel(ids)); nothing is sent, since nothing would arrive. A job already
 * delivering is left to its worker, whose sends now fail with 403.
 */
export async function sellerBlocked(db: Database, telegramId: number): Promise<CancelOutcome> {
  return db.transaction(async (tx) => {
    await markUserBlocked(tx, telegramId);
    const user = await findUserByTelegramId(tx, telegramId);
    if (!user) return { canceled: [], released: 0, delivering: [], unattended: [] };
    return cancelActivePhotoshoots(tx, user.id);
  });
}

/** The language a user chose, else the one Telegram reported for them (undefined: neither, or no such user). */
export async function sellerLocale(db: Database, userId: number): Promise<string | undefined> {
  const [row] = await db
    .select({ locale: users.locale, languageCode: users.languageCode })
    .from(users)
    .where(eq(users.id, userId));
  return row?.locale ?? row?.languageCode ?? undefined;
}
