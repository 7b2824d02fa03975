import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { queryRows } from '../../src/db/client.js';
import { createDraft } from '../../src/db/drafts.js';
import { queuePreview } from '../../src/db/previews.js';
import { registerUser } from '../../src/db/users.js';
import { useBotProcesses } from '../support/bot-process.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { exitWithin } from '../support/process.js';

const TOKEN = '7000000007:AAE-preview_durability_token_value_24680';
const SELLER = 63_000;
const MESSAGE_ID = 5;

const openai = useFakeOpenAi();
let telegram: FakeBotApi;
beforeAll(async () => {
  telegram = await new FakeBotApi({ token: TOKEN }).start();
});
afterAll(() => telegram.close());

const bots = useBotProcesses('bot-previews-', {
  BOT_TOKEN: TOKEN,
  OPENAI_API_KEY: 'sk-e2e-test',
  AI_BACKOFF_INITIAL_MS: '10',
  AI_RETRIES: '0',
  JOB_POLL_MS: '100',
  TELEGRAM_POLL_TIMEOUT_S: '1',
});

/** A seller whose "analyse my product" tap queued a preview (the message shows "Analysing…"). */
async function queueTappedPreview(db: Database) {
  const { user } = await registerUser(db, { id: SELLER, first_name: 'Seller' }, { freePhotoshoots: 2 });
  const file = telegram.addFile(fixture('flowers.jpeg'));
  const photo = { fileId: file.file_id, fileUniqueId: file.file_unique_id };
  const draft = await createDraft(db, { userId: user.id, chatId: SELLER, photos: [photo] });
  await queuePreview(db, {
    draftId: draft.id,
    userId: user.id,
    chatId: SELLER,
    messageId: MESSAGE_ID,
    locale: 'en',
    ...photo,
    aspectRatio: '1:1',
  });
}

const previewState = (db: Database) =>
  queryRows<{ status: string; attempts: number; owner: string | null; style_source: string | null }>(
    db,
    sql`select p.status, p.attempts, p.owner, d.style_source
          from style_previews p join photoshoot_drafts d on d.id = p.draft_id`,
  );

const confirmShown = () =>
  telegram.calls.filter(
    (c) =>
      c.method === 'editMessageText' &&
      Number(c.payload.chat_id) === SELLER &&
      Number(c.payload.message_id) === MESSAGE_ID &&
      String(c.payload.text).startsWith('Styles:'),
  );

describe('a deploy (SIGTERM) while a style preview runs', () => {
  it('lets a preview that can finish within SHUTDOWN_TIMEOUT_S finish before the process exits', async () => {
    const env = { ...(await bots.freshDatabaseEnv()), TELEGRAM_API_ROOT: telegram.apiRoot, SHUTDOWN_TIMEOUT_S: '9' };
    await bots.withDatabase(env, queueTappedPreview);
    const before = telegram.calls.length;
    // The analysis takes 2 s: the SIGTERM comes while it runs.
    openai().queue('chat', { delayMs: 2000 });
    const bot = bots.start({ ...env, OPENAI_BASE_URL: openai().baseUrl });
    await expect.poll(() => openai().requestsTo('chat').length, { timeout: 30_000, interval: 20 }).toBe(1);
    bot.child.kill('SIGTERM');
    expect(await exitWithin(bot, 12_000)).toBe(0);
    expect(confirmShown().filter((c) => telegram.calls.indexOf(c) >= before)).toHaveLength(1);
    const [state] = await bots.withDatabase(env, previewState);
    expect(state).toMatchObject({ status: 'done', attempts: 1, style_source: 'analysis' });
  }, 60_000);

  it('hands a preview that cannot finish back to the queue at once, and the next start finishes it', async () => {
    const env = { ...(await bots.freshDatabaseEnv()), TELEGRAM_API_ROOT: telegram.apiRoot, SHUTDOWN_TIMEOUT_S: '2' };
    await bots.withDatabase(env, queueTappedPreview);
    const before = telegram.calls.length;
    openai().queue('chat', { delayMs: 60_000 });
    const first = bots.start({ ...env, OPENAI_BASE_URL: openai().baseUrl });
    await expect.poll(() => openai().requestsTo('chat').length, { timeout: 30_000, interval: 20 }).toBe(1);
    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await exitWithin(first, 5000)).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(4000);
    expect(first.output()).toContain('handed running style previews back to the queue');
    const [handed] = await bots.withDatabase(env, previewState);
    expect(handed).toMatchObject({ status: 'queued', attempts: 1, owner: null, style_source: null });
    expect(confirmShown().filter((c) => telegram.calls.indexOf(c) >= before)).toHaveLength(0);

    const second = bots.start({ ...env, OPENAI_BASE_URL: openai().baseUrl });
    await expect
      .poll(() => confirmShown().filter((c) => telegram.calls.indexOf(c) >= before).length, {
        timeout: 30_000,
        interval: 50,
      })
      .toBe(1);
    second.child.kill('SIGTERM');
    expect(await exitWithin(second, 12_000)).toBe(0);
    const [done] = await bots.withDatabase(env, previewState);
    expect(done).toMatchObject({ status: 'done', attempts: 2, style_source: 'analysis' });
  }, 90_000);
});
