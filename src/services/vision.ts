import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import { z } from 'zod';
import type { CachedLoader } from './cache.js';
import type { NormalisedPhoto } from './image-converter.js';
import type { AiPolicy } from './resilience.js';
import { chatUsage, jsonSchemaFormat, parseStructured } from './structured-output.js';
import { secondsSince, type UsageSink } from './usage.js';

export const productAnalysisSchema = z.strictObject({
  product_type: z.string().min(1),
  key_features: z.array(z.string()),
  materials: z.array(z.string()),
  colors: z.array(z.string()),
  style: z.string(),
  notable_details: z.array(z.string()).describe('Labels, logos, printed text and other details to keep exactly'),
  /** What the seller reads: a short name of the product in each language the bot speaks. */
  product_name: z
    .strictObject({ en: z.string().trim().min(1), ru: z.string().trim().min(1) })
    .describe('A short name of the product (2-5 words, lower case) in English and in Russian'),
});

export type ProductAnalysis = z.infer<typeof productAnalysisSchema>;

const INSTRUCTIONS = `You describe products for e-commerce photoshoots. Look at the photo and describe the
product itself (not the background): what it is, its key features, materials, colours, overall style, and
every notable detail that must stay exactly as it is, such as labels, logos and printed text (quote text
verbatim). Be concise and factual.`;

/**
 * Product analysis with the vision model. Results are cached by the photo's identity
 * (Telegram's file_unique_id, or a hash of the bytes), so regenerating never pays for it twice.
 */
export function createVisionService(deps: {
  openai: OpenAI;
  policy: AiPolicy;
  model: string;
  load: CachedLoader;
  ttlSeconds: number;
  /** Told what every answer consumed (a cached analysis costs nothing and reports nothing). */
  onUsage?: UsageSink;
}) {
  const { openai, policy, model, load, ttlSeconds, onUsage } = deps;
  const responseFormat = jsonSchemaFormat('product_analysis', productAnalysisSchema);

  return {
    analyse(photo: NormalisedPhoto, photoId?: string): Promise<ProductAnalysis> {
      const id = photoId ?? createHash('sha256').update(photo.data).digest('hex');
      return load(`analysis:v2:${id}`, ttlSeconds, () =>
        policy.execute(async (signal) => {
          const started = performance.now();
          const completion = await openai.chat.completions.create(
            {
              model,
              messages: [
                { role: 'system', content: INSTRUCTIONS },
                {
                  role: 'user',
                  content: [
                    { type: 'text', text: 'Describe this product.' },
                    {
                      type: 'image_url',
                      image_url: { url: `data:${photo.mime};base64,${photo.data.toString('base64')}` },
                    },
                  ],
                },
              ],
              response_format: responseFormat,
            },
            { signal },
          );
          // Reported before validation: an answer that fails it was billed all the same.
          onUsage?.(chatUsage('vision', model, completion, 0, secondsSince(started)));
          return parseStructured('vision', completion, responseFormat);
        }),
      );
    },
  };
}

export type VisionService = ReturnType<typeof createVisionService>;
