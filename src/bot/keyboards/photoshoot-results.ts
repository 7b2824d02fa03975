import { InlineKeyboard } from 'grammy';
import { againData, keepNameData, otherData, retryData, saveData, tryAgainData } from '../callback-data/photoshoot.js';
import { cancelQuestionData } from '../callback-data/questions.js';
import type { BotContext } from '../context.js';
import type { ResultMarkup, Translator } from '../photoshoot-report.js';

/**
 * The buttons under a finished photoshoot: retry failed styles, the same again, other styles,
 * save a style; under one that delivered nothing, only "Try again". The worker draws it (handed over by the composition root); the results feature
 * checks each press against the same rule (see result-offer.ts).
 */
export function createResultMarkup(i18n: Translator): ResultMarkup {
  return ({ jobId, locale, failed, delivered, tryAgainAt }) => {
    if (tryAgainAt !== undefined) {
      return new InlineKeyboard().text(
        i18n.t(locale, 'button-try-again'),
        tryAgainData.pack({ job: jobId, at: tryAgainAt }),
      );
    }
    const keyboard = new InlineKeyboard();
    if (failed > 0) keyboard.text(i18n.t(locale, 'button-retry'), retryData.pack({ job: jobId })).row();
    keyboard.text(i18n.t(locale, 'button-again'), againData.pack({ job: jobId })).row();
    keyboard.text(i18n.t(locale, 'button-other'), otherData.pack({ job: jobId })).row();
    const names = new Set<string>();
    for (const style of delivered) {
      if (names.has(style.name)) continue;
      names.add(style.name);
      keyboard
        .text(
          i18n.t(locale, 'button-save', { name: style.name }),
          saveData.pack({ job: jobId, position: style.position }),
        )
        .row();
    }
    return keyboard;
  };
}

/** Under the question for a saved style's name: keep the style's own name in one tap, or cancel. */
export const keepNameKeyboard = (ctx: BotContext, image: { job: number; position: number; style: string }) =>
  new InlineKeyboard()
    .text(
      ctx.t('button-keep-name', { name: image.style }),
      keepNameData.pack({ job: image.job, position: image.position }),
    )
    .row()
    .text(ctx.t('button-cancel-question'), cancelQuestionData.pack({ kind: 'style-name' }));
