import { z } from 'zod';
import { createCallbackData } from './codec.js';

export const buyData = createCallbackData('buy', {});
const count = z.coerce.number().int().min(1).max(100_000);
export const packageData = createCallbackData('buy-pkg', { photoshoots: count, stars: count });
