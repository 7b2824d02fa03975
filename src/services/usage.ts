import { AsyncLocalStorage } from 'node:async_hooks';
import type { Upstream } from './ai-errors.js';

/** What one AI answer consumed, as the provider reported it (`usage` in the answer). */
export interface AiUsageReport {
  upstream: Upstream;
  model: string;
  /** Images returned by this answer (0 for text answers). */
  images: number;
  inputTokens: number;
  outputTokens: number;
  /** Seconds from the request to its answer (the wait for the image budget not included). */
  seconds?: number;
}

/** Seconds since `started` (a performance.now() reading). */
export const secondsSince = (started: number) => (performance.now() - started) / 1000;

/** Receives every report; it must not throw nor wait (recording happens in the background). */
export type UsageSink = (report: AiUsageReport) => void;

/** The photoshoot an AI call is made for: set around a job's run, read when its usage is recorded. */
export const usageScope = new AsyncLocalStorage<{ photoshootId: number }>();
