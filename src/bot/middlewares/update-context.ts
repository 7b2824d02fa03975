import type { MiddlewareFn } from 'grammy';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../services/metrics.js';
import type { BotConfig, BotContext } from '../context.js';
import { markSpoken } from '../update-retry.js';

/** Attaches the configuration and a per-update child logger, and logs how the update went. */
export function createUpdateContext(config: BotConfig, logger: Logger, metrics?: Metrics): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const updateType = Object.keys(ctx.update).find((key) => key !== 'update_id') ?? 'unknown';
    ctx.config = config;
    // This context's own API: once it has called Telegram, the update is never handled twice.
    ctx.api.config.use((prev, method, payload, signal) => {
      markSpoken(ctx.update);
      return prev(method, payload, signal);
    });
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
      const ms = performance.now() - started;
      ctx.logger.debug({ duration_ms: Math.round(ms * 10) / 10 }, 'update handled');
      metrics?.update(updateType, ms / 1000);
    }
  };
}
