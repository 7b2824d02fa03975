import { eq, sql } from 'drizzle-orm';
import { Api } from 'grammy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { treatUnchangedEditAsDone } from '../../src/bot/api-policy.js';
import { createI18n } from '../../src/bot/i18n.js';
import { createPhotoSource } from '../../src/bot/photo-source.js';
import { createTelegramPreviewReporter } from '../../src/bot/preview-report.js';
import { parseConfig } from '../../src/config/index.js';
import { createDraft, findDraft, submitDraft } from '../../src/db/drafts.js';
import { findPreviews, queuePreview } from '../../src/db/previews.js';
import { stylePreviews } from '../../src/db/schema.js';
import { registerUser } from '../../src/db/users.js';
import { createPreviewWorker, type PreviewWorker, type PreviewWorkerDeps } from '../../src/photoshoot/preview.js';
import { createAiServices } from '../../src/services/ai.js';
import { createMemoryCache } from '../../src/services/cache.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { silentLogger } from '../support/logger.js';

const TOKEN = '123456789:TEST-token-for-the-preview-tests_xyz';
const openai = useFakeOpenAi();
let database: TestDatabase;
let telegram: FakeBotApi;
const workers: PreviewWorker[] = [];
let nextSeller = 47_000;

beforeAll(async () => {
  database = await createTestDatabase();
  telegram = await new FakeBotApi({ token: TOKEN }).start();
});
afterAll(async () => {
  await telegram.close();
  await database.close();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop(5000)));
});

type Vision = PreviewWorkerDeps['vision'];

/** The preview worker as app.ts builds it (real SDK against the fake OpenAI, real photo source against the fake Bot API). */
function buildWorker(options: { concurrency?: number; vision?: (real: Vision) => Vision; staleAfterMs?: number } = {}) {
  const config = parseConfig({
    BOT_TOKEN: TOKEN,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai().baseUrl,
    AI_RETRIES: '0',
  });
  const ai = createAiServices({ config, logger: silentLogger, cache: createMemoryCache({ maxEntries: 100 }) });
  const api = new Api(TOKEN, { apiRoot: telegram.apiRoot });
  api.config.use(treatUnchangedEditAsDone);
  const db = database.handle.db;
  const worker = createPreviewWorker({
    db,
    photos: createPhotoSource({
      api,
      fileUrl: (path) => `${telegram.apiRoot}/file/bot${TOKEN}/${path}`,
      converter: ai.converter,
      maxBytes: 20 * 1024 * 1024,
    }),
    vision: options.vision?.(ai.vision) ?? ai.vision,
    prompts: ai.prompts,
    reporter: createTelegramPreviewReporter({ db, api, i18n: createI18n('en'), logger: silentLogger }),
    logger: silentLogger,
    config: {
      ...config.worker,
      previewConcurrency: options.concurrency ?? 2,
      pollMs: 50,
      heartbeatMs: 200,
      staleAfterMs: options.staleAfterMs ?? 30_000,
      maxAttempts: 3,
    },
  });
  workers.push(worker);
  return worker;
}

/** A seller with an open draft (ratio chosen) and its preview queued, as the "analyse" button leaves it. */
async function queueSellerPreview(photo = fixture('flowers.jpeg')) {
  const db = database.handle.db;
  const telegramId = nextSeller++;
  const { user } = await registerUser(db, { id: telegramId, first_name: 'S' }, { freePhotoshoots: 2 });
  const file = telegram.addFile(photo);
  const draft = await createDraft(db, {
    userId: user.id,
    chatId: telegramId,
    photos: [{ fileId: file.file_id, fileUniqueId: file.file_unique_id }],
  });
  const preview = await queuePreview(db, {
    draftId: draft.id,
    userId: user.id,
    chatId: telegramId,
    messageId: 7,
    locale: 'en',
    fileId: file.file_id,
    fileUniqueId: file.file_unique_id,
    aspectRatio: '4:3',
  });
  if (!preview) throw new Error('no preview queued');
  return { preview, draft, telegramId };
}

async function statusOf(id: number) {
  return (await findPreviews(database.handle.db, [id]))[0]?.status;
}

const editsTo = (chatId: number) =>
  telegram.calls.filter((c) => c.method === 'editMessageText' && Number(c.payload.chat_id) === chatId);

/** A vision service whose answers wait `ms` and that counts how many are in flight. */
function slowVision(ms: number) {
  const seen = { inFlight: 0, most: 0, calls: 0 };
  const wrap = (real: Vision): Vision => ({
    async analyse(photo, id) {
      seen.calls += 1;
      seen.inFlight += 1;
      seen.most = Math.max(seen.most, seen.inFlight);
      try {
        await new Promise((r) => setTimeout(r, ms));
        return await real.analyse(photo, id);
      } finally {
        seen.inFlight -= 1;
      }
    },
  });
  return { seen, wrap };
}

describe('style previews as queued work', () => {
  it("makes the analysed styles the draft's choice and edits the seller's message into the confirm step", async () => {
    const { preview, draft, telegramId } = await queueSellerPreview();
    buildWorker().start();
    await expect.poll(() => statusOf(preview.id), { timeout: 15_000, interval: 50 }).toBe('done');
    const chosen = await findDraft(database.handle.db, draft.id);
    expect(chosen?.styleSource).toBe('analysis');
    expect(chosen?.styles?.map((s) => s.name)).toEqual([
      'Marble studio',
      'Morning kitchen',
      'Cozy cafe',
      'Bold color pop',
    ]);
    // The message is edited right after the choice is stored.
    await expect.poll(() => editsTo(telegramId).length, { timeout: 5000, interval: 20 }).toBe(1);
    const [shown] = editsTo(telegramId);
    expect(shown?.payload.message_id).toBe(7);
    expect(String(shown?.payload.text)).toContain('Marble studio, Morning kitchen, Cozy cafe, Bold color pop');
    expect(JSON.stringify(shown?.payload.reply_markup)).toContain('Generate');
    // One download, one analysis, one style request.
    expect(openai().requestsTo('chat')).toHaveLength(2);
  });

  it('queues one preview per draft at a time: a second tap while it waits queues nothing', async () => {
    const { preview } = await queueSellerPreview();
    const again = await queuePreview(database.handle.db, {
      draftId: preview.draftId,
      userId: preview.userId,
      chatId: preview.chatId,
      messageId: preview.messageId,
      locale: 'en',
      fileId: preview.fileId,
      fileUniqueId: preview.fileUniqueId,
      aspectRatio: '1:1',
    });
    expect(again).toBeUndefined();
    // Left for no worker: the tests below count every preview they see.
    await database.handle.db.delete(stylePreviews).where(eq(stylePreviews.id, preview.id));
  });

  it('makes at most its concurrency of previews at once, and all of them', async () => {
    const sellers = [];
    // Different photos: no analysis is shared through the cache.
    for (const name of [
      'flowers.jpeg',
      '320x240.jpg',
      'Landscape_6.jpg',
      'Portrait_3.jpg',
      '4.webp',
      'with-alpha.png',
    ]) {
      sellers.push(await queueSellerPreview(fixture(name)));
    }
    const vision = slowVision(300);
    buildWorker({ concurrency: 2, vision: vision.wrap }).start();
    for (const { preview } of sellers) {
      await expect.poll(() => statusOf(preview.id), { timeout: 20_000, interval: 50 }).toBe('done');
    }
    expect(vision.seen.calls).toBe(6);
    expect(vision.seen.most).toBe(2);
  });

  it('hands a running preview back to the queue at shutdown, and the next worker finishes it', async () => {
    const { preview, draft, telegramId } = await queueSellerPreview();
    const vision = slowVision(10_000);
    const first = buildWorker({ vision: vision.wrap });
    first.start();
    await expect.poll(() => vision.seen.calls, { timeout: 10_000, interval: 20 }).toBe(1);
    expect(await statusOf(preview.id)).toBe('running');
    expect(await first.stop(1000)).toBe(true);
    const [handed] = await findPreviews(database.handle.db, [preview.id]);
    expect(handed).toMatchObject({ status: 'queued', owner: null, attempts: 1 });
    expect(editsTo(telegramId)).toHaveLength(0);

    buildWorker().start();
    await expect.poll(() => statusOf(preview.id), { timeout: 15_000, interval: 50 }).toBe('done');
    expect((await findDraft(database.handle.db, draft.id))?.styleSource).toBe('analysis');
    await expect.poll(() => editsTo(telegramId).length, { timeout: 5000, interval: 20 }).toBe(1);
    expect((await findPreviews(database.handle.db, [preview.id]))[0]?.attempts).toBe(2);
  });

  it('takes over a preview whose process died, and gives up after its attempts with the seller told', async () => {
    const db = database.handle.db;
    const stale = await queueSellerPreview();
    const exhausted = await queueSellerPreview();
    // As a dead process leaves them: running, heartbeat long gone.
    await db
      .update(stylePreviews)
      .set({ status: 'running', owner: 'dead-host:1:abcd', attempts: 1, heartbeatAt: sql`now() - interval '1 hour'` })
      .where(eq(stylePreviews.id, stale.preview.id));
    await db
      .update(stylePreviews)
      .set({ status: 'running', owner: 'dead-host:1:abcd', attempts: 3, heartbeatAt: sql`now() - interval '1 hour'` })
      .where(eq(stylePreviews.id, exhausted.preview.id));
    buildWorker({ staleAfterMs: 5000 }).start();
    await expect.poll(() => statusOf(stale.preview.id), { timeout: 15_000, interval: 50 }).toBe('done');
    await expect.poll(() => statusOf(exhausted.preview.id), { timeout: 15_000, interval: 50 }).toBe('failed');
    await expect.poll(() => editsTo(exhausted.telegramId).length, { timeout: 5000, interval: 20 }).toBe(1);
    const [told] = editsTo(exhausted.telegramId);
    expect(String(told?.payload.text)).toContain('could not analyse this product');
    expect(JSON.stringify(told?.payload.reply_markup)).toContain('random');
  });

  it("leaves a draft submitted meanwhile as it is, and its message (now the photoshoot's) untouched", async () => {
    const { preview, draft, telegramId } = await queueSellerPreview();
    await submitDraft(database.handle.db, draft.id, draft.userId);
    buildWorker().start();
    await expect.poll(() => statusOf(preview.id), { timeout: 15_000, interval: 50 }).toBe('done');
    expect((await findDraft(database.handle.db, draft.id))?.styleSource).toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    expect(editsTo(telegramId)).toHaveLength(0);
  });

  it('says why a preview failed and offers the style sources again, with nothing charged', async () => {
    const { preview, telegramId } = await queueSellerPreview();
    buildWorker({
      vision: () => ({ analyse: () => Promise.reject(new Error('the model answered nonsense')) }),
    }).start();
    await expect.poll(() => statusOf(preview.id), { timeout: 15_000, interval: 50 }).toBe('failed');
    await expect.poll(() => editsTo(telegramId).length, { timeout: 5000, interval: 20 }).toBe(1);
    const [told] = editsTo(telegramId);
    expect(String(told?.payload.text)).toContain('could not analyse this product');
    const [row] = await findPreviews(database.handle.db, [preview.id]);
    expect(row?.error).toContain('the model answered nonsense');
  });
});
