import type { MiddlewareFn } from 'grammy';
import type { Logger } from '../../logger.js';
import type { BotConfig, BotContext } from '../context.js';

/** Attaches the configuration and a per-update child logger, and logs how the update went. */
export function createUpdateContext(config: BotConfig, logger: Logger): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const updateType = Object.keys(ctx.update).find((key) => key !== 'update_id') ?? 'unknown';
    ctx.config = config;
    ctx.user = undefined;
    ctx.isNewUser = false;
    ctx.pendingInput = undefined;
    ctx.logger = logger.child({
      update_id: ctx.update.update_id,
      user_id: ctx.from?.id,
      update_type: updateType,
    });
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.logger.debug({ duration_ms: Math.round((performance.now() - started) * 10) / 10 }, 'update handled');
    }
  };
}
