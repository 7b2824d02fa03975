import type OpenAI from 'openai';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type Cache, createCachedLoader } from './cache.js';
import type { ImageBudget } from './image-budget.js';
import { createImageConverter } from './image-converter.js';
import { createImageService } from './images.js';
import type { Metrics } from './metrics.js';
import { createOpenAiClient } from './openai-client.js';
import { createPromptService } from './prompts.js';
import { type AiPolicies, createAiPolicies } from './resilience.js';
import type { UpstreamHealthTracker } from './upstream-health.js';
import type { UsageSink } from './usage.js';
import { createVisionService } from './vision.js';

/**
 * Everything a photoshoot calls, built once at startup: one OpenAI client, one policy (and
 * circuit breaker) per upstream shared by every photoshoot, one bounded image converter.
 */
export function createAiServices(deps: {
  config: Config;
  logger: Logger;
  cache: Cache;
  metrics?: Metrics;
  /** Told what every AI answer consumed (usage.ts). */
  onUsage?: UsageSink;
  /** The fleet-wide image budget every image attempt waits for (absent: no pacing). */
  imageBudget?: Pick<ImageBudget, 'gate'>;
  /** Account incidents across processes (absent: an account failure is only an error). */
  health?: UpstreamHealthTracker;
}) {
  const { config, logger, cache, metrics, onUsage, health } = deps;
  const openai = createOpenAiClient(config);
  const policies = createAiPolicies(config, logger, metrics, {
    ...(deps.imageBudget && { imageGate: deps.imageBudget.gate }),
    ...(health && { health }),
  });
  if (health) registerProbes(health, openai, policies, config);
  const converter = createImageConverter(config, metrics);
  const load = createCachedLoader(cache);
  return {
    policies,
    converter,
    vision: createVisionService({
      openai,
      policy: policies.vision,
      model: config.VISION_MODEL,
      load,
      ttlSeconds: config.ANALYSIS_CACHE_TTL_S,
      onUsage,
    }),
    prompts: createPromptService({
      openai,
      policy: policies.prompts,
      model: config.PROMPT_MODEL,
      load,
      ttlSeconds: config.PROMPTS_CACHE_TTL_S,
      onUsage,
    }),
    images: createImageService({
      openai,
      policy: policies.images,
      model: config.IMAGE_MODEL,
      converter,
      api: config.IMAGE_API,
      quality: config.IMAGE_QUALITY,
      inputFidelity: config.IMAGE_INPUT_FIDELITY,
      onUsage,
    }),
  };
}

export type AiServices = ReturnType<typeof createAiServices>;

/**
 * The trial call of each upstream while it is out for an account problem: the cheapest call
 * that the same account check answers. A refused one is free; only the success that ends the
 * incident is billed (for images, one low-quality square, taken from the image budget).
 */
function registerProbes(
  health: UpstreamHealthTracker,
  openai: OpenAI,
  policies: AiPolicies,
  config: Pick<Config, 'VISION_MODEL' | 'PROMPT_MODEL' | 'IMAGE_MODEL' | 'IMAGE_API'>,
) {
  const trial = { trial: true };
  const chat =
    (model: string) =>
    (signal: AbortSignal): Promise<unknown> =>
      openai.chat.completions.create(
        { model, messages: [{ role: 'user', content: 'Reply with OK.' }], max_completion_tokens: 16 },
        { signal },
      );
  health.probeWith('vision', () => policies.vision.execute(chat(config.VISION_MODEL), undefined, trial));
  health.probeWith('prompts', () => policies.prompts.execute(chat(config.PROMPT_MODEL), undefined, trial));
  health.probeWith('images', () =>
    policies.images.execute(
      config.IMAGE_API === 'chat'
        ? chat(config.IMAGE_MODEL)
        : (signal): Promise<unknown> =>
            openai.images.generate(
              { model: config.IMAGE_MODEL, prompt: 'A plain white square.', size: '1024x1024', quality: 'low', n: 1 },
              { signal },
            ),
      undefined,
      trial,
    ),
  );
}
