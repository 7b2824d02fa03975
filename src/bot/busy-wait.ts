import type { BotContext } from './context.js';

const nowS = () => Math.floor(Date.now() / 1000);

/** The Unix second a busy service is tried again, `seconds` from now; 0 (at once) when it is not busy. */
export const retryAt = (seconds: number) => (seconds > 0 ? nowS() + seconds : 0);

/**
 * A button under a busy message ("try again in about 40 s"), pressed before `at`: answered with
 * the wait in the same words, nothing done; true if so.
 */
export async function answeredWait(ctx: BotContext, at: number): Promise<boolean> {
  const seconds = at - nowS();
  if (seconds <= 0) return false;
  await ctx.answerCallbackQuery({ text: ctx.t('progress-busy', { seconds }), show_alert: true });
  return true;
}
