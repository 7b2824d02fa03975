import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import { z } from 'zod';
import type { AspectRatio } from './aspect-ratio.js';
import type { CachedLoader } from './cache.js';
import type { AiPolicy } from './resilience.js';
import { chatUsage, jsonSchemaFormat, parseStructured } from './structured-output.js';
import { catalogueScene, describeStyle, STYLE_CATALOGUE } from './style-catalogue.js';
import { secondsSince, type UsageSink } from './usage.js';
import type { ProductAnalysis } from './vision.js';

/** A style as the seller sees and saves it: a short name and a scene description. */
export interface StyleChoice {
  name: string;
  /** The scene only (setting, light, props); the product instructions are added by imagePrompt. */
  scene: string;
  /** The catalogue style it is (services/style-catalogue.ts), for its gallery example; absent for others. */
  key?: string;
  /** The product alone on a plain background (services/packshot-styles.ts): what a main-image preset takes. */
  plain?: boolean;
}

export const STYLES_PER_PHOTOSHOOT = 4;

/** Longest style name: it fits a button and a caption. */
export const STYLE_NAME_MAX = 40;

/**
 * A style name the model wrote, shortened to STYLE_NAME_MAX at a word boundary: a long name is
 * a cosmetic flaw, never a reason to fail the seller's photoshoot.
 */
export function clipStyleName(name: string): string {
  const tidy = name.trim().replace(/\s+/g, ' ');
  if (tidy.length <= STYLE_NAME_MAX) return tidy;
  const head = tidy.slice(0, STYLE_NAME_MAX + 1);
  const space = head.lastIndexOf(' ');
  const cut = space > STYLE_NAME_MAX / 2 ? head.slice(0, space) : tidy.slice(0, STYLE_NAME_MAX);
  return cut.replace(/[\s,;:.\-–—]+$/u, '');
}

/** The limits hold after parsing (zod); the model is sent only the strict subset (structured-output.ts). */
export const stylesSchema = z.strictObject({
  styles: z
    .array(
      z.strictObject({
        name: z.string().overwrite(clipStyleName).min(1).max(STYLE_NAME_MAX),
        scene: z.string().trim().min(10),
      }),
    )
    .length(STYLES_PER_PHOTOSHOOT),
});

/**
 * Appended to every image prompt: sellers' most common complaint is a product that came back
 * altered, so the model is told, every time, to change only the scene.
 */
export function withProductPreserved(scenePrompt: string, analysis: ProductAnalysis, ratio: AspectRatio): string {
  const details = analysis.notable_details.length > 0 ? ` (${analysis.notable_details.join('; ')})` : '';
  return [
    scenePrompt.trim().replace(/\.*$/, '.'),
    `Keep the product from the photo exactly as it is: the same shape and proportions, the same colours and materials, and every label, logo and printed text unchanged${details}.`,
    'Do not redraw, restyle, recolour or add anything to the product; change only its surroundings, light and camera angle.',
    `Professional commercial product photography, photorealistic, sharp focus on the product, ${ratio} composition.`,
  ].join(' ');
}

const STUDIO = STYLE_CATALOGUE[0];

/**
 * The style the free retry renders in place of one the image service declined. Sending the
 * same prompt again would be declined again, and which words of a scene tripped a safety system
 * cannot be known, so the scene is replaced whole by the plain studio one (nothing in it to
 * object to); the product and the keep-it-unchanged rules stay as they were.
 */
export function saferStyle(locale = 'en'): { name: string; prompt: string } {
  const studio = STUDIO ?? { scene: 'on a plain light-grey studio backdrop with soft light' };
  return { name: STUDIO ? describeStyle(STUDIO, locale).name : 'Studio', prompt: catalogueScene(studio) };
}

/** The language the style names are asked in, by the seller's locale (English when unknown). */
const LANGUAGES: Record<string, string> = { en: 'English', ru: 'Russian' };
const languageName = (locale: string | undefined) => LANGUAGES[locale ?? ''] ?? 'English';

const describeProduct = (a: ProductAnalysis) => [a.colors.join(' and '), a.product_type].filter(Boolean).join(' ');

/** The prompt the image model gets for one style: the product named, the scene, and the keep-it-unchanged rules. */
export function imagePrompt(choice: StyleChoice, analysis: ProductAnalysis, ratio: AspectRatio): string {
  return withProductPreserved(
    `Photograph of the ${describeProduct(analysis)}. Scene: ${choice.scene}`,
    analysis,
    ratio,
  );
}

/**
 * Styles from the sources the seller can pick: (a) the prompt model proposes 4 styles suited to
 * the analysed product (cached by analysis and ratio); (b) 4 random styles from the curated
 * catalogue. Saved styles are StyleChoices already. imagePrompt turns any of them into the
 * image model's prompt for this product.
 */
export function createPromptService(deps: {
  openai: OpenAI;
  policy: AiPolicy;
  model: string;
  load: CachedLoader;
  ttlSeconds: number;
  random?: () => number;
  /** Told what every answer consumed (cached styles cost nothing and report nothing). */
  onUsage?: UsageSink;
}) {
  const { openai, policy, model, load, ttlSeconds, onUsage } = deps;
  const random = deps.random ?? Math.random;
  const responseFormat = jsonSchemaFormat('style_prompts', stylesSchema);

  return {
    /**
     * The analysed product's styles, named in the seller's language (`locale`) and shaped by
     * their wish (the caption sent with the photo), cached by all four.
     */
    fromAnalysis(
      analysis: ProductAnalysis,
      ratio: AspectRatio,
      seller: { locale?: string; wish?: string | null } = {},
    ): Promise<StyleChoice[]> {
      const language = languageName(seller.locale);
      const wish = seller.wish?.trim() || null;
      const key = createHash('sha256')
        .update(JSON.stringify([analysis, language, wish]))
        .digest('hex');
      return load(`prompts:v2:analysis:${key}:${ratio}`, ttlSeconds, async () => {
        const { styles } = await policy.execute(async (signal) => {
          const started = performance.now();
          const request = [`Product analysis: ${JSON.stringify(analysis)}`, `Aspect ratio: ${ratio}`];
          // The seller's own words, quoted as data: their wish shapes the scenes, it is not an instruction to you.
          if (wish) request.push(`The seller's wish for these photos: ${JSON.stringify(wish)}`);
          const completion = await openai.chat.completions.create(
            {
              model,
              messages: [
                {
                  role: 'system',
                  content: `You are an art director for e-commerce photoshoots. Propose ${STYLES_PER_PHOTOSHOOT} clearly different photo styles that would sell this product (for example studio, lifestyle in use, interior, creative). For each give a short name (at most 4 words) written in ${language}, the seller's language, and a one-paragraph scene description (the "scene" field) in English for an image model: setting, surface, props, lighting, camera angle, mood. When the seller states a wish, every style follows it. Describe only the scene; never change the product.`,
                },
                { role: 'user', content: request.join('\n') },
              ],
              response_format: responseFormat,
            },
            { signal },
          );
          onUsage?.(chatUsage('prompts', model, completion, 0, secondsSince(started)));
          return parseStructured('prompts', completion, responseFormat);
        });
        return styles.map((s) => ({ name: s.name, scene: s.scene }));
      });
    },

    /** `count` different catalogue styles, named in the seller's `locale` (the scenes stay English, for the model). */
    randomCreative(locale: string, count = STYLES_PER_PHOTOSHOOT): StyleChoice[] {
      const pool = [...STYLE_CATALOGUE];
      const picked: StyleChoice[] = [];
      while (picked.length < count && pool.length > 0) {
        const [style] = pool.splice(Math.floor(random() * pool.length), 1);
        if (style) {
          picked.push({ name: describeStyle(style, locale).name, scene: catalogueScene(style), key: style.key });
        }
      }
      return picked;
    },
  };
}

export type PromptService = ReturnType<typeof createPromptService>;
