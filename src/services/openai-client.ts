import OpenAI from 'openai';
import type { Config } from '../config.js';

/**
 * The one OpenAI SDK client, pointed at any OpenAI-compatible provider. The SDK's own retries
 * are off (the policies in resilience.ts retry; two layers would multiply attempts) and its
 * timeout is only a backstop behind the policies' per-attempt timeouts.
 */
export function createOpenAiClient(
  config: Pick<
    Config,
    'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'VISION_TIMEOUT_S' | 'PROMPT_TIMEOUT_S' | 'IMAGE_TIMEOUT_S'
  >,
): OpenAI {
  const longest = Math.max(config.VISION_TIMEOUT_S, config.PROMPT_TIMEOUT_S, config.IMAGE_TIMEOUT_S);
  return new OpenAI({
    apiKey: config.OPENAI_API_KEY ?? 'not-configured',
    baseURL: config.OPENAI_BASE_URL,
    maxRetries: 0,
    timeout: (longest + 5) * 1000,
  });
}
