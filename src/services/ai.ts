import type OpenAI from 'openai';
import type { AiConfig, Config } from '../config/index.js';
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
  config: Pick<Config, 'ai' | 'images'>;
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
  const { logger, cache, metrics, onUsage, health } = deps;
  const config = deps.config.ai;
  const openai = createOpenAiClient(config);
  const policies = createAiPolicies(config, logger, metrics, {
    ...(deps.imageBudget && { imageGate: deps.imageBudget.gate }),
    ...(health && { health }),
  });
  if (health) registerProbes(health, openai, policies, config);
  const converter = createImageConverter(deps.config.images, metrics);
  const load = createCachedLoader(cache);
  return {
    policies,
    converter,
    vision: createVisionService({
      openai,
      policy: policies.vision,
      model: config.visionModel,
      load,
      ttlSeconds: config.analysisCacheTtlS,
      onUsage,
    }),
    prompts: createPromptService({
      openai,
      policy: policies.prompts,
      model: config.promptModel,
      load,
      ttlSeconds: config.promptsCacheTtlS,
      onUsage,
    }),
    images: createImageService({
      openai,
      policy: policies.images,
      model: config.imageModel,
      converter,
      api: config.imageApi,
      quality: config.imageQuality,
      inputFidelity: config.imageInputFidelity,
      onUsage,
      ...(metrics && { onMarketplaceFile: metrics.marketplaceFile }),
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
  config: Pick<AiConfig, 'visionModel' | 'promptModel' | 'imageModel' | 'imageApi'>,
) {
  const trial = { trial: true };
  const chat =
    (model: string) =>
    (signal: AbortSignal): Promise<unknown> =>
      openai.chat.completions.create(
        { model, messages: [{ role: 'user', content: 'Reply with OK.' }], max_completion_tokens: 16 },
        { signal },
      );
  health.probeWith('vision', () => policies.vision.execute(chat(config.visionModel), undefined, trial));
  health.probeWith('prompts', () => policies.prompts.execute(chat(config.promptModel), undefined, trial));
  health.probeWith('images', () =>
    policies.images.execute(
      config.imageApi === 'chat'
        ? chat(config.imageModel)
        : (signal): Promise<unknown> =>
            openai.images.generate(
              { model: config.imageModel, prompt: 'A plain white square.', size: '1024x1024', quality: 'low', n: 1 },
              { signal },
            ),
      undefined,
      trial,
    ),
  );
}
