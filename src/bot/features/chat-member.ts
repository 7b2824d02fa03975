import { Composer } from 'grammy';
import type { Pool } from '../../db/client.js';
import { markUserUnblocked, sellerBlocked } from '../../db/users.js';
import type { BotContext } from '../context.js';

export interface ChatMemberFeatureDeps {
  /** The pool: each step is its own statement or transaction (no per-update transaction). */
  pool: Pool;
  /** Stops the running jobs among those cancelled (the worker's cancel, as /cancel uses it). */
  stopJobs?: ((ids: number[]) => void) | undefined;
}

/**
 * The bot's own membership in a private chat changes only when its user blocks the bot
 * ("kicked") or unblocks it ("member"), as the Bot API says of my_chat_member. Blocking stops
 * the seller's photoshoots and gives their credits back (sellerBlocked); coming back clears
 * blocked_at. Handled before registration: a stranger who blocks the bot is not signed up.
 */
export function createChatMemberFeature(deps: ChatMemberFeatureDeps) {
  const composer = new Composer<BotContext>();
  composer.chatType('private').on('my_chat_member', async (ctx) => {
    const { from, new_chat_member: member } = ctx.myChatMember;
    if (member.status === 'kicked') {
      const outcome = await sellerBlocked(deps.pool, from.id);
      deps.stopJobs?.(outcome.canceled);
      ctx.logger.info(
        { canceled: outcome.canceled, released: outcome.released, delivering: outcome.delivering },
        'the user blocked the bot',
      );
    } else if (member.status === 'member' || member.status === 'administrator') {
      await markUserUnblocked(deps.pool, from.id);
      ctx.logger.info('the user unblocked the bot');
    }
  });
  return composer;
}
