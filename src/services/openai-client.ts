import OpenAI from 'openai';
import type { AiConfig } from '../config/index.js';

/** How far the SDK's own timeout lies behind the longest per-attempt timeout. */
const BACKSTOP_SLACK_MS = 5000;

/**
 * The one OpenAI SDK client, pointed at any OpenAI-compatible provider. The SDK's own retries
 * are off (the policies in resilience.ts retry; two layers would multiply attempts) and its
 * timeout is only a backstop behind the policies' per-attempt timeouts.
 */
export function createOpenAiClient(
  config: Pick<AiConfig, 'apiKey' | 'baseUrl' | 'visionTimeoutMs' | 'promptTimeoutMs' | 'imageTimeoutMs'>,
): OpenAI {
  const longestMs = Math.max(config.visionTimeoutMs, config.promptTimeoutMs, config.imageTimeoutMs);
  return new OpenAI({
    apiKey: config.apiKey ?? 'not-configured',
    baseURL: config.baseUrl,
    maxRetries: 0,
    timeout: longestMs + BACKSTOP_SLACK_MS,
  });
}
