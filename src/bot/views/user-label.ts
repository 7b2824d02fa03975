/** Who a user is, from the database row or from Telegram's update. */
export interface NamedUser {
  telegramId: number;
  firstName?: string | null;
  lastName?: string | null;
  username?: string | null;
}

/**
 * A user as every admin text names them: "Ann Lee (@ann_shop, 700000001)"; without a username
 * "Ann (700000001)"; without a name "@ann_shop (700000001)" or the id alone.
 */
export function userLabel(user: NamedUser): string {
  const name = [user.firstName, user.lastName]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  const handle = user.username ? `@${user.username}` : '';
  const id = String(user.telegramId);
  if (name) return `${name} (${handle ? `${handle}, ` : ''}${id})`;
  return handle ? `${handle} (${id})` : id;
}

/** The same label for the sender of an update (Telegram's User). */
export const senderLabel = (from: { id: number; first_name: string; last_name?: string; username?: string }) =>
  userLabel({ telegramId: from.id, firstName: from.first_name, lastName: from.last_name, username: from.username });
