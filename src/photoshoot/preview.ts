import type { Config } from '../config/index.js';
import type { Pool } from '../db/client.js';
import { findDraft } from '../db/drafts.js';
import {
  claimNextPreview,
  completePreview,
  failPreview,
  handBackPreviews,
  previewHeartbeat,
  recoverStalePreviews,
  type StylePreview,
} from '../db/previews.js';
import { recordedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { abortable } from '../services/abortable.js';
import type { AspectRatio } from '../services/aspect-ratio.js';
import type { PromptService, StyleChoice } from '../services/prompts.js';
import type { VisionService } from '../services/vision.js';
import { createQueueLoop, type RunContext } from '../worker/queue-loop.js';
import type { PhotoLoader } from './photos.js';

/** What the seller is shown when a preview ends (the bot edits the "analysing" message). */
export interface PreviewReporter {
  /** The styles are the draft's choice now: show them with Generate. */
  ready(preview: StylePreview, styles: StyleChoice[]): Promise<void>;
  /** The preview could not be made: say why and offer the style sources again. */
  failed(preview: StylePreview, err: unknown): Promise<void>;
}

export interface PreviewWorkerDeps {
  /** The pool: each step is its own short statement, none spans an AI call. */
  db: Pool;
  photos: PhotoLoader;
  vision: Pick<VisionService, 'analyse'>;
  prompts: Pick<PromptService, 'fromAnalysis'>;
  reporter: PreviewReporter;
  logger: Logger;
  /**
   * The job queue's settings: previewConcurrency (PREVIEW_CONCURRENCY) bounds previews; they
   * share the photoshoots' poll, heartbeat, stale and attempt settings.
   */
  config: Pick<Config['worker'], 'previewConcurrency' | 'pollMs' | 'heartbeatMs' | 'staleAfterMs' | 'maxAttempts'>;
}

/** A preview's run was stopped from outside: shutdown handed it back to the queue. */
class PreviewHandedBack extends Error {
  override name = 'PreviewHandedBack';
}

/**
 * Style previews as queued work on the same loop as photoshoots: download + normalise the
 * photo once -> analyse (cached) -> style prompts (cached) -> the draft's choice, shown to the
 * seller. Bounded by its concurrency, seen by shutdown (what cannot finish goes back to the
 * queue and the next start resumes it), taken over from a dead process once stale.
 */
export function createPreviewWorker(deps: PreviewWorkerDeps) {
  const { db, logger, config } = deps;

  const loop = createQueueLoop<StylePreview>({
    name: 'style preview',
    queue: {
      claim: (owner) => claimNextPreview(db, owner),
      async recover() {
        const recovered = await recoverStalePreviews(db, {
          // The database compares heartbeats in seconds.
          staleAfterS: config.staleAfterMs / 1000,
          maxAttempts: config.maxAttempts,
        });
        if (recovered.requeued.length + recovered.failed.length > 0) {
          logger.info(
            { requeued: recovered.requeued, failed: recovered.failed.map((p) => p.id) },
            'recovered interrupted style previews',
          );
        }
        for (const preview of recovered.failed) await deps.reporter.failed(preview, new Error(preview.error ?? ''));
      },
      handBack: (runs) => handBackPreviews(db, runs),
    },
    run,
    concurrency: config.previewConcurrency,
    pollMs: config.pollMs,
    recoverEveryMs: config.staleAfterMs / 2,
    handBackReason: () => new PreviewHandedBack('handed back at shutdown'),
    logger,
  });

  async function run(preview: StylePreview, { token, controller }: RunContext): Promise<void> {
    const log = logger.child({ preview_id: preview.id, draft_id: preview.draftId, user_id: preview.userId });
    const { signal } = controller;
    const beat = setInterval(() => {
      previewHeartbeat(db, preview.id, token)
        .then((ours) => {
          if (!ours) controller.abort(new Error('the preview was taken over'));
        })
        .catch((err: unknown) => log.warn({ err }, 'preview heartbeat failed'));
    }, config.heartbeatMs);
    try {
      const photo = await deps.photos.load(preview.fileId, signal);
      // The analysis and prompts can be shared with another caller (cached): stop waiting, do not abort them.
      const analysis = await abortable(deps.vision.analyse(photo, preview.fileUniqueId), signal, () => signal.reason);
      // Named in the seller's language, shaped by the caption they sent with the photo.
      const wish = (await findDraft(db, preview.draftId))?.wish ?? null;
      const styles = await abortable(
        deps.prompts.fromAnalysis(analysis, preview.aspectRatio as AspectRatio, { locale: preview.locale, wish }),
        signal,
        () => signal.reason,
      );
      const outcome = await completePreview(db, preview, token, styles);
      if (outcome === 'lost') {
        log.warn('style preview was taken over; its result is left to the new run');
        return;
      }
      // A draft submitted meanwhile keeps its message (it shows the photoshoot's progress now).
      if (outcome === 'chosen') await deps.reporter.ready(preview, styles);
      log.info({ outcome }, 'style preview ready');
    } catch (err) {
      if (signal.aborted) {
        log.info({ reason: String(signal.reason) }, 'style preview stopped');
        return;
      }
      log.warn({ err }, 'style preview failed');
      if (await failPreview(db, preview.id, token, recordedError(err))) await deps.reporter.failed(preview, err);
    } finally {
      clearInterval(beat);
    }
  }

  return { start: loop.start, kick: loop.kick, stop: loop.stop, stats: loop.stats };
}

export type PreviewWorker = ReturnType<typeof createPreviewWorker>;
