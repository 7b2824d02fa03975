import { InlineKeyboard } from 'grammy';
import type { PendingInput } from '../../db/pending-inputs.js';
import { cancelQuestionData } from '../callback-data/questions.js';
import type { Texts } from './photoshoot-setup.js';

/** The Cancel button under a question the bot waits to have answered (as /cancel does). */
export const cancelQuestionKeyboard = (texts: Texts, kind: PendingInput['kind']) =>
  new InlineKeyboard().text(texts.t('button-cancel-question'), cancelQuestionData.pack({ kind }));
