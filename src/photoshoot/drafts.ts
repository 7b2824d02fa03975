import type { Database } from '../db/client.js';
import { type Draft, stopWaiting, submitDraft, usersWithStartableDrafts, waitingDraftOf } from '../db/drafts.js';
import { InsufficientBalanceError } from '../db/ledger.js';
import { activePhotoshoots, type Photoshoot } from '../db/photoshoots.js';
import { ActivePhotoshootError, queuePhotoshoot } from '../db/queue.js';
import type { Logger } from '../logger.js';

/**
 * A style's scene with the seller's wish (the caption sent with the photo) appended. Analysed
 * styles were written with the wish already; random and saved ones get it here, at Generate.
 */
export function sceneWithWish(scene: string, wish: string | null): string {
  if (!wish) return scene;
  return `${scene.trim().replace(/\.*$/, '.')} The seller's wish for this photo: ${wish}`;
}

/**
 * Submits the draft and charges and queues its photoshoot (a batch: one job per photo, all
 * charged or none), in the caller's transaction. Undefined: the draft is gone, submitted
 * already, or not set up. InsufficientBalanceError and ActivePhotoshootError pass through.
 */
export async function queueDraft(
  tx: Database,
  draftId: number,
  userId: number,
  options: { progressMessageId?: number | null } = {},
): Promise<{ draft: Draft; job: Photoshoot } | undefined> {
  const draft = await submitDraft(tx, draftId, userId);
  if (!draft?.styles?.length || !draft.aspectRatio || draft.photos.length === 0) return undefined;
  const batchId = draft.photos.length > 1 ? `draft-${draft.id}` : null;
  // Analysed styles were written with the wish; a plain packshot keeps its plain background.
  const asWritten = draft.styleSource === 'analysis' || draft.styleSource === 'packshot';
  const styles = draft.styles.map((s) => ({
    name: s.name,
    prompt: asWritten ? s.scene : sceneWithWish(s.scene, draft.wish),
  }));
  let first: Photoshoot | undefined;
  for (const photo of draft.photos) {
    const job = await queuePhotoshoot(tx, {
      userId,
      chatId: draft.chatId,
      sourceFileId: photo.fileId,
      sourceFileUniqueId: photo.fileUniqueId,
      sourceMessageId: photo.messageId ?? null,
      aspectRatio: draft.aspectRatio,
      styleSource: draft.styleSource ?? 'random',
      marketplace: draft.marketplace,
      batchId,
      styles,
      // A batch's jobs each show their own progress; a single one continues in the given message.
      progressMessageId: first === undefined && batchId === null ? options.progressMessageId : null,
    });
    first ??= job;
  }
  return first && { draft, job: first };
}

/** The user has a photoshoot queued or running outside a batch: a new photo waits for it. */
export async function runsPhotoshoot(db: Database, userId: number): Promise<boolean> {
  return (await activePhotoshoots(db, userId)).some((p) => p.batchId === null);
}

/** What became of a draft waiting for the seller's running photoshoot. */
export type WaitingStart =
  | { kind: 'none' }
  | { kind: 'busy' }
  | { kind: 'started'; job: Photoshoot }
  | { kind: 'no-balance'; draft: Draft };

/**
 * Starts the user's waiting draft once no photoshoot of theirs runs: submit + charge + queue
 * in one transaction on the pool. With no balance left the draft stays open (no longer
 * waiting) and the seller is to be told; with a photoshoot still active it keeps waiting.
 */
export async function startWaitingDraft(db: Database, userId: number): Promise<WaitingStart> {
  const waiting = await waitingDraftOf(db, userId);
  if (!waiting) return { kind: 'none' };
  // A batch's jobs do not meet the one-active index: the running photoshoot is checked here too.
  if (await runsPhotoshoot(db, userId)) return { kind: 'busy' };
  try {
    const queued = await db.transaction((tx) =>
      queueDraft(tx, waiting.id, userId, { progressMessageId: waiting.messageId }),
    );
    return queued ? { kind: 'started', job: queued.job } : { kind: 'none' };
  } catch (err) {
    if (err instanceof ActivePhotoshootError) return { kind: 'busy' };
    if (err instanceof InsufficientBalanceError) {
      // The seller is told once, by whoever ended the wait.
      return (await stopWaiting(db, waiting.id)) ? { kind: 'no-balance', draft: waiting } : { kind: 'none' };
    }
    throw err;
  }
}

/** Tells the seller a waiting draft could not start (the bot's photoshoot reporter implements it). */
export interface WaitingDraftReporter {
  /** No balance left when the running photoshoot ended: the draft stays open, with a buy button. */
  noBalanceForNext?(draft: Draft): Promise<void>;
}

/**
 * Starts waiting drafts: right after a user's photoshoot ends, and in a sweep (a photoshoot
 * cancelled while queued, or a process that died between the end and the start).
 */
export function createWaitingDrafts(deps: {
  db: Database;
  reporter: WaitingDraftReporter;
  logger: Logger;
  /** Wakes the worker for a job just queued. */
  kick(): void;
}) {
  /** Never throws: a draft that could not start now is started by the next sweep. */
  async function startFor(userId: number): Promise<WaitingStart | undefined> {
    try {
      const outcome = await startWaitingDraft(deps.db, userId);
      if (outcome.kind === 'started') {
        deps.logger.info({ user_id: userId, photoshoot_id: outcome.job.id }, 'the next draft started');
        deps.kick();
      }
      if (outcome.kind === 'no-balance') await deps.reporter.noBalanceForNext?.(outcome.draft);
      return outcome;
    } catch (err) {
      deps.logger.warn({ err, user_id: userId }, 'could not start the next draft');
      return undefined;
    }
  }
  return {
    startFor,
    async sweep(): Promise<void> {
      for (const userId of await usersWithStartableDrafts(deps.db)) await startFor(userId);
    },
  };
}
