import type { Config } from '../config/index.js';
import type { Database } from '../db/client.js';
import type { Photoshoot } from '../db/photoshoots.js';
import { imagesOf, type ProcessedImage, recordImage, renderedImages, storeRendered } from '../db/processed-images.js';
import { claimNextPhotoshoot, handBackPhotoshoots, heartbeat, type JobState, startDelivery } from '../db/queue.js';
import { finishPhotoshoot, recoverStalePhotoshoots } from '../db/settlement.js';
import { sellerBlocked } from '../db/users.js';
import { recordedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { abortable } from '../services/abortable.js';
import type { AiServices } from '../services/ai.js';
import type { AspectRatio } from '../services/aspect-ratio.js';
import type { ImageBudget } from '../services/image-budget.js';
import { marketplacePreset } from '../services/marketplace-presets.js';
import type { Metrics } from '../services/metrics.js';
import { imagePrompt } from '../services/prompts.js';
import { usageScope } from '../services/usage.js';
import { pause } from '../with-timeout.js';
import { createQueueLoop, type RunContext, type RunToken } from '../worker/queue-loop.js';
import { createWaitingDrafts } from './drafts.js';
import type { PhotoLoader } from './photos.js';
import { JobStoppedError, type PhotoshootReporter, type RunState, type StyleFailure } from './report.js';

export type WorkerConfig = Omit<Config['worker'], 'queueRefreshMs'>;

export interface WorkerDeps {
  /** The pool: every step uses its own short statement or transaction, none spans an AI call. */
  db: Database;
  photos: PhotoLoader;
  ai: Pick<AiServices, 'vision' | 'images'>;
  /** What the seller is shown (the bot's Telegram reporter). */
  reporter: PhotoshootReporter;
  logger: Logger;
  config: WorkerConfig;
  metrics?: Metrics;
  /** The fleet-wide image budget: a running job whose images wait for it shows that wait. */
  imageBudget?: Pick<ImageBudget, 'watch'>;
}

/** How often a run waits for the database to confirm the job is still its own, while it does not answer. */
const OWNERSHIP_RETRY_MS = 1000;

/**
 * The photoshoot worker: the queue loop over `photoshoots`, at most PHOTOSHOOT_CONCURRENCY at
 * once, each run: download -> normalise -> analyse -> 4 images concurrently -> PNG -> deliver ->
 * settle the credit. A heartbeat marks the job alive and checks the run's token; a job whose
 * process died is taken over by recovery.
 */
export function createPhotoshootWorker(deps: WorkerDeps) {
  const { db, ai, logger, config } = deps;
  // A draft the seller set up while this user's photoshoot ran starts when it ends (or in the sweep).
  const waiting = createWaitingDrafts({ db, logger, reporter: deps.reporter, kick: () => loop.kick() });

  const loop = createQueueLoop<Photoshoot>({
    name: 'photoshoot',
    queue: {
      claim: (owner) => claimNextPhotoshoot(db, owner),
      async recover() {
        const recovered = await recoverStalePhotoshoots(db, {
          // The database compares heartbeats in seconds.
          staleAfterS: config.staleAfterMs / 1000,
          maxAttempts: config.maxAttempts,
        });
        if (recovered.requeued.length + recovered.failed.length > 0) {
          logger.info(recovered, 'recovered interrupted photoshoots');
        }
        await waiting.sweep();
      },
      handBack: (runs) => handBackPhotoshoots(db, runs),
    },
    // The AI usage of every call made for this job is recorded under it.
    run: (job, context) =>
      usageScope.run({ photoshootId: job.id }, () => runJob(job, context)).finally(() => waiting.startFor(job.userId)),
    concurrency: config.concurrency,
    pollMs: config.pollMs,
    recoverEveryMs: config.staleAfterMs / 2,
    handBackReason: () => new JobStoppedError('handed-back'),
    logger,
  });

  async function runJob(job: Photoshoot, { token, controller, abort }: RunContext): Promise<void> {
    const log = logger.child({ photoshoot_id: job.id, user_id: job.userId });
    const started = Date.now();
    const age = () => (Date.now() - job.createdAt.getTime()) / 1000;
    // A job resumed after a crash has waited for other reasons than the queue.
    if (job.attempts === 1) deps.metrics?.job.queued(age());
    // 'canceled': the seller's /cancel won (already settled in the database); see RunState for the others.
    let state: RunState = job.cancelRequested ? 'canceled' : 'running';
    const stop = (next: RunState) => {
      if (state !== 'running' || next === 'running') return;
      state = next;
      controller.abort(new JobStoppedError(next));
    };
    // An abort from outside: cancel() in this process (the seller's cancel) or the shutdown's hand-back.
    controller.signal.addEventListener(
      'abort',
      () => stop(controller.signal.reason instanceof JobStoppedError ? controller.signal.reason.state : 'canceled'),
      { once: true },
    );
    const current = (): RunState => state;
    /** Learns a cancel made in another process, or a takeover; a failed read is not a reason to stop. */
    const refresh = async () => {
      try {
        stop(await heartbeat(db, job.id, token));
      } catch (err) {
        log.warn({ err }, 'heartbeat failed');
      }
    };
    // Before each message: a cancel made in another process is seen here, so the count never moves past it.
    const report = await deps.reporter.open(job, token, {
      stopped: async () => {
        await refresh();
        return current() !== 'running';
      },
      blocked: () => stop('blocked'),
    });
    // Its images waiting for the image budget (the provider's pace): the seller sees how long.
    const unwatchBudget = deps.imageBudget?.watch(controller.signal, (waitMs) => report.waitingForBudget(waitMs));
    const throwIfStopped = () => {
      if (state !== 'running') throw new JobStoppedError(state);
    };
    const checkpoint = async () => {
      await refresh();
      throwIfStopped();
    };
    /**
     * Runs a write of this run until the database answers it (a paid image must not be lost to a
     * short outage), or the run stops; false from `write`: the job is no longer this run's.
     */
    const held = async (write: () => Promise<boolean | JobState>) => {
      for (;;) {
        throwIfStopped();
        try {
          const outcome = await write();
          if (outcome === true || outcome === 'running') return;
          // Not ours any more: what the database says now (cancelled, or taken over).
          const now = outcome === false ? await heartbeat(db, job.id, token).catch((): JobState => 'lost') : outcome;
          stop(now === 'running' ? 'lost' : now);
          throwIfStopped();
        } catch (err) {
          if (err instanceof JobStoppedError) throw err;
          log.warn({ err }, 'the database did not answer; waiting for it');
          await pause(OWNERSHIP_RETRY_MS, controller.signal);
        }
      }
    };
    const beat = setInterval(() => void refresh(), config.heartbeatMs);

    try {
      await checkpoint();
      const images = await imagesOf(db, job.id);
      // Rendered by an earlier run and kept: delivered below, never generated again.
      const toRender = images.filter((image) => image.status !== 'done' && !image.hasRendered);
      const failures: StyleFailure[] = [];
      let product: Readonly<Record<string, string>> | undefined;
      if (toRender.length > 0) {
        await report.analysing();
        const photo = await deps.photos.load(job.sourceFileId, controller.signal);
        await checkpoint();
        // The analysis can be shared with another caller (cached, de-duplicated): stop waiting, do not abort it.
        const analysis = await abortable(
          ai.vision.analyse(photo, job.sourceFileUniqueId ?? undefined),
          controller.signal,
          () => new JobStoppedError(state),
        );
        await checkpoint();
        product = analysis.product_name;
        let finished = images.length - toRender.length;
        await report.generating(finished, images.length);
        const ratio = job.aspectRatio as AspectRatio;
        const preset = marketplacePreset(job.marketplace);
        await Promise.all(
          toRender.map(async (image: ProcessedImage) => {
            try {
              // A paid call starts only while the database says the job is still this run's.
              await held(() => heartbeat(db, job.id, token));
              const prompt = imagePrompt({ name: image.style, scene: image.prompt ?? image.style }, analysis, ratio);
              const made = preset
                ? await ai.images.generateFor(photo, prompt, ratio, preset, controller.signal)
                : { file: await ai.images.generate(photo, prompt, ratio, controller.signal), compliance: null };
              await held(() => storeRendered(db, image.id, made.file, token, made.compliance));
              finished += 1;
              void report.generating(finished, images.length);
            } catch (err) {
              failures.push({ image, err });
            }
          }),
        );
        throwIfStopped();
        for (const failure of failures) {
          log.warn({ err: failure.err, style: failure.image.style }, 'style failed');
          await held(() =>
            recordImage(db, failure.image.id, { status: 'failed', error: recordedError(failure.err) }, token),
          );
        }
      }
      const ready = await renderedImages(db, job.id);
      let delivered = images.filter((image) => image.status === 'done').length;
      if (ready.length > 0) {
        // The decision: from here a /cancel is too late; if a cancel came first, nothing is sent.
        if (!(await startDelivery(db, job.id, token))) {
          const now = await heartbeat(db, job.id, token);
          stop(now === 'running' ? 'lost' : now);
          throwIfStopped();
        }
        await report.delivering();
        try {
          delivered += await report.deliver(ready, { token, stop, throwIfStopped, signal: controller.signal, log });
        } catch (err) {
          // Kept, not lost: recovery hands the job to a worker once its heartbeat is stale, and that
          // run sends the rendered images again (within JOB_MAX_ATTEMPTS), never generating them anew.
          if (current() === 'running') {
            log.warn({ err }, 'delivery failed; the rendered images are kept and sent when the job is resumed');
            stop('deferred');
          }
          throw err;
        }
      } else {
        // Nothing to deliver: a cancel meanwhile is still the end the seller was told.
        await checkpoint();
      }
      const settlement = await finishPhotoshoot(db, job.id, delivered > 0 ? 'done' : 'failed', undefined, token);
      if (settlement === 'lost') {
        stop('lost');
        throw new JobStoppedError('lost');
      }
      deps.metrics?.job.finished(delivered > 0 ? 'done' : 'failed', age(), delivered > 0);
      await report.finished({ images, ready, delivered, failures, settlement, ...(product && { product }) });
      log.info({ delivered, failed: failures.length, settlement, ms: Date.now() - started }, 'photoshoot finished');
    } catch (err) {
      await endEarly(err);
    } finally {
      clearInterval(beat);
      unwatchBudget?.();
    }

    /** The run stopped before its normal end: settle, tell, or leave the job to whoever holds it now. */
    async function endEarly(err: unknown): Promise<void> {
      const end = current();
      if (end === 'lost') {
        log.warn('photoshoot was taken over by another worker; stopping here');
        return;
      }
      if (end === 'handed-back') {
        log.info('photoshoot handed back to the queue at shutdown');
        return;
      }
      if (end === 'deferred') return;
      if (end === 'blocked') {
        // Every photoshoot of theirs stops and gives its credit back; this one too if it was delivering.
        const outcome = await sellerBlocked(db, job.chatId);
        abort(outcome.canceled, new JobStoppedError('blocked'));
        const settlement = await finishPhotoshoot(db, job.id, 'canceled', 'the seller blocked the bot', token);
        deps.metrics?.job.finished('canceled', age(), false);
        log.info({ settlement, canceled: outcome.canceled }, 'the seller blocked the bot; photoshoot stopped');
        return;
      }
      const canceled = end === 'canceled';
      // A cancel was settled by /cancel already ('unchanged' here): this only records the end.
      const settlement = await finishPhotoshoot(
        db,
        job.id,
        canceled ? 'canceled' : 'failed',
        canceled ? undefined : recordedError(err),
        token,
      );
      if (settlement === 'lost') {
        log.warn({ err }, 'photoshoot failed after it was taken over; nothing more is written');
        return;
      }
      deps.metrics?.job.finished(canceled ? 'canceled' : 'failed', age(), false);
      await report.ended({ err, canceled, settlement });
      if (canceled) log.info({ settlement }, 'photoshoot cancelled');
      else log.warn({ err, settlement }, 'photoshoot failed');
    }
  }

  return {
    start: loop.start,
    kick: loop.kick,
    /**
     * /cancel settled these jobs in the database: those running here stop now (their AI calls
     * are aborted, nothing more is shown but the cancelled text). Others learn it at their next step.
     */
    cancel(ids: readonly number[]): void {
      loop.abort(ids, new JobStoppedError('canceled'));
    },
    /**
     * Stops claiming and waits for running jobs, up to `timeoutMs`; those that cannot finish are
     * handed back to the queue at once, rendered images and reserved credit kept.
     */
    stop: loop.stop,
    stats: loop.stats,
  };
}

export type PhotoshootWorker = ReturnType<typeof createPhotoshootWorker>;

export type { RunToken };
