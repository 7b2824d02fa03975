import { eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { findPhotoshoot } from '../../src/db/photoshoots.js';
import { imagesOf, renderedImages } from '../../src/db/processed-images.js';
import { claimNextPhotoshoot, queuePhotoshoot } from '../../src/db/queue.js';
import { photoshoots } from '../../src/db/schema.js';
import { cancelActivePhotoshoots, recoverStalePhotoshoots } from '../../src/db/settlement.js';
import { findUserByTelegramId, registerUser } from '../../src/db/users.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture, pngClaimingSize } from '../support/fixtures.js';
import { balanceAndLedger } from '../support/ledger.js';
import { useWorkerTestbed } from '../support/worker-testbed.js';

const TOKEN = '123456789:TEST-token-for-the-worker-tests_abc';
const openai = useFakeOpenAi();
const bed = useWorkerTestbed(TOKEN, openai);
let nextUser = 20_000;

function startWorker(env: Record<string, string> = {}) {
  return bed.build({ env }).worker;
}

const STYLES = ['Studio', 'Kitchen', 'Loft', 'Pop'].map((name) => ({ name, prompt: `The product in a ${name} scene` }));

/** A seller with a balance of 2 and a queued photoshoot of a real photo. */
async function queueJob(photo = fixture('flowers.jpeg'), ratio = '4:3') {
  const telegramId = nextUser++;
  const { user } = await registerUser(
    bed.database.handle.db,
    { id: telegramId, first_name: 'S' },
    { freePhotoshoots: 2 },
  );
  const file = bed.telegram.addFile(photo);
  const job = await queuePhotoshoot(bed.database.handle.db, {
    userId: user.id,
    chatId: telegramId,
    sourceFileId: file.file_id,
    sourceFileUniqueId: file.file_unique_id,
    aspectRatio: ratio,
    styleSource: 'random',
    styles: STYLES,
  });
  return { job, telegramId };
}

async function settled(id: number, timeoutMs = 15_000) {
  await expect
    .poll(async () => (await findPhotoshoot(bed.database.handle.db, id))?.status, { timeout: timeoutMs, interval: 50 })
    .toMatch(/done|failed|canceled/);
  return findPhotoshoot(bed.database.handle.db, id);
}

const account = (telegramId: number) => balanceAndLedger(bed.database.handle.db, telegramId);

const sentTo = (chatId: number, method: string) =>
  bed.telegram.calls.filter((c) => c.method === method && Number(c.payload.chat_id) === chatId);
const lastText = (chatId: number) =>
  String(
    [...sentTo(chatId, 'sendMessage'), ...sentTo(chatId, 'editMessageText')].sort((a, b) => a.at - b.at).at(-1)?.payload
      .text,
  );

describe('photoshoot worker', () => {
  it('delivers an album of previews and 4 PNG files, charges once and records the file ids', async () => {
    const { job, telegramId } = await queueJob();
    await startWorker().start();
    const outcome = await settled(job.id);
    expect(outcome?.error ?? 'none').toBe('none');
    expect(outcome?.status).toBe('done');

    const [album, files] = sentTo(telegramId, 'sendMediaGroup');
    const albumMedia = JSON.parse(String(album?.payload.media)) as { type: string; caption?: string }[];
    expect(albumMedia.map((m) => [m.type, m.caption])).toEqual(STYLES.map((s) => ['photo', s.name]));
    const fileMedia = JSON.parse(String(files?.payload.media)) as { type: string }[];
    expect(fileMedia.map((m) => m.type)).toEqual(['document', 'document', 'document', 'document']);
    for (const part of files?.files ?? []) {
      const { format, width = 0, height = 1 } = await sharp(part.data).metadata();
      expect(format).toBe('png');
      expect(width / height).toBeCloseTo(4 / 3, 2);
    }
    expect(files?.files).toHaveLength(4);

    const images = await imagesOf(bed.database.handle.db, job.id);
    expect(images.map((i) => i.status)).toEqual(['done', 'done', 'done', 'done']);
    for (const image of images) {
      expect(bed.telegram.files.get(image.resultFileId ?? '')).toBeDefined();
      expect(image.previewFileId).toBeTruthy();
    }
    expect(await account(telegramId)).toEqual({ balance: 1, ledgerSum: 1 });
    await expect.poll(() => lastText(telegramId), { timeout: 5000 }).toContain('Your photoshoot is ready: 4 images');
    const edits = openai().requestsTo('edits');
    expect(edits).toHaveLength(4);
    expect(String(edits[0]?.body.prompt)).toContain('Keep the product from the photo exactly as it is');
  });

  it('releases the credit and says so when every style fails', async () => {
    const { job, telegramId } = await queueJob();
    openai().queue('edits', ...Array.from({ length: 4 }, () => ({ status: 400 })));
    await startWorker().start();
    expect((await settled(job.id))?.status).toBe('failed');
    expect(await account(telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
    expect(sentTo(telegramId, 'sendMediaGroup')).toHaveLength(0);
    await expect.poll(() => lastText(telegramId), { timeout: 5000 }).toContain('Nothing was charged');
  });

  it('charges once and delivers the 2 that worked when 2 of 4 styles fail', async () => {
    const { job, telegramId } = await queueJob();
    openai().queue('edits', { status: 400 }, { status: 400 });
    await startWorker().start();
    expect((await settled(job.id))?.status).toBe('done');
    const groups = sentTo(telegramId, 'sendMediaGroup');
    expect(groups.map((g) => (JSON.parse(String(g.payload.media)) as unknown[]).length)).toEqual([2, 2]);
    expect((await imagesOf(bed.database.handle.db, job.id)).filter((i) => i.status === 'failed')).toHaveLength(2);
    expect(await account(telegramId)).toEqual({ balance: 1, ledgerSum: 1 });
    await expect.poll(() => lastText(telegramId), { timeout: 5000 }).toContain('2 of 4 images are ready');
  });

  it('tells the user at once that the AI service is busy when its breaker is open, and charges nothing', async () => {
    const first = await queueJob();
    openai().queue('chat', { status: 503 });
    await startWorker({ BREAKER_THRESHOLD: '1', BREAKER_HALF_OPEN_AFTER_S: '60' }).start();
    await settled(first.job.id);
    const second = await queueJob(fixture('320x240.jpg'));
    const queuedAt = Date.now();
    bed.worker?.kick();
    expect((await settled(second.job.id))?.status).toBe('failed');
    const findBusy = () =>
      [...sentTo(second.telegramId, 'sendMessage'), ...sentTo(second.telegramId, 'editMessageText')].find((c) =>
        String(c.payload.text).includes('The AI service is busy'),
      );
    await expect.poll(findBusy, { timeout: 5000 }).toBeDefined();
    const busy = findBusy();
    expect(busy).toBeDefined();
    expect((busy?.at ?? Number.POSITIVE_INFINITY) - queuedAt).toBeLessThan(1000);
    expect(await account(second.telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
    expect(await account(first.telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
  });

  it('refuses a broken photo with a clear message and releases the credit', async () => {
    const { job, telegramId } = await queueJob(fixture('truncated.jpg'));
    await startWorker().start();
    expect((await settled(job.id))?.status).toBe('failed');
    await expect.poll(() => lastText(telegramId), { timeout: 5000 }).toContain('This image is damaged or incomplete');
    expect(await account(telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
  });

  it.each([
    ['an empty file', () => Buffer.alloc(0), 'This file is not an image'],
    ['a text file sent as image/png', () => Buffer.from('definitely not a png'), 'This file is not an image'],
    ['a PNG claiming 30000x30000 pixels', () => pngClaimingSize(30_000, 30_000), 'This image is too large'],
  ])('refuses %s with a clear message and releases the credit', async (_name, bytes, message) => {
    const { job, telegramId } = await queueJob(bytes());
    await startWorker().start();
    expect((await settled(job.id))?.status).toBe('failed');
    await expect.poll(() => lastText(telegramId), { timeout: 5000 }).toContain(message);
    expect(await account(telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
    expect(openai().requests).toHaveLength(0);
  });

  it('stops a running photoshoot on /cancel at its next step, with nothing delivered or charged', async () => {
    const { job, telegramId } = await queueJob();
    openai().latencyMs.edits = 1500;
    try {
      await startWorker().start();
      await expect.poll(() => lastText(telegramId), { timeout: 5000 }).toContain('Generating');
      const user = await findUserByTelegramId(bed.database.handle.db, telegramId);
      expect(await cancelActivePhotoshoots(bed.database.handle.db, user?.id ?? -1)).toEqual({
        canceled: [job.id],
        released: 1,
        delivering: [],
        unattended: [],
      });
      expect((await settled(job.id))?.status).toBe('canceled');
    } finally {
      openai().latencyMs.edits = 0;
    }
    await expect
      .poll(() => lastText(telegramId), { timeout: 5000 })
      .toContain('Photoshoot cancelled. Nothing was sent or charged');
    expect(sentTo(telegramId, 'sendMediaGroup')).toHaveLength(0);
    expect(await account(telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
  });

  it('moves the queue position shown to a seller who is waiting', async () => {
    const first = await queueJob();
    const second = await queueJob();
    await bed.database.handle.db
      .update(photoshoots)
      .set({ progressMessageId: 77 })
      .where(eq(photoshoots.id, second.job.id));
    openai().latencyMs.edits = 1500;
    try {
      await startWorker({ PHOTOSHOOT_CONCURRENCY: '1', JOB_QUEUE_REFRESH_S: '1' }).start();
      await expect
        .poll(
          () => sentTo(second.telegramId, 'editMessageText').some((c) => String(c.payload.text).includes('position 1')),
          {
            timeout: 5000,
          },
        )
        .toBe(true);
      expect(sentTo(second.telegramId, 'editMessageText')[0]?.payload.message_id).toBe(77);
    } finally {
      openai().latencyMs.edits = 0;
    }
    await settled(first.job.id);
    await settled(second.job.id);
  });

  it('resumes a job a dead process left running, generating only what was not delivered, charging once', async () => {
    const { job, telegramId } = await queueJob();
    const [first, second] = await imagesOf(bed.database.handle.db, job.id);
    const { db } = bed.database.handle;
    const kept = bed.telegram.addFile(await sharp(fixture('4.webp')).png().toBuffer(), 'png');
    for (const image of [first, second]) {
      await db.execute(
        sql`update processed_images set status = 'done', result_file_id = ${kept.file_id} where id = ${image?.id ?? -1}`,
      );
    }
    await db
      .update(photoshoots)
      .set({ status: 'running', attempts: 1, heartbeatAt: sql`now() - interval '5 minutes'` })
      .where(eq(photoshoots.id, job.id));
    await startWorker({ JOB_STALE_AFTER_S: '5' }).start();
    expect((await settled(job.id))?.status).toBe('done');
    expect(openai().requestsTo('edits')).toHaveLength(2);
    expect((await imagesOf(db, job.id)).every((i) => i.status === 'done')).toBe(true);
    expect(await account(telegramId)).toEqual({ balance: 1, ledgerSum: 1 });
  });
});

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** What is kept of the job's rendered PNGs (the bytea itself, read directly). */
async function keptPngs(photoshootId: number): Promise<number> {
  const rows = await queryRows<{ n: number | string }>(
    bed.database.handle.db,
    sql`select count(*) as n from processed_images where photoshoot_id = ${photoshootId} and rendered is not null`,
  );
  return Number(rows[0]?.n ?? 0);
}

describe('paid work is never paid for twice', () => {
  it('waits out Telegram flood control on the album: the 4 images arrive, charged once, nothing regenerated', async () => {
    const { job, telegramId } = await queueJob();
    // Above the Bot API policy's own bound (auto-retry's TELEGRAM_RETRY_MAX_DELAY_S, 5 s by default).
    bed.telegram.floodWait('sendMediaGroup', 15);
    await startWorker().start();
    expect((await settled(job.id, 40_000))?.status).toBe('done');
    const groups = sentTo(telegramId, 'sendMediaGroup');
    // The refused album, the album again once the wait was over, then the files.
    expect(groups).toHaveLength(3);
    expect((groups[1]?.at ?? 0) - (groups[0]?.at ?? 0)).toBeGreaterThanOrEqual(15_000);
    expect(groups[2]?.files).toHaveLength(4);
    expect(openai().requestsTo('edits')).toHaveLength(4);
    expect((await imagesOf(bed.database.handle.db, job.id)).map((i) => [i.status, i.hasRendered])).toEqual(
      STYLES.map(() => ['done', false]),
    );
    expect(await account(telegramId)).toEqual({ balance: 1, ledgerSum: 1 });
    await expect.poll(() => lastText(telegramId), { timeout: 5000 }).toContain('Your photoshoot is ready: 4 images');
  }, 60_000);

  it('keeps the rendered images when delivery fails and delivers them from the database on resume', async () => {
    const { job, telegramId } = await queueJob();
    bed.telegram.failNext('sendMediaGroup', { error_code: 500, description: 'Internal Server Error' });
    await startWorker({ JOB_STALE_AFTER_S: '5' }).start();
    // The run gives up on the delivery and keeps the 4 PNGs; the job is resumed once its heartbeat is stale.
    await expect.poll(() => sentTo(telegramId, 'sendMediaGroup').length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => keptPngs(job.id), { timeout: 5000 }).toBe(4);
    const kept = await renderedImages(bed.database.handle.db, job.id);
    expect(kept.map((k) => k.style)).toEqual(STYLES.map((s) => s.name));
    for (const image of kept) expect((await sharp(image.png).metadata()).format).toBe('png');
    expect((await findPhotoshoot(bed.database.handle.db, job.id))?.status).toBe('running');

    expect((await settled(job.id, 20_000))?.status).toBe('done');
    expect((await findPhotoshoot(bed.database.handle.db, job.id))?.attempts).toBe(2);
    const [, album, files] = sentTo(telegramId, 'sendMediaGroup');
    expect(album?.files).toHaveLength(4);
    // The files delivered on resume are the images rendered before the failure.
    expect(files?.files.map((f) => f.data.length)).toEqual(kept.map((k) => k.png.length));
    expect(openai().requestsTo('edits')).toHaveLength(4);
    expect(await keptPngs(job.id)).toBe(0);
    expect(await account(telegramId)).toEqual({ balance: 1, ledgerSum: 1 });
    await expect.poll(() => lastText(telegramId), { timeout: 5000 }).toContain('Your photoshoot is ready: 4 images');
  });

  it('stops a run whose job was taken over at once: its image calls are aborted and it writes nothing', async () => {
    const { db } = bed.database.handle;
    const answers = gate();
    openai().queue('edits', ...STYLES.map(() => ({ until: answers.opened })));
    const { job, telegramId } = await queueJob();
    const first = bed.build().worker;
    await first.start();
    await expect.poll(() => openai().requestsTo('edits').length, { timeout: 10_000 }).toBe(4);
    // The first worker's database was away longer than JOB_STALE_AFTER_S: another process's
    // recovery requeued the job and that process claimed it, so the job is running again.
    await db.transaction(async (tx) => {
      await tx
        .update(photoshoots)
        .set({ heartbeatAt: sql`now() - interval '5 minutes'` })
        .where(eq(photoshoots.id, job.id));
      await recoverStalePhotoshoots(tx, { staleAfterS: 60, maxAttempts: 3 });
      expect((await claimNextPhotoshoot(tx, 'another-host:1:abcd'))?.id).toBe(job.id);
    });
    const takenOver = Date.now();
    // Its next heartbeat (1 s) tells the first run the job is not its own: the calls in flight end now.
    await expect
      .poll(
        () =>
          openai()
            .requestsTo('edits')
            .map((r) => r.closedByClient),
        { timeout: 3000 },
      )
      .toEqual(STYLES.map(() => true));
    answers.open();
    await first.stop(2000);
    expect(openai().requests.filter((r) => r.at > takenOver)).toEqual([]);
    expect(await keptPngs(job.id)).toBe(0);
    expect(await findPhotoshoot(db, job.id)).toMatchObject({ status: 'running', owner: 'another-host:1:abcd' });

    // That process died too: a worker here takes the job over and makes each image once.
    await db
      .update(photoshoots)
      .set({ heartbeatAt: sql`now() - interval '5 minutes'` })
      .where(eq(photoshoots.id, job.id));
    await startWorker({ JOB_STALE_AFTER_S: '5' }).start();
    expect((await settled(job.id))?.status).toBe('done');
    expect(openai().requestsTo('edits')).toHaveLength(8);
    expect(sentTo(telegramId, 'sendMediaGroup')).toHaveLength(2);
    expect(await account(telegramId)).toEqual({ balance: 1, ledgerSum: 1 });
  });

  it('stops at once when the seller blocks the bot during generation: no new image calls, credit released', async () => {
    const firstAnswer = gate();
    const others = gate();
    openai().queue('edits', { until: firstAnswer.opened }, ...STYLES.slice(1).map(() => ({ until: others.opened })));
    const { job, telegramId } = await queueJob();
    await startWorker().start();
    await expect.poll(() => openai().requestsTo('edits').length, { timeout: 10_000 }).toBe(4);
    bed.telegram.block(telegramId);
    // The first image lands; the progress edit that counts it answers 403.
    firstAnswer.open();
    expect(await settled(job.id)).toMatchObject({ status: 'canceled', creditState: 'released' });
    await expect
      .poll(
        () =>
          openai()
            .requestsTo('edits')
            .map((r) => r.closedByClient),
        { timeout: 3000 },
      )
      .toEqual([false, true, true, true]);
    others.open();
    await expect.poll(() => bed.worker?.stats().running, { timeout: 5000 }).toBe(0);
    expect(openai().requestsTo('edits')).toHaveLength(4);
    expect(sentTo(telegramId, 'sendMediaGroup')).toHaveLength(0);
    expect(await account(telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
    expect((await findUserByTelegramId(bed.database.handle.db, telegramId))?.blockedAt).toBeInstanceOf(Date);
    expect(await keptPngs(job.id)).toBe(0);
  });

  it('tells the seller which style the image service declined under its content rules', async () => {
    const { job, telegramId } = await queueJob();
    openai().queue('edits', {
      status: 400,
      body: {
        error: {
          message: 'Your request was rejected by the safety system.',
          type: 'image_generation_user_error',
          param: null,
          code: 'moderation_blocked',
        },
      },
    });
    await startWorker().start();
    expect((await settled(job.id))?.status).toBe('done');
    await expect.poll(() => lastText(telegramId), { timeout: 5000 }).toContain('3 of 4 images are ready');
    expect(lastText(telegramId)).toMatch(/The image service declined the style \w+ under its content rules/);
    expect(lastText(telegramId)).toContain('retried in a neutral studio scene');
  });
});
