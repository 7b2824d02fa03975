import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDb, queryRows } from '../../src/db/client.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { FakeBotApi, type RecordedCall } from '../support/fake-bot-api.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { silentLogger } from '../support/logger.js';
import { exitWithin, type RunningProcess, startProcess } from '../support/process.js';
import { callbackQuery, photoMessage } from '../support/updates.js';

const TOKEN = '7000000002:AAE-another_realistic_token_value_654321';
const openai = useFakeOpenAi();
let telegram: FakeBotApi;
let database: TestDatabase | undefined;
let dataDir: string;
let bot: RunningProcess | undefined;
let embeddedDir = '';

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bot-photoshoot-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
afterEach(async () => {
  if (bot && bot.child.exitCode === null) {
    bot.child.kill('SIGTERM');
    await exitWithin(bot, 15_000).catch(() => bot?.child.kill('SIGKILL'));
  }
  bot = undefined;
  await telegram?.close();
  await database?.close();
  database = undefined;
});

async function startBot(env: Record<string, string> = {}) {
  telegram = await new FakeBotApi({ token: TOKEN }).start();
  let dbEnv: Record<string, string>;
  if (usingPostgres) {
    database = await createTestDatabase();
    dbEnv = { DATABASE_URL: database.url ?? '' };
  } else {
    embeddedDir = mkdtempSync(path.join(dataDir, 'pglite-'));
    dbEnv = { DATA_DIR: embeddedDir };
  }
  bot = startProcess('src/main.ts', {
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    OPENAI_API_KEY: 'sk-e2e-test',
    OPENAI_BASE_URL: openai().baseUrl,
    AI_BACKOFF_INITIAL_MS: '10',
    JOB_POLL_MS: '100',
    ...dbEnv,
    ...env,
  });
  await bot.waitForOutput(/polling for updates/, 30_000);
  return { dbEnv };
}

/** The callback data of the button whose text matches, on the last keyboard sent to the chat. */
function button(call: RecordedCall, text: RegExp): string {
  const markup = call.payload.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] };
  const found = markup.inline_keyboard.flat().find((b) => text.test(b.text));
  if (!found) throw new Error(`No button ${text} in ${JSON.stringify(markup)}`);
  return found.callback_data;
}

async function press(chatId: number, data: string, messageId: number, method = 'editMessageText') {
  const from = telegram.calls.length;
  telegram.pushUpdate(callbackQuery({ id: chatId }, data, messageId));
  return telegram.waitForCall(method, (c) => Number(c.payload.chat_id) === chatId, { from, timeoutMs: 10_000 });
}

describe('a photoshoot, end to end', () => {
  it('photo -> ratio -> random styles -> Generate -> an album and 4 PNG files; charged once', async () => {
    await startBot();
    const seller = { id: 31_001, first_name: 'Ann' };
    const file = telegram.addFile(fixture('flowers.jpeg'));

    telegram.pushUpdate(photoMessage(seller, file));
    const ratioPrompt = await telegram.waitForCall('sendMessage', (c) => c.payload.chat_id === seller.id, {
      timeoutMs: 10_000,
    });
    expect(String(ratioPrompt.payload.text)).toContain('aspect ratio');
    const keyboardMessage = 1;
    const sourcePrompt = await press(seller.id, button(ratioPrompt, /^4:3$/), keyboardMessage);
    const confirm = await press(seller.id, button(sourcePrompt, /Random/), keyboardMessage);
    expect(String(confirm.payload.text)).toMatch(/Cost: 1 photoshoot\. Your balance: 2\./);

    const generatedAt = Date.now();
    await press(seller.id, button(confirm, /Generate/), keyboardMessage);
    const documents = await telegram.waitForCall(
      'sendMediaGroup',
      (c) => c.payload.chat_id === String(seller.id) && String(c.payload.media).includes('document'),
      { timeoutMs: 30_000 },
    );
    expect(documents.files).toHaveLength(4);
    expect(Date.now() - generatedAt).toBeLessThan(30_000);
    await expect
      .poll(
        () =>
          telegram.calls.some(
            (c) => c.method === 'editMessageText' && String(c.payload.text).includes('Your photoshoot is ready'),
          ),
        { timeout: 10_000 },
      )
      .toBe(true);

    bot?.child.kill('SIGTERM');
    expect(await exitWithin(bot as RunningProcess, 15_000)).toBe(0);
    const handle =
      database?.handle ??
      (await createDb(
        { DATA_DIR: embeddedDir, DB_POOL_MAX: 1, DB_IDLE_TIMEOUT_S: 0, DB_MAX_LIFETIME_S: 0, DB_CONNECT_TIMEOUT_S: 5 },
        silentLogger,
      ));
    try {
      const [row] = await queryRows<{ balance: number; ledger: string | number; done: string | number }>(
        handle.db,
        sql`select u.balance,
                   (select sum(delta) from balance_ledger l where l.user_id = u.id) as ledger,
                   (select count(*) from processed_images i
                     where i.user_id = u.id and i.status = 'done' and i.result_file_id is not null) as done
              from users u where u.telegram_id = ${seller.id}`,
      );
      expect({ balance: row?.balance, ledger: Number(row?.ledger), done: Number(row?.done) }).toEqual({
        balance: 1,
        ledger: 1,
        done: 4,
      });
    } finally {
      if (!database) await handle.close();
    }
  });
});
