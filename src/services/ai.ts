import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { type Cache, createCachedLoader } from './cache.js';
import { createImageConverter } from './image-converter.js';
import { createImageService } from './images.js';
import type { Metrics } from './metrics.js';
import { createOpenAiClient } from './openai-client.js';
import { createPromptService } from './prompts.js';
import { createAiPolicies } from './resilience.js';
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
}) {
  const { config, logger, cache, metrics, onUsage } = deps;
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
