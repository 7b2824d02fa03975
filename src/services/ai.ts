import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type Cache, createCachedLoader } from './cache.js';
import { createImageConverter } from './image-converter.js';
import { createImageService } from './images.js';
import type { Metrics } from './metrics.js';
import { createOpenAiClient } from './openai-client.js';
import { createPromptService } from './prompts.js';
import { createAiPolicies } from './resilience.js';
import { createVisionService } from './vision.js';

/**
 * Everything a photoshoot calls, built once at startup: one OpenAI client, one policy (and
 * circuit breaker) per upstream shared by every photoshoot, one bounded image converter.
 */
export function createAiServices(deps: { config: Config; logger: Logger; cache: Cache; metrics?: Metrics }) {
  const { config, logger, cache, metrics } = deps;
  const openai = createOpenAiClient(config);
  const policies = createAiPolicies(config, logger, metrics);
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
    }),
    prompts: createPromptService({
      openai,
      policy: policies.prompts,
      model: config.PROMPT_MODEL,
      load,
      ttlSeconds: config.PROMPTS_CACHE_TTL_S,
    }),
    images: createImageService({ openai, policy: policies.images, model: config.IMAGE_MODEL, converter }),
  };
}

export type AiServices = ReturnType<typeof createAiServices>;
