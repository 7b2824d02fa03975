import type { Database } from '../../src/db/client.js';
import { imagesOf, recordImage } from '../../src/db/processed-images.js';
import { queuePhotoshoot } from '../../src/db/queue.js';
import { finishPhotoshoot } from '../../src/db/settlement.js';
import { registerUser } from '../../src/db/users.js';

/** A user (`from`) with `count` delivered photoshoots (4 images each, with file ids), and as many free ones. */
export async function sellerWithHistory(
  db: Database,
  from: { id: number; first_name: string; language_code?: string },
  count: number,
) {
  const { user } = await registerUser(db, from, { freePhotoshoots: count });
  const ids: number[] = [];
  for (let n = 0; n < count; n++) {
    const job = await queuePhotoshoot(db, {
      userId: user.id,
      chatId: from.id,
      sourceFileId: 'src',
      sourceFileUniqueId: 'src-u',
      aspectRatio: '1:1',
      styleSource: 'random',
      styles: ['A', 'B', 'C', 'D'].map((name) => ({ name, prompt: name })),
    });
    for (const image of await imagesOf(db, job.id)) {
      await recordImage(db, image.id, {
        status: 'done',
        resultFileId: `png-${image.id}`,
        previewFileId: `jpg-${image.id}`,
      });
    }
    await finishPhotoshoot(db, job.id, 'done');
    ids.push(job.id);
  }
  return { user, ids };
}
