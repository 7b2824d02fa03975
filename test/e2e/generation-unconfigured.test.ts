import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { exitWithin, startProcess } from '../support/process.js';
import { photoMessage } from '../support/updates.js';

const TOKEN = '7000000002:AAE-realistic_looking_token_value_654321';
const ADMIN = 992_001;
const NEVER_STARTED = 992_002;

let dataDir: string;
let database: TestDatabase | undefined;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bot-nokey-'));
});
afterAll(async () => {
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start without OPENAI_API_KEY', () => {
  it('tells each admin at startup which variable to set, skips one who never opened the bot, and tells a seller at the photo', async () => {
    const api = await new FakeBotApi({ token: TOKEN }).start();
    // Telegram cannot write to someone who never opened the bot.
    api.on('sendMessage', (payload) => {
      if (Number(payload.chat_id) === NEVER_STARTED) throw new Error('chat not found');
      return { message_id: 1, date: 0, chat: { id: Number(payload.chat_id), type: 'private' }, text: payload.text };
    });
    if (usingPostgres) database = await createTestDatabase();
    const proc = startProcess('npm:start', {
      BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: api.apiRoot,
      ADMIN_IDS: `${NEVER_STARTED},${ADMIN}`,
      ...(database ? { DATABASE_URL: database.url ?? '' } : { DATA_DIR: dataDir }),
    });
    try {
      const told = await api.waitForCall('sendMessage', (c) => Number(c.payload.chat_id) === ADMIN, {
        timeoutMs: 20_000,
      });
      expect(String(told.payload.text)).toContain('OPENAI_API_KEY is not set');
      await proc.waitForOutput(/could not notify an admin/, 5000);
      const line = proc
        .output()
        .split('\n')
        .find((l) => l.includes('could not notify an admin'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({ admin_id: NEVER_STARTED });

      api.pushUpdate(photoMessage({ id: 992_010 }, { file_id: 'p', file_unique_id: 'u' }));
      const seller = await api.waitForCall('sendMessage', (c) => Number(c.payload.chat_id) === 992_010, {
        timeoutMs: 5000,
      });
      expect(String(seller.payload.text)).toContain('Photoshoots cannot be made right now');
      // One message per admin, not one per restart of polling or per seller.
      expect(api.callsOf('sendMessage').filter((c) => Number(c.payload.chat_id) === ADMIN)).toHaveLength(1);

      proc.child.kill('SIGTERM');
      expect(await exitWithin(proc, 10_000)).toBe(0);
      expect(proc.output()).not.toContain(TOKEN.split(':')[1]);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await api.close();
    }
  });
});
