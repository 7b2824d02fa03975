import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one process. Components record through the methods; gauges read live state at scrape. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const updateSeconds = new Histogram({
    name: 'bot_update_duration_seconds',
    help: 'Time to handle one Telegram update, by update type (its count is updates by type)',
    labelNames: ['type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const upstreamRequests = new Counter({
    name: 'ai_upstream_requests_total',
    help: 'AI calls by upstream and outcome (success, failure, rejected: refused by an open breaker)',
    labelNames: ['upstream', 'outcome'] as const,
    registers,
  });
  const upstreamRetries = new Counter({
    name: 'ai_upstream_retries_total',
    help: 'Retries of AI calls after transient failures',
    labelNames: ['upstream'] as const,
    registers,
  });
  const upstreamGiveUps = new Counter({
    name: 'ai_upstream_give_ups_total',
    help: 'AI calls that failed after their retries',
    labelNames: ['upstream'] as const,
    registers,
  });
  const breakerState = new Gauge({
    name: 'ai_circuit_breaker_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'] as const,
    registers,
  });
  const breakerTransitions = new Counter({
    name: 'ai_circuit_breaker_transitions_total',
    help: 'Circuit breaker state changes per upstream',
    labelNames: ['upstream', 'from', 'to'] as const,
    registers,
  });
  const jobsFinished = new Counter({
    name: 'photoshoot_jobs_finished_total',
    help: 'Photoshoot jobs finished, by final state',
    labelNames: ['state'] as const,
    registers,
  });
  const jobQueuedSeconds = new Histogram({
    name: 'photoshoot_job_queued_seconds',
    help: 'Time a photoshoot waited in the queue before a worker took it',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers,
  });
  const jobDeliverSeconds = new Histogram({
    name: 'photoshoot_job_delivery_seconds',
    help: 'Time from Generate to the results delivered',
    buckets: [2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
    registers,
  });
  const imagesConverted = new Counter({
    name: 'images_converted_total',
    help: 'Images processed by the converter, by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  const conversionSeconds = new Histogram({
    name: 'image_conversion_duration_seconds',
    help: 'Time of one conversion, queue wait included, by operation',
    labelNames: ['operation'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers,
  });
  const marketplaceFiles = new Counter({
    name: 'marketplace_files_total',
    help: 'Marketplace files made, by preset and result: passed, passed on the second render, or failed a rule twice',
    labelNames: ['preset', 'result'] as const,
    registers,
  });
  const cacheRequests = new Counter({
    name: 'cache_requests_total',
    help: 'Cache lookups by cache (analysis, prompts, stats) and result (hit, miss, error)',
    labelNames: ['cache', 'result'] as const,
    registers,
  });
  const aiSpendUsd = new Counter({
    name: 'ai_spend_usd_total',
    help: 'AI spend in USD by upstream: the price table applied to the usage each answer reported',
    labelNames: ['upstream'] as const,
    registers,
  });
  const aiTokens = new Counter({
    name: 'ai_tokens_total',
    help: 'Tokens AI answers reported, by upstream and direction (input, output)',
    labelNames: ['upstream', 'direction'] as const,
    registers,
  });
  const aiImages = new Counter({
    name: 'ai_images_total',
    help: 'Images AI answers returned, by upstream',
    labelNames: ['upstream'] as const,
    registers,
  });
  const dbAcquireSeconds = new Histogram({
    name: 'db_pool_acquire_seconds',
    help: 'Time a transaction waited for a pooled connection',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers,
  });
  const imageBudgetWait = new Histogram({
    name: 'image_budget_wait_seconds',
    help: 'Time an image attempt waited for the fleet-wide image budget (the provider limit)',
    buckets: [0.01, 0.1, 1, 5, 15, 30, 60, 120, 300, 600],
    registers,
  });
  const imageRateLimits = new Counter({
    name: 'image_rate_limited_total',
    help: 'Image answers 429 rate_limit_exceeded, each pausing every worker',
    registers,
  });
  const imageRatePause = new Counter({
    name: 'image_rate_pause_seconds_total',
    help: 'Seconds of pause the image provider asked for in its 429s',
    registers,
  });

  return {
    registry,
    /** A gauge whose value is read when Prometheus scrapes. */
    gauge(name: string, help: string, read: () => number | Promise<number>) {
      return new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(await read());
        },
      });
    },
    /** A labelled gauge whose values are read when Prometheus scrapes. */
    labelledGauge<L extends string>(
      name: string,
      help: string,
      label: L,
      read: () => Record<string, number> | Promise<Record<string, number>>,
    ) {
      return new Gauge({
        name,
        help,
        labelNames: [label],
        registers,
        async collect() {
          this.reset();
          for (const [value, count] of Object.entries(await read())) this.set({ [label]: value } as never, count);
        },
      });
    },
    update(type: string, seconds: number) {
      updateSeconds.observe({ type }, seconds);
    },
    upstream: {
      outcome(upstream: string, outcome: 'success' | 'failure' | 'rejected') {
        upstreamRequests.inc({ upstream, outcome });
      },
      retry(upstream: string) {
        upstreamRetries.inc({ upstream });
      },
      giveUp(upstream: string) {
        upstreamGiveUps.inc({ upstream });
      },
      state(upstream: string, value: number) {
        breakerState.set({ upstream }, value);
      },
      transition(upstream: string, from: string, to: string) {
        breakerTransitions.inc({ upstream, from, to });
      },
    },
    job: {
      queued(seconds: number) {
        jobQueuedSeconds.observe(seconds);
      },
      finished(state: string, sinceCreatedSeconds: number, delivered: boolean) {
        jobsFinished.inc({ state });
        if (delivered) jobDeliverSeconds.observe(sinceCreatedSeconds);
      },
    },
    conversion(operation: string, outcome: 'ok' | 'rejected', seconds: number) {
      imagesConverted.inc({ operation, outcome });
      conversionSeconds.observe({ operation }, seconds);
    },
    marketplaceFile(preset: string, result: 'passed' | 'rerendered' | 'failed') {
      marketplaceFiles.inc({ preset, result });
    },
    cache(name: string, result: 'hit' | 'miss' | 'error') {
      cacheRequests.inc({ cache: name, result });
    },
    dbAcquired(seconds: number) {
      dbAcquireSeconds.observe(seconds);
    },
    /** The image budget's waits and the provider's rate-limit pauses (an image-budget.ts observer). */
    imageBudget: {
      waited(seconds: number) {
        imageBudgetWait.observe(seconds);
      },
      paused(seconds: number) {
        imageRateLimits.inc();
        imageRatePause.inc(seconds);
      },
    },
    /** What one AI answer consumed and what it cost. */
    aiUsage(usage: { upstream: string; images: number; inputTokens: number; outputTokens: number; costUsd: number }) {
      const { upstream } = usage;
      aiSpendUsd.inc({ upstream }, usage.costUsd);
      aiTokens.inc({ upstream, direction: 'input' }, usage.inputTokens);
      aiTokens.inc({ upstream, direction: 'output' }, usage.outputTokens);
      aiImages.inc({ upstream }, usage.images);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
