import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STYLE_CATALOGUE } from '../../src/services/style-catalogue.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { exitWithin, startProcess } from '../support/process.js';
import { button, buttonPresses } from '../support/telegram-buttons.js';
import { photoMessage } from '../support/updates.js';

const TOKEN = '7000000003:AAE-a_gallery_token_value_for_the_e2e_987';
const ADMIN = 993_001;
const SELLER = 993_002;
const openai = useFakeOpenAi();
let telegram: FakeBotApi;
let database: TestDatabase | undefined;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bot-gallery-'));
  telegram = await new FakeBotApi({ token: TOKEN }).start();
  if (usingPostgres) database = await createTestDatabase();
});
afterAll(async () => {
  await telegram.close();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the style gallery in the running bot', () => {
  it('is built by an admin on a product photo and shown to a seller from the style-source step', async () => {
    const bot = startProcess('src/main.ts', {
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      OPENAI_API_KEY: 'sk-e2e-test',
      OPENAI_BASE_URL: openai().baseUrl,
      ADMIN_IDS: String(ADMIN),
      ...(database ? { DATABASE_URL: database.url ?? '' } : { DATA_DIR: dataDir }),
    });
    try {
      await bot.waitForOutput(/polling for updates/, 30_000);
      const photo = photoMessage({ id: ADMIN }, telegram.addFile(fixture('flowers.jpeg')));
      Object.assign(photo.message as object, {
        caption: '/gallery build',
        caption_entities: [{ type: 'bot_command', offset: 0, length: 8 }],
      });
      telegram.pushUpdate(photo);
      const done = await telegram.waitForCall(
        'sendMessage',
        (c) => Number(c.payload.chat_id) === ADMIN && String(c.payload.text).startsWith('✅'),
        { timeoutMs: 60_000 },
      );
      const total = STYLE_CATALOGUE.length;
      expect(done.payload.text).toBe(
        `✅ Style gallery: ${total} new examples; examples for ${total} of ${total} styles now.`,
      );
      expect(telegram.callsOf('sendPhoto').filter((c) => Number(c.payload.chat_id) === ADMIN)).toHaveLength(total);
      // The real pipeline: one analysis of the product, one image per style.
      expect(openai().requestsTo('edits')).toHaveLength(total);

      const { press } = buttonPresses(() => telegram);
      const from = telegram.calls.length;
      telegram.pushUpdate(photoMessage({ id: SELLER }, telegram.addFile(fixture('flowers.jpeg'))));
      const ratio = await telegram.waitForCall('sendMessage', (c) => Number(c.payload.chat_id) === SELLER, {
        from,
        timeoutMs: 20_000,
      });
      const source = await press(SELLER, button(ratio, /^1:1$/));
      const album = await press(SELLER, button(source, /Style gallery/), 1, 'sendMediaGroup');
      const raw = album.payload.media;
      const media = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { caption: string }[];
      expect(media).toHaveLength(6);
      expect(media[0]?.caption).toBe(`${STYLE_CATALOGUE[0]?.name.en} — ${STYLE_CATALOGUE[0]?.description.en}`);
    } finally {
      bot.child.kill('SIGTERM');
      await exitWithin(bot, 15_000).catch(() => bot.child.kill('SIGKILL'));
    }
  });
});
