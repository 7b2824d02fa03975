import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { and, eq } from 'drizzle-orm';
import { type Api, GrammyError, InputFile } from 'grammy';
import type { InlineKeyboardMarkup, InputMediaDocument, InputMediaPhoto } from 'grammy/types';
import { isBlockedByUser, pause } from '../bot/api-policy.js';
import { resolveLocale } from '../bot/i18n.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { type Photoshoot, queuedJobs } from '../db/photoshoots.js';
import {
  imagesOf,
  type ProcessedImage,
  type RenderedImage,
  recordImage,
  recordPreview,
  renderedImages,
  storeRendered,
} from '../db/processed-images.js';
import {
  claimNextPhotoshoot,
  handBackPhotoshoots,
  heartbeat,
  type JobState,
  type RunToken,
  startDelivery,
} from '../db/queue.js';
import { photoshoots, users } from '../db/schema.js';
import { finishPhotoshoot, recoverStalePhotoshoots, type Settlement } from '../db/settlement.js';
import { sellerBlocked } from '../db/users.js';
import type { Logger } from '../logger.js';
import { settlesWithin, withTimeout } from '../with-timeout.js';
import { abortable } from './abortable.js';
import type { AiServices } from './ai.js';
import { AiUnavailableError, ContentRejectedError } from './ai-errors.js';
import type { AspectRatio } from './aspect-ratio.js';
import type { ImageBudget } from './image-budget.js';
import { ImageRejectedError } from './image-converter.js';
import type { Metrics } from './metrics.js';
import { type PhotoSource, PhotoTooBigError } from './photo-source.js';
import { imagePrompt } from './prompts.js';
import { type QueueEstimator, toMinutes } from './queue-estimate.js';
import { usageScope } from './usage.js';

export type WorkerConfig = Pick<
  Config,
  | 'PHOTOSHOOT_CONCURRENCY'
  | 'JOB_HEARTBEAT_S'
  | 'JOB_STALE_AFTER_S'
  | 'JOB_MAX_ATTEMPTS'
  | 'JOB_POLL_MS'
  | 'JOB_QUEUE_REFRESH_S'
  | 'DEFAULT_LOCALE'
  | 'TELEGRAM_FLOOD_WAIT_MAX_S'
  | 'DELIVERY_FLOOD_WAIT_TOTAL_S'
>;

/** Texts by locale (the bot's I18n instance fits). */
export interface Translator {
  t(locale: string, key: string, variables?: Record<string, string | number>): string;
}

/** What the bot shows under a finished photoshoot (its buttons). */
export type ResultMarkup = (result: {
  jobId: number;
  locale: string;
  /** Styles that failed (retry for free when > 0). */
  failed: number;
  /** Names of the styles delivered, by position. */
  delivered: { position: number; name: string }[];
}) => InlineKeyboardMarkup | undefined;

/** What a delivery needs of its run: stopping it, learning it stopped, its logger. */
interface DeliveryRun {
  stop(state: RunState): void;
  throwIfStopped(): void;
  signal: AbortSignal;
  log: Logger;
}

export interface WorkerDeps {
  /** The pool: every step uses its own short statement or transaction, none spans an AI call. */
  db: Database;
  api: Api;
  photos: PhotoSource;
  ai: Pick<AiServices, 'vision' | 'images'>;
  i18n: Translator;
  logger: Logger;
  config: WorkerConfig;
  resultMarkup?: ResultMarkup;
  metrics?: Metrics;
  /** The fleet-wide image budget: a running job whose images wait for it shows that wait. */
  imageBudget?: Pick<ImageBudget, 'watch'>;
  /** The queue estimate from the image budget's pace and measured photoshoot times. */
  queueEstimate?: QueueEstimator;
}

/**
 * How a run ends early: 'canceled' (the seller's /cancel), 'lost' (the job is no longer this
 * run's), 'handed-back' (shutdown gave it back to the queue), 'blocked' (the seller blocked the
 * bot), 'deferred' (delivery failed: the job is resumed from its rendered images later).
 */
type RunState = JobState | 'handed-back' | 'blocked' | 'deferred';

class JobStoppedError extends Error {
  override name = 'JobStoppedError';
  constructor(readonly state: RunState) {
    super(`photoshoot stopped: ${state}`);
  }
}

/** Kept at the end of a shutdown to hand back the jobs that cannot finish. */
const HAND_BACK_RESERVE_MS = 1000;

/** How often a run waits for the database to confirm the job is still its own, while it does not answer. */
const OWNERSHIP_RETRY_MS = 1000;

/**
 * The photoshoot worker: claims queued jobs (SKIP LOCKED, so several processes can share the
 * queue), at most PHOTOSHOOT_CONCURRENCY at once, and runs each one: download -> normalise ->
 * analyse -> 4 images concurrently -> PNG -> deliver -> settle the credit. A heartbeat marks
 * the job alive; a job whose process died is taken over by recovery on the next start.
 */
export function createPhotoshootWorker(deps: WorkerDeps) {
  const { db, api, ai, logger, config } = deps;
  /** This worker's name in photoshoots.owner: unique per process and per worker. */
  const workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const running = new Map<number, { controller: AbortController; done: Promise<void>; token: RunToken }>();
  let active = false;
  let wake: (() => void) | undefined;
  let loopDone: Promise<void> = Promise.resolve();

  const t = (locale: string, key: string, variables?: Record<string, string | number>) =>
    deps.i18n.t(locale, key, variables);

  let lastRecovery = 0;
  let lastQueueRefresh = Date.now();
  /** The text last shown for each queued job, so unchanged messages are not edited again. */
  const shownPositions = new Map<number, string>();

  /** Moves the queue position and estimate shown to waiting sellers (at most 30 edits a pass). */
  async function refreshQueue(): Promise<void> {
    lastQueueRefresh = Date.now();
    try {
      const waiting = await queuedJobs(db, 30);
      const still = new Set(waiting.map((j) => j.id));
      for (const id of shownPositions.keys()) if (!still.has(id)) shownPositions.delete(id);
      for (const job of waiting) {
        const locale = resolveLocale(job.locale, config.DEFAULT_LOCALE);
        const minutes = deps.queueEstimate
          ? await deps.queueEstimate.minutes(db, job.position)
          : queueEstimateMinutes(job.position, config.PHOTOSHOOT_CONCURRENCY);
        const text = t(locale, 'progress-queued', { position: job.position, minutes });
        if (shownPositions.get(job.id) === text) continue;
        shownPositions.set(job.id, text);
        await api.editMessageText(job.chatId, job.progressMessageId, text).catch(() => undefined);
      }
    } catch (err) {
      logger.warn({ err }, 'could not refresh queue positions');
    }
  }

  /** Takes over jobs whose process died (stale heartbeat): at start, then every half staleness period. */
  async function recover(): Promise<void> {
    lastRecovery = Date.now();
    try {
      const recovered = await recoverStalePhotoshoots(db, {
        staleAfterS: config.JOB_STALE_AFTER_S,
        maxAttempts: config.JOB_MAX_ATTEMPTS,
      });
      if (recovered.requeued.length + recovered.failed.length > 0) {
        logger.info(recovered, 'recovered interrupted photoshoots');
      }
    } catch (err) {
      logger.error({ err }, 'could not recover interrupted photoshoots');
    }
  }

  async function loop(): Promise<void> {
    while (active) {
      if (Date.now() - lastRecovery >= (config.JOB_STALE_AFTER_S * 1000) / 2) await recover();
      if (Date.now() - lastQueueRefresh >= config.JOB_QUEUE_REFRESH_S * 1000) await refreshQueue();
      while (active && running.size < config.PHOTOSHOOT_CONCURRENCY) {
        let job: Photoshoot | undefined;
        try {
          job = await claimNextPhotoshoot(db, workerId);
        } catch (err) {
          logger.error({ err }, 'could not claim a photoshoot');
        }
        if (!job) break;
        launch(job);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.JOB_POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  function launch(job: Photoshoot): void {
    const controller = new AbortController();
    const token: RunToken = { owner: workerId, attempts: job.attempts };
    // The AI usage of every call made for this job is recorded under it.
    const done = usageScope
      .run({ photoshootId: job.id }, () => runJob(job, token, controller))
      .catch((err: unknown) => logger.error({ err, photoshoot_id: job.id }, 'photoshoot crashed'))
      .finally(() => {
        if (running.get(job.id)?.token === token) running.delete(job.id);
        wake?.();
      });
    running.set(job.id, { controller, done, token });
  }

  async function runJob(job: Photoshoot, token: RunToken, controller: AbortController): Promise<void> {
    const log = logger.child({ photoshoot_id: job.id, user_id: job.userId });
    const started = Date.now();
    const age = () => (Date.now() - job.createdAt.getTime()) / 1000;
    // A job resumed after a crash has waited for other reasons than the queue.
    if (job.attempts === 1) deps.metrics?.job.queued(age());
    const [seller] = await db
      .select({ locale: users.locale, languageCode: users.languageCode })
      .from(users)
      .where(eq(users.id, job.userId));
    const locale = resolveLocale(seller?.locale ?? seller?.languageCode, config.DEFAULT_LOCALE);
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
    // Before each edit: a cancel made in another process is seen here, so the count never moves past it.
    const progress = createProgress(job, token, {
      stopped: async () => {
        await refresh();
        return current() !== 'running';
      },
      blocked: () => stop('blocked'),
    });
    // Its images waiting for the image budget (the provider's pace): the seller sees how long.
    const unwatchBudget = deps.imageBudget?.watch(controller.signal, (waitMs) => {
      if (waitMs >= BUDGET_WAIT_SHOWN_MS) {
        void progress.show(t(locale, 'progress-waiting-budget', { minutes: toMinutes(waitMs / 1000) }));
      }
    });
    /** Learns a cancel made in another process, or a takeover; a failed read is not a reason to stop. */
    const refresh = async () => {
      try {
        stop(await heartbeat(db, job.id, token));
      } catch (err) {
        log.warn({ err }, 'heartbeat failed');
      }
    };
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
    const beat = setInterval(() => void refresh(), config.JOB_HEARTBEAT_S * 1000);

    try {
      await checkpoint();
      const images = await imagesOf(db, job.id);
      // Rendered by an earlier run and kept: delivered below, never generated again.
      const toRender = images.filter((image) => image.status !== 'done' && !image.hasRendered);
      const failures: { image: ProcessedImage; err: unknown }[] = [];
      if (toRender.length > 0) {
        await progress.show(t(locale, 'progress-analysing'));
        const photo = await deps.photos.load(job.sourceFileId, controller.signal);
        await checkpoint();
        // The analysis can be shared with another caller (cached, de-duplicated): stop waiting, do not abort it.
        const analysis = await abortable(
          ai.vision.analyse(photo, job.sourceFileUniqueId ?? undefined),
          controller.signal,
          () => new JobStoppedError(state),
        );
        await checkpoint();
        let finished = images.length - toRender.length;
        await progress.show(t(locale, 'progress-generating', { done: finished, total: images.length }));
        const ratio = job.aspectRatio as AspectRatio;
        await Promise.all(
          toRender.map(async (image) => {
            try {
              // A paid call starts only while the database says the job is still this run's.
              await held(() => heartbeat(db, job.id, token));
              const prompt = imagePrompt({ name: image.style, scene: image.prompt ?? image.style }, analysis, ratio);
              const png = await ai.images.generate(photo, prompt, ratio, controller.signal);
              await held(() => storeRendered(db, image.id, png, token));
              finished += 1;
              void progress.show(t(locale, 'progress-generating', { done: finished, total: images.length }));
            } catch (err) {
              failures.push({ image, err });
            }
          }),
        );
        throwIfStopped();
        for (const failure of failures) {
          log.warn({ err: failure.err, style: failure.image.style }, 'style failed');
          await held(() =>
            recordImage(db, failure.image.id, { status: 'failed', error: describe(failure.err) }, token),
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
        await progress.show(t(locale, 'progress-delivering'));
        try {
          delivered += await deliver(job, token, ready, { stop, throwIfStopped, signal: controller.signal, log });
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
        throwIfStopped();
      }
      deps.metrics?.job.finished(delivered > 0 ? 'done' : 'failed', age(), delivered > 0);
      const busy = failures.find((f) => f.err instanceof AiUnavailableError)?.err as AiUnavailableError | undefined;
      const text =
        delivered === images.length
          ? t(locale, 'progress-done', { count: delivered })
          : delivered > 0
            ? t(locale, 'progress-partial', { delivered, total: images.length })
            : busy
              ? t(locale, 'progress-busy', { seconds: busy.retryInSeconds })
              : t(locale, 'progress-failed');
      const markup =
        delivered > 0
          ? deps.resultMarkup?.({
              jobId: job.id,
              locale,
              failed: images.length - delivered,
              delivered: deliveredStyles(images, ready),
            })
          : undefined;
      await progress.show(withDeclined(text, locale, failures, delivered > 0), markup, true);
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
        for (const id of outcome.canceled) running.get(id)?.controller.abort(new JobStoppedError('blocked'));
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
        canceled ? undefined : describe(err),
        token,
      );
      if (settlement === 'lost') {
        log.warn({ err }, 'photoshoot failed after it was taken over; nothing more is written');
        return;
      }
      deps.metrics?.job.finished(canceled ? 'canceled' : 'failed', age(), false);
      await progress.show(failureText(err, locale, canceled, settlement), undefined, true);
      if (canceled) log.info({ settlement }, 'photoshoot cancelled');
      else log.warn({ err, settlement }, 'photoshoot failed');
    }
  }

  function failureText(err: unknown, locale: string, canceled: boolean, settlement: Settlement): string {
    if (canceled) return t(locale, 'progress-canceled', { charged: settlement === 'committed' ? 'yes' : 'no' });
    if (err instanceof AiUnavailableError) return t(locale, 'progress-busy', { seconds: err.retryInSeconds });
    const problem = photoProblemKey(err);
    if (problem) return t(locale, 'progress-rejected', { reason: t(locale, problem) });
    return t(locale, 'progress-failed');
  }

  /**
   * The final text, with a line naming the styles the image service declined under its content
   * rules, and (when the free retry is offered) what the retry does with them.
   */
  function withDeclined(
    text: string,
    locale: string,
    failures: { image: ProcessedImage; err: unknown }[],
    retryOffered: boolean,
  ): string {
    const declined = failures.filter((f) => f.err instanceof ContentRejectedError).map((f) => f.image.style);
    if (declined.length === 0) return text;
    const line = t(locale, 'progress-style-declined', { count: declined.length, styles: declined.join(', ') });
    return `${text}\n\n${retryOffered ? `${line} ${t(locale, 'retry-declined-neutral')}` : line}`;
  }

  /**
   * One Bot API call of a delivery, through Telegram's flood control: a 429 "retry after N" is
   * waited out (at most TELEGRAM_FLOOD_WAIT_MAX_S a time and DELIVERY_FLOOD_WAIT_TOTAL_S in all,
   * ended at once when the run stops) and the call is made again; the images are never made
   * again for it. A seller who blocked the bot stops the run.
   */
  async function floodSafe<T>(call: () => Promise<T>, run: DeliveryRun, waited: { s: number }): Promise<T> {
    for (;;) {
      run.throwIfStopped();
      try {
        return await call();
      } catch (err) {
        if (isBlockedByUser(err)) {
          run.stop('blocked');
          throw err;
        }
        const retryAfterS = err instanceof GrammyError ? err.parameters.retry_after : undefined;
        if (
          retryAfterS === undefined ||
          retryAfterS > config.TELEGRAM_FLOOD_WAIT_MAX_S ||
          waited.s + retryAfterS > config.DELIVERY_FLOOD_WAIT_TOTAL_S
        ) {
          throw err;
        }
        run.log.warn({ retry_after_s: retryAfterS, waited_s: waited.s }, 'Telegram flood control; waiting to deliver');
        waited.s += retryAfterS;
        await pause(retryAfterS * 1000, run.signal);
      }
    }
  }

  /**
   * Sends the previews as an album and the PNGs as files (the kept PNGs, read from the database),
   * recording each step so /history can resend them and a resumed delivery sends only what is
   * missing: preview ids once the album is out, then the file ids (which drops the kept PNG).
   * Returns how many images were delivered.
   */
  async function deliver(job: Photoshoot, token: RunToken, ready: RenderedImage[], run: DeliveryRun) {
    const chatId = job.chatId;
    const name = (image: RenderedImage) => `${image.position + 1}-${slug(image.style)}.png`;
    const waited = { s: 0 };
    const send = <T>(call: () => Promise<T>) => floodSafe(call, run, waited);
    // grammY types its signal as the abort-controller package's; Node's is the same at run time.
    const signal = run.signal as unknown as Parameters<Api['sendMessage']>[3];
    const previews = new Map(ready.map((image) => [image.id, image.previewFileId]));
    const unpreviewed = ready.filter((image) => image.previewFileId === null);
    let sentPreviews: (string | null)[] = [];
    if (unpreviewed.length === 1) {
      const [only] = unpreviewed as [RenderedImage];
      const photo = await send(() =>
        api.sendPhoto(chatId, new InputFile(only.png, name(only)), { caption: only.style }, signal),
      );
      sentPreviews = [photo.photo.at(-1)?.file_id ?? null];
    } else if (unpreviewed.length > 1) {
      const album: InputMediaPhoto[] = unpreviewed.map((image) => ({
        type: 'photo',
        media: new InputFile(image.png, name(image)),
        caption: image.style,
      }));
      const sent = await send(() => api.sendMediaGroup(chatId, album, {}, signal));
      sentPreviews = sent.map((m) => ('photo' in m && m.photo ? (m.photo.at(-1)?.file_id ?? null) : null));
    }
    for (const [index, image] of unpreviewed.entries()) {
      const previewFileId = sentPreviews[index];
      if (!previewFileId) continue;
      previews.set(image.id, previewFileId);
      if (!(await recordPreview(db, image.id, previewFileId, token))) run.stop('lost');
    }
    run.throwIfStopped();
    let documents: string[];
    if (ready.length === 1) {
      const [only] = ready as [RenderedImage];
      const document = await send(() => api.sendDocument(chatId, new InputFile(only.png, name(only)), {}, signal));
      documents = [document.document?.file_id ?? ''];
    } else {
      const files: InputMediaDocument[] = ready.map((image) => ({
        type: 'document',
        media: new InputFile(image.png, name(image)),
      }));
      const sent = await send(() => api.sendMediaGroup(chatId, files, {}, signal));
      documents = sent.map((m) => ('document' in m && m.document ? m.document.file_id : ''));
    }
    let count = 0;
    for (const [index, image] of ready.entries()) {
      const resultFileId = documents[index];
      if (!resultFileId) continue;
      const previewFileId = previews.get(image.id) ?? null;
      // Sent is sent: recorded even if the job was just taken over, so it is not sent twice.
      await recordImage(db, image.id, { status: 'done', resultFileId, previewFileId });
      count += 1;
    }
    return count;
  }

  /**
   * One progress message per job: sent once, then edited; unchanged text is not re-sent. Once
   * `stopped()` (cancelled, taken over) only a final text is shown, so the count never moves on.
   * A seller who blocked the bot calls `blocked()`.
   */
  function createProgress(
    job: Photoshoot,
    token: RunToken,
    on: { stopped: () => Promise<boolean>; blocked: () => void },
  ) {
    let messageId = job.progressMessageId ?? undefined;
    let last = '';
    let chain: Promise<void> = Promise.resolve();
    return {
      show(text: string, markup?: InlineKeyboardMarkup, final = false): Promise<void> {
        chain = chain.then(async () => {
          if (!final && (await on.stopped())) return;
          if (text === last && !markup) return;
          last = text;
          const options = markup ? { reply_markup: markup } : {};
          try {
            if (messageId === undefined) {
              const sent = await api.sendMessage(job.chatId, text, options);
              messageId = sent.message_id;
              await db
                .update(photoshoots)
                .set({ progressMessageId: messageId })
                .where(
                  and(
                    eq(photoshoots.id, job.id),
                    eq(photoshoots.owner, token.owner),
                    eq(photoshoots.attempts, token.attempts),
                  ),
                );
            } else {
              await api.editMessageText(job.chatId, messageId, text, options);
            }
          } catch (err) {
            if (isBlockedByUser(err)) on.blocked();
            else logger.warn({ err, photoshoot_id: job.id }, 'could not update the progress message');
          }
        });
        return chain;
      },
    };
  }

  return {
    /** Starts claiming; the first pass recovers jobs left by a dead process. */
    async start(): Promise<void> {
      // The loop's first pass recovers interrupted jobs; a database that is down is retried there.
      active = true;
      loopDone = loop();
    },
    /** A job was queued in this process: look at once instead of at the next poll. */
    kick(): void {
      wake?.();
    },
    /**
     * /cancel settled these jobs in the database: those running here stop now (their AI calls
     * are aborted, nothing more is shown but the cancelled text). Others learn it at their next step.
     */
    cancel(ids: readonly number[]): void {
      for (const id of ids) running.get(id)?.controller.abort(new JobStoppedError('canceled'));
    },
    /**
     * Stops claiming and waits for running jobs, up to `timeoutMs` less a moment kept to hand
     * back those that cannot finish: their AI calls and deliveries are aborted and they go back
     * to the queue at once, rendered images and reserved credit kept, for the next start or
     * another worker. True: every job finished (or was handed back) in time.
     */
    async stop(timeoutMs: number): Promise<boolean> {
      active = false;
      wake?.();
      const deadline = Date.now() + timeoutMs;
      const handBackAt = deadline - Math.min(HAND_BACK_RESERVE_MS, timeoutMs / 2);
      // The loop may be waiting on a database that stalls (a claim that never answers): the
      // bound covers it too, so shutdown never outlasts SHUTDOWN_TIMEOUT_S.
      const loopStopped = await settlesWithin(loopDone, handBackAt - Date.now());
      const finished = () => Promise.allSettled([...running.values()].map((r) => r.done));
      if (loopStopped) await settlesWithin(finished(), handBackAt - Date.now());
      if (!loopStopped) logger.warn('shutdown cut short the worker loop, still waiting on the database');
      if (running.size === 0) return loopStopped;
      const runs = [...running.entries()].map(([id, r]) => ({ id, token: r.token }));
      for (const r of running.values()) r.controller.abort(new JobStoppedError('handed-back'));
      const handed = await withTimeout(handBackPhotoshoots(db, runs), deadline - Date.now(), (): number[] => []).catch(
        (err: unknown): number[] => {
          logger.error({ err }, 'could not hand photoshoots back to the queue; they are taken over once stale');
          return [];
        },
      );
      logger.warn(
        { handed_back: handed, running: runs.length },
        'shutdown handed running photoshoots back to the queue; the next start resumes them',
      );
      // Their writes are refused from now on (their token is void); let them unwind before the pool closes.
      await settlesWithin(finished(), deadline - Date.now());
      return loopStopped && handed.length === runs.length;
    },
    stats: () => ({ running: running.size }),
  };
}

export type PhotoshootWorker = ReturnType<typeof createPhotoshootWorker>;

/** The locale key that tells a seller what is wrong with their photo, if that is what failed. */
export function photoProblemKey(err: unknown): string | undefined {
  if (err instanceof PhotoTooBigError) return 'photo-too-big';
  if (err instanceof ImageRejectedError) return `photo-${err.reason.replaceAll('_', '-')}`;
  return undefined;
}

/** A wait for the image budget shorter than this is the normal pace, not worth a message. */
const BUDGET_WAIT_SHOWN_MS = 20_000;

/** Rough minutes one photoshoot takes, for the queue estimate without a measured pace. */
const MINUTES_PER_PHOTOSHOOT = 1;

/** The rough wait, in minutes, shown with a queue position. */
export function queueEstimateMinutes(position: number, concurrency: number): number {
  return Math.max(1, Math.ceil((position * MINUTES_PER_PHOTOSHOOT) / concurrency));
}

/** Styles delivered now or by an earlier attempt, by position. */
function deliveredStyles(images: ProcessedImage[], rendered: { id: number }[]) {
  const now = new Set(rendered.map((r) => r.id));
  return images
    .filter((image) => image.status === 'done' || now.has(image.id))
    .map((image) => ({ position: image.position, name: image.style }));
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'style'
  );
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
