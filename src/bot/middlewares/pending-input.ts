import type { MiddlewareFn } from 'grammy';
import { pendingInput } from '../../db/pending-inputs.js';
import type { BotContext } from '../context.js';

/**
 * For a private text message that is not a command, loads the question it may answer (one
 * primary-key read), so the feature that asked can take it as ctx.pendingInput.
 */
export const loadPendingInput: MiddlewareFn<BotContext> = async (ctx, next) => {
  const text = ctx.message?.text;
  if (ctx.user && ctx.chat?.type === 'private' && text !== undefined && !text.startsWith('/')) {
    ctx.pendingInput = await pendingInput(ctx.db, ctx.user.id);
  }
  await next();
};
