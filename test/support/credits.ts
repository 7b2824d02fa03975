import type { Database } from '../../src/db/client.js';
import { imagesOf, recordImage } from '../../src/db/processed-images.js';
import { type NewPhotoshoot, queuePhotoshoot } from '../../src/db/queue.js';
import { finishPhotoshoot } from '../../src/db/settlement.js';

/** A one-style photoshoot queued and charged as Generate charges it (in its own transaction). */
export const chargePhotoshoot = (db: Database, userId: number, extra: Partial<NewPhotoshoot> = {}) =>
  db.transaction((tx) =>
    queuePhotoshoot(tx, {
      userId,
      chatId: 1,
      sourceFileId: 'file',
      sourceFileUniqueId: 'uniq',
      aspectRatio: '1:1',
      styleSource: 'random',
      styles: [{ name: 'Studio', prompt: 'studio' }],
      ...extra,
    }),
  );

/** Marks a photoshoot's first image delivered, as the worker records it after sending. */
export async function deliverFirstImage(db: Database, photoshootId: number): Promise<void> {
  const [image] = await imagesOf(db, photoshootId);
  if (!image) throw new Error(`photoshoot ${photoshootId} has no image`);
  await recordImage(db, image.id, { status: 'done', resultFileId: `res-${image.id}`, previewFileId: null });
}

/** A photoshoot that delivers its image: charged, then committed. */
export async function usePhotoshoot(db: Database, userId: number) {
  const job = await chargePhotoshoot(db, userId);
  await deliverFirstImage(db, job.id);
  return { job, settlement: await finishPhotoshoot(db, job.id, 'done') };
}

/**
 * A photoshoot of `userId` in `chatId` with one style per name (prompt "scene <name>"), every
 * image delivered (result file `png-<image id>`, no preview) and the photoshoot committed.
 */
export async function deliveredPhotoshoot(db: Database, options: { userId: number; chatId: number; styles: string[] }) {
  const job = await queuePhotoshoot(db, {
    userId: options.userId,
    chatId: options.chatId,
    sourceFileId: 'src',
    sourceFileUniqueId: 'src-u',
    aspectRatio: '1:1',
    styleSource: 'random',
    styles: options.styles.map((name) => ({ name, prompt: `scene ${name}` })),
  });
  for (const image of await imagesOf(db, job.id)) {
    await recordImage(db, image.id, { status: 'done', resultFileId: `png-${image.id}`, previewFileId: null });
  }
  await finishPhotoshoot(db, job.id, 'done');
  return job;
}
