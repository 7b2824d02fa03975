import { eq } from 'drizzle-orm';
import { type Api, GrammyError, InputFile } from 'grammy';
import type { InlineKeyboardMarkup, InputMediaDocument, InputMediaPhoto } from 'grammy/types';
import { resolveLocale } from '../bot/i18n.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import {
  claimNextPhotoshoot,
  finishPhotoshoot,
  heartbeat,
  imagesOf,
  type JobState,
  type Photoshoot,
  type ProcessedImage,
  queuedJobs,
  recordImage,
  recoverStalePhotoshoots,
  type Settlement,
  startDelivery,
} from '../db/photoshoots.js';
import { photoshoots, users } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { settlesWithin } from '../with-timeout.js';
import { abortable } from './abortable.js';
import type { AiServices } from './ai.js';
import { AiUnavailableError } from './ai-errors.js';
import type { AspectRatio } from './aspect-ratio.js';
import { ImageRejectedError } from './image-converter.js';
import type { Metrics } from './metrics.js';
import { type PhotoSource, PhotoTooBigError } from './photo-source.js';
import { imagePrompt } from './prompts.js';

export type WorkerConfig = Pick<
  Config,
  | 'PHOTOSHOOT_CONCURRENCY'
  | 'JOB_HEARTBEAT_S'
  | 'JOB_STALE_AFTER_S'
  | 'JOB_MAX_ATTEMPTS'
  | 'JOB_POLL_MS'
  | 'JOB_QUEUE_REFRESH_S'
  | 'DEFAULT_LOCALE'
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
}

class JobCanceledError extends Error {
  override name = 'JobCanceledError';
}

/**
 * The photoshoot worker: claims queued jobs (SKIP LOCKED, so several processes can share the
 * queue), at most PHOTOSHOOT_CONCURRENCY at once, and runs each one: download -> normalise ->
 * analyse -> 4 images concurrently -> PNG -> deliver -> settle the credit. A heartbeat marks
 * the job alive; a job whose process died is taken over by recovery on the next start.
 */
export function createPhotoshootWorker(deps: WorkerDeps) {
  const { db, api, ai, logger, config } = deps;
  const running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  let active = false;
  let wake: (() => void) | undefined;
  let loopDone: Promise<void> = Promise.resolve();

  const t = (locale: string, key: string, variables?: Record<string, string | number>) =>
    deps.i18n.t(locale, key, variables);

  let lastRecovery = 0;
  let lastQueueRefresh = Date.now();
  /** The position last shown for each queued job, so unchanged messages are not edited again. */
  const shownPositions = new Map<number, number>();

  /** Moves the queue position and estimate shown to waiting sellers (at most 30 edits a pass). */
  async function refreshQueue(): Promise<void> {
    lastQueueRefresh = Date.now();
    try {
      const waiting = await queuedJobs(db, 30);
      const still = new Set(waiting.map((j) => j.id));
      for (const id of shownPositions.keys()) if (!still.has(id)) shownPositions.delete(id);
      for (const job of waiting) {
        if (shownPositions.get(job.id) === job.position) continue;
        shownPositions.set(job.id, job.position);
        const locale = resolveLocale(job.locale, config.DEFAULT_LOCALE);
        const minutes = queueEstimateMinutes(job.position, config.PHOTOSHOOT_CONCURRENCY);
        await api
          .editMessageText(
            job.chatId,
            job.progressMessageId,
            t(locale, 'progress-queued', { position: job.position, minutes }),
          )
          .catch(() => undefined);
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
          job = await claimNextPhotoshoot(db);
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
    const done = runJob(job, controller)
      .catch((err: unknown) => logger.error({ err, photoshoot_id: job.id }, 'photoshoot crashed'))
      .finally(() => {
        running.delete(job.id);
        wake?.();
      });
    running.set(job.id, { controller, done });
  }

  async function runJob(job: Photoshoot, controller: AbortController): Promise<void> {
    const log = logger.child({ photoshoot_id: job.id, user_id: job.userId });
    const started = Date.now();
    const age = () => (Date.now() - job.createdAt.getTime()) / 1000;
    // A job resumed after a crash has waited for other reasons than the queue.
    if (job.attempts === 1) deps.metrics?.job.queued(age());
    const [owner] = await db
      .select({ locale: users.locale, languageCode: users.languageCode })
      .from(users)
      .where(eq(users.id, job.userId));
    const locale = resolveLocale(owner?.locale ?? owner?.languageCode, config.DEFAULT_LOCALE);
    // 'canceled': the seller's /cancel won (already settled in the database); 'lost': no longer ours.
    let state: JobState = job.cancelRequested ? 'canceled' : 'running';
    const stop = (next: JobState) => {
      if (state !== 'running' || next === 'running') return;
      state = next;
      controller.abort(new JobCanceledError(next));
    };
    // An abort from outside (cancel() in this process) is the seller's cancel.
    controller.signal.addEventListener('abort', () => stop('canceled'), { once: true });
    const current = (): JobState => state;
    // Before each edit: a cancel made in another process is seen here, so the count never moves past it.
    const progress = createProgress(job, async () => {
      await refresh();
      return current() !== 'running';
    });
    /** Learns a cancel made in another process; a failed read is not a reason to stop. */
    const refresh = async () => {
      try {
        stop(await heartbeat(db, job.id));
      } catch (err) {
        log.warn({ err }, 'heartbeat failed');
      }
    };
    const throwIfStopped = () => {
      if (state !== 'running') throw new JobCanceledError(state);
    };
    const checkpoint = async () => {
      await refresh();
      throwIfStopped();
    };
    const beat = setInterval(() => void refresh(), config.JOB_HEARTBEAT_S * 1000);

    try {
      await checkpoint();
      await progress.show(t(locale, 'progress-analysing'));
      const photo = await deps.photos.load(job.sourceFileId, controller.signal);
      await checkpoint();
      // The analysis can be shared with another caller (cached, de-duplicated): stop waiting, do not abort it.
      const analysis = await abortable(
        ai.vision.analyse(photo, job.sourceFileUniqueId ?? undefined),
        controller.signal,
        () => new JobCanceledError(state),
      );
      await checkpoint();
      const images = await imagesOf(db, job.id);
      const pending = images.filter((image) => image.status !== 'done');
      let finished = images.length - pending.length;
      await progress.show(t(locale, 'progress-generating', { done: finished, total: images.length }));
      const ratio = job.aspectRatio as AspectRatio;
      const outcomes = await Promise.all(
        pending.map(async (image) => {
          try {
            throwIfStopped();
            const prompt = imagePrompt({ name: image.style, scene: image.prompt ?? image.style }, analysis, ratio);
            const png = await ai.images.generate(photo, prompt, ratio, controller.signal);
            finished += 1;
            void progress.show(t(locale, 'progress-generating', { done: finished, total: images.length }));
            return { image, png };
          } catch (err) {
            return { image, err };
          }
        }),
      );
      throwIfStopped();
      const rendered = outcomes.flatMap((o) => ('png' in o && o.png ? [{ image: o.image, png: o.png }] : []));
      const failures = outcomes.flatMap((o) => ('err' in o ? [o] : []));
      for (const failure of failures) {
        log.warn({ err: failure.err, style: failure.image.style }, 'style failed');
        await recordImage(db, failure.image.id, { status: 'failed', error: describe(failure.err) });
      }
      let delivered = images.length - pending.length;
      if (rendered.length > 0) {
        // The decision: from here a /cancel is too late; if a cancel came first, nothing is sent.
        if (!(await startDelivery(db, job.id))) {
          const now = await heartbeat(db, job.id);
          stop(now === 'running' ? 'lost' : now);
          throwIfStopped();
        }
        await progress.show(t(locale, 'progress-delivering'));
        delivered += await deliver(job, rendered);
      } else {
        // Nothing to deliver: a cancel meanwhile is still the end the seller was told.
        await checkpoint();
      }
      const settlement = await finishPhotoshoot(db, job.id, delivered > 0 ? 'done' : 'failed');
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
              delivered: deliveredStyles(images, rendered),
            })
          : undefined;
      await progress.show(text, markup, true);
      log.info({ delivered, failed: failures.length, settlement, ms: Date.now() - started }, 'photoshoot finished');
    } catch (err) {
      if (current() === 'lost') {
        log.warn('photoshoot was taken over by another worker; stopping here');
        return;
      }
      const canceled = current() === 'canceled';
      // A cancel was settled by /cancel already ('unchanged' here): this only records the end.
      const settlement: Settlement = await finishPhotoshoot(
        db,
        job.id,
        canceled ? 'canceled' : 'failed',
        canceled ? undefined : describe(err),
      );
      deps.metrics?.job.finished(canceled ? 'canceled' : 'failed', age(), false);
      await progress.show(failureText(err, locale, canceled, settlement), undefined, true);
      if (canceled) log.info({ settlement }, 'photoshoot cancelled');
      else log.warn({ err, settlement }, 'photoshoot failed');
    } finally {
      clearInterval(beat);
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
   * Sends the previews as an album and the PNGs as files, then records the file ids so
   * /history can resend them without regenerating. Returns how many images were delivered.
   */
  async function deliver(job: Photoshoot, rendered: { image: ProcessedImage; png: Buffer }[]) {
    const chatId = job.chatId;
    const name = (image: ProcessedImage) => `${image.position + 1}-${slug(image.style)}.png`;
    let previews: (string | null)[];
    let documents: string[];
    if (rendered.length === 1) {
      const [only] = rendered;
      if (!only) return 0;
      const photo = await api.sendPhoto(chatId, new InputFile(only.png, name(only.image)), {
        caption: only.image.style,
      });
      const document = await api.sendDocument(chatId, new InputFile(only.png, name(only.image)));
      previews = [photo.photo.at(-1)?.file_id ?? null];
      documents = [document.document?.file_id ?? ''];
    } else {
      const album: InputMediaPhoto[] = rendered.map((r) => ({
        type: 'photo',
        media: new InputFile(r.png, name(r.image)),
        caption: r.image.style,
      }));
      const files: InputMediaDocument[] = rendered.map((r) => ({
        type: 'document',
        media: new InputFile(r.png, name(r.image)),
      }));
      const sentPhotos = await api.sendMediaGroup(chatId, album);
      const sentFiles = await api.sendMediaGroup(chatId, files);
      previews = sentPhotos.map((m) => ('photo' in m && m.photo ? (m.photo.at(-1)?.file_id ?? null) : null));
      documents = sentFiles.map((m) => ('document' in m && m.document ? m.document.file_id : ''));
    }
    let count = 0;
    for (const [index, r] of rendered.entries()) {
      const resultFileId = documents[index];
      if (!resultFileId) continue;
      await recordImage(db, r.image.id, { status: 'done', resultFileId, previewFileId: previews[index] ?? null });
      count += 1;
    }
    return count;
  }

  /**
   * One progress message per job: sent once, then edited; unchanged text is not re-sent. Once
   * `stopped()` (cancelled, taken over) only a final text is shown, so the count never moves on.
   */
  function createProgress(job: Photoshoot, stopped: () => Promise<boolean>) {
    let messageId = job.progressMessageId ?? undefined;
    let last = '';
    let chain: Promise<void> = Promise.resolve();
    return {
      show(text: string, markup?: InlineKeyboardMarkup, final = false): Promise<void> {
        chain = chain.then(async () => {
          if (!final && (await stopped())) return;
          if (text === last && !markup) return;
          last = text;
          const options = markup ? { reply_markup: markup } : {};
          try {
            if (messageId === undefined) {
              const sent = await api.sendMessage(job.chatId, text, options);
              messageId = sent.message_id;
              await db.update(photoshoots).set({ progressMessageId: messageId }).where(eq(photoshoots.id, job.id));
            } else {
              await api.editMessageText(job.chatId, messageId, text, options);
            }
          } catch (err) {
            if (!(err instanceof GrammyError && err.description.includes('message is not modified'))) {
              logger.warn({ err, photoshoot_id: job.id }, 'could not update the progress message');
            }
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
      for (const id of ids) running.get(id)?.controller.abort(new JobCanceledError('canceled'));
    },
    /**
     * Stops claiming and waits up to `timeoutMs` for running jobs. Jobs still running then keep
     * their state; another process (or the next start) takes them over once their heartbeat is stale.
     */
    async stop(timeoutMs: number): Promise<boolean> {
      active = false;
      wake?.();
      const deadline = Date.now() + timeoutMs;
      // The loop may be waiting on a database that stalls (a claim that never answers): the
      // bound covers it too, so shutdown never outlasts SHUTDOWN_TIMEOUT_S.
      const loopStopped = await settlesWithin(loopDone, deadline - Date.now());
      const jobsStopped =
        loopStopped &&
        (await settlesWithin(Promise.allSettled([...running.values()].map((r) => r.done)), deadline - Date.now()));
      if (!loopStopped) logger.warn('shutdown cut short the worker loop, still waiting on the database');
      if (running.size > 0) {
        logger.warn({ running: running.size }, 'shutdown left photoshoots running; the next start takes them over');
      }
      return jobsStopped;
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

/** Rough minutes one photoshoot takes, for the queue estimate. */
const MINUTES_PER_PHOTOSHOOT = 1;

/** The rough wait, in minutes, shown with a queue position. */
export function queueEstimateMinutes(position: number, concurrency: number): number {
  return Math.max(1, Math.ceil((position * MINUTES_PER_PHOTOSHOOT) / concurrency));
}

/** Styles delivered now or by an earlier attempt, by position. */
function deliveredStyles(images: ProcessedImage[], rendered: { image: ProcessedImage }[]) {
  const now = new Set(rendered.map((r) => r.image.id));
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
