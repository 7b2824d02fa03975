import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { queuePhotoshoot } from '../../src/db/queue.js';
import { registerUser } from '../../src/db/users.js';
import { usageRows } from '../support/ai-usage.js';
import { createTestDatabase, openDatabaseAt, type TestDatabase, usingPostgres } from '../support/db.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { exitWithin, startProcess } from '../support/process.js';

const TOKEN = '7000000013:AAE-usage_recording_token_value_13579';
const SELLER = 41_001;
const openai = useFakeOpenAi();
let telegram: FakeBotApi;
let database: TestDatabase | undefined;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bot-usage-'));
  telegram = await new FakeBotApi({ token: TOKEN }).start();
});
afterAll(async () => {
  await telegram.close();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('AI usage, end to end', () => {
  it('a photoshoot run by the real process records its vision answer and its 4 images, priced, under its id', async () => {
    // The database prepared first (a seller and their queued photoshoot), then the bot started on it.
    if (usingPostgres) database = await createTestDatabase();
    const env = database ? { DATABASE_URL: database.url ?? '' } : { DATA_DIR: dataDir };
    const setup = await openDatabaseAt(env);
    if (!usingPostgres) await runMigrations(setup);
    const { user } = await registerUser(setup.db, { id: SELLER, first_name: 'Ann' }, { freePhotoshoots: 2 });
    const file = telegram.addFile(fixture('flowers.jpeg'));
    const job = await queuePhotoshoot(setup.db, {
      userId: user.id,
      chatId: SELLER,
      sourceFileId: file.file_id,
      sourceFileUniqueId: file.file_unique_id,
      aspectRatio: '1:1',
      styleSource: 'random',
      styles: ['Studio', 'Kitchen', 'Loft', 'Pop'].map((name) => ({ name, prompt: `The product in a ${name} scene` })),
    });
    await setup.close();

    const bot = startProcess('src/main.ts', {
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      OPENAI_API_KEY: 'sk-e2e-test',
      OPENAI_BASE_URL: openai().baseUrl,
      AI_BACKOFF_INITIAL_MS: '10',
      JOB_POLL_MS: '100',
      IMAGE_TOKEN_PRICES_USD: '10/40',
      VISION_TOKEN_PRICES_USD: '1/2',
      ...env,
    });
    try {
      await bot.waitForOutput(/polling for updates/, 30_000);
      await telegram.waitForCall(
        'sendMediaGroup',
        (c) => c.payload.chat_id === String(SELLER) && String(c.payload.media).includes('document'),
        { timeoutMs: 30_000 },
      );
    } finally {
      // The usage still queued is written at shutdown, before the database closes.
      bot.child.kill('SIGTERM');
      expect(await exitWithin(bot, 15_000)).toBe(0);
    }

    const read = await openDatabaseAt(env);
    try {
      const rows = await usageRows(read.db);
      const edits = openai().requestsTo('edits');
      expect(edits).toHaveLength(4);
      expect(rows.map((r) => [r.photoshoot_id, r.upstream, r.model, r.images])).toEqual([
        [job.id, 'vision', 'gpt-4o-mini', 0],
        ...Array.from({ length: 4 }, () => [job.id, 'images', 'gpt-image-1', 1]),
      ]);
      // The fake answers as OpenAI does: chat usage 10/10; a medium 1024x1024 image is 1056 output tokens.
      expect(rows[0]).toMatchObject({ input_tokens: 10, output_tokens: 10 });
      expect(rows[0]?.cost_usd).toBeCloseTo((10 * 1 + 10 * 2) / 1e6, 12);
      for (const image of rows.slice(1)) {
        expect(image.output_tokens).toBe(1056);
        expect(image.input_tokens).toBeGreaterThan(0);
        expect(image.cost_usd).toBeCloseTo((image.input_tokens * 10 + 1056 * 40) / 1e6, 12);
      }
    } finally {
      await read.close();
    }
  });
});
