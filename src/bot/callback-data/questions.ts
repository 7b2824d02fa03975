import { z } from 'zod';
import { createCallbackData } from './codec.js';

/** The Cancel button under a question the bot waits to have answered (pending_inputs). */
export const cancelQuestionData = createCallbackData('q-cancel', { kind: z.enum(['style-name', 'paysupport']) });
