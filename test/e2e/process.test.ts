import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findUserByTelegramId } from '../../src/db/users.js';
import {
  createEmptyDatabase,
  createTestDatabase,
  openDatabaseAt,
  type TestDatabase,
  usingPostgres,
} from '../support/db.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { exitWithin, freePort, type RunningProcess, startProcess } from '../support/process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { textMessage } from '../support/updates.js';

/** Shaped like a real token, so the pattern-based redaction is exercised too. */
const TOKEN = '7000000001:AAE-realistic_looking_token_value_123456';

let dataDir: string;
let lastDataDir = '';
let api: FakeBotApi;
let database: TestDatabase | undefined;
const running: RunningProcess[] = [];

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'bot-e2e-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
afterEach(async () => {
  for (const proc of running.splice(0)) {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  }
  await api?.close();
  await database?.close();
  database = undefined;
});

/** Environment that points the bot at a fresh database: PostgreSQL, or a new embedded folder. */
async function freshDatabaseEnv(): Promise<Record<string, string>> {
  if (usingPostgres) {
    database = await createTestDatabase();
    return { DATABASE_URL: database.url ?? '' };
  }
  lastDataDir = mkdtempSync(path.join(dataDir, 'pglite-'));
  return { DATA_DIR: lastDataDir };
}

/** `npm start` against a fake Bot API (a new one unless given) and a fresh database. */
async function startBot(options: { env?: Record<string, string>; fake?: FakeBotApi } = {}) {
  api = options.fake ?? (await new FakeBotApi({ token: TOKEN }).start());
  const proc = startProcess('npm:start', {
    BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: api.apiRoot,
    ...(await freshDatabaseEnv()),
    ...options.env,
  });
  running.push(proc);
  return proc;
}

describe('the bot process', () => {
  it('`npm start` answers /start within 2 s, and SIGTERM to npm ends it with exit 0 within 10 s', async () => {
    const proc = await startBot();
    await proc.waitForOutput(/polling for updates/, 20_000);
    const sentAt = Date.now();
    const updateId = api.pushUpdate(textMessage({ id: 4242, first_name: 'Neo', language_code: 'en' }, '/start'));
    const reply = await api.waitForCall('sendMessage', (c) => c.payload.chat_id === 4242, { timeoutMs: 2000 });
    expect(reply.at - sentAt).toBeLessThan(2000);
    expect(String(reply.payload.text)).toContain('Welcome, Neo!');

    const stopAt = Date.now();
    proc.child.kill('SIGTERM');
    expect(await exitWithin(proc, 10_000)).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    // The handled update was confirmed, so Telegram will not deliver it again.
    expect(api.confirmedOffset).toBeGreaterThan(updateId);
    expect(proc.output()).not.toContain(TOKEN);
    expect(proc.output()).not.toContain(TOKEN.split(':')[1]);
  });

  it('lets an update in flight finish and commit before exiting on SIGTERM', async () => {
    const proc = await startBot();
    await proc.waitForOutput(/polling for updates/, 20_000);
    // Telegram is slow to accept the reply: the handler (and its transaction) is still open when SIGTERM arrives.
    api.on('sendMessage', async (payload) => {
      await new Promise((r) => setTimeout(r, 1500));
      return { message_id: 1, date: 0, chat: { id: payload.chat_id, type: 'private' } };
    });
    api.pushUpdate(textMessage({ id: 4545, first_name: 'Late' }, '/start'));
    await api.waitForCall('sendMessage', (c) => c.payload.chat_id === 4545, { timeoutMs: 5000 });
    proc.child.kill('SIGTERM');
    expect(await exitWithin(proc, 10_000)).toBe(0);
    const user = await readUserAfterExit(4545);
    expect(user?.balance).toBe(2);
  });

  it('retries a reply that Telegram throttled (429 with retry_after) and delivers it', async () => {
    const proc = await startBot();
    await proc.waitForOutput(/polling for updates/, 20_000);
    api.failNext('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    api.pushUpdate(textMessage({ id: 4646, first_name: 'Throttled' }, '/start'));
    const attempts = async () => api.callsOf('sendMessage').filter((c) => c.payload.chat_id === 4646).length;
    await api.waitForCall('sendMessage', (c) => c.payload.chat_id === 4646, { timeoutMs: 5000 });
    await expect.poll(attempts, { timeout: 5000 }).toBe(2);
    const texts = api
      .callsOf('sendMessage')
      .filter((c) => c.payload.chat_id === 4646)
      .map((c) => String(c.payload.text));
    expect(texts.every((t) => t.startsWith('Welcome, Throttled!'))).toBe(true);
    proc.child.kill('SIGTERM');
    expect(await exitWithin(proc, 10_000)).toBe(0);
  });

  it('keeps updates that were pending before it started, and sets the command menu', async () => {
    const fake = await new FakeBotApi({ token: TOKEN }).start();
    fake.pushUpdate(textMessage({ id: 4343, first_name: 'Early' }, '/start'));
    // An admin who never opened the bot: Telegram refuses their menu; the bot starts anyway.
    fake.on('setMyCommands', (payload) => {
      if ((payload.scope as { chat_id?: number } | undefined)?.chat_id === 4545) throw new Error('chat not found');
      return true;
    });
    const proc = await startBot({ fake, env: { ADMIN_IDS: '4444,4545' } });
    await api.waitForCall('sendMessage', (c) => c.payload.chat_id === 4343, { timeoutMs: 20_000 });
    const deleteWebhook = api.callsOf('deleteWebhook')[0];
    expect(deleteWebhook?.payload.drop_pending_updates).toBe(false);
    const menus = api
      .callsOf('setMyCommands')
      .map(
        (c) => (c.payload.scope as { chat_id?: number } | undefined)?.chat_id ?? c.payload.language_code ?? 'default',
      );
    expect(menus).toEqual(['default', 'en', 'ru', 4444, 4545]);
    const commandsOf = (index: number) =>
      ((api.callsOf('setMyCommands')[index]?.payload.commands ?? []) as { command: string }[]).map((c) => c.command);
    expect(commandsOf(0)).not.toContain('stats');
    expect(commandsOf(3)).toEqual(expect.arrayContaining(['stats', 'user', 'grant', 'orders', 'refund', 'buy']));
    const poll = api.callsOf('getUpdates')[0];
    expect(poll?.payload.allowed_updates).toEqual([
      'message',
      'callback_query',
      'pre_checkout_query',
      'my_chat_member',
    ]);
    proc.child.kill('SIGINT');
    expect(await exitWithin(proc, 10_000)).toBe(0);
  });

  it('says clearly that BOT_TOKEN is missing and exits non-zero without a stack trace', async () => {
    const proc = startProcess('src/main.ts', { DATA_DIR: path.join(dataDir, 'unused') });
    running.push(proc);
    expect(await exitWithin(proc, 15_000)).toBe(1);
    const lines = proc.stderr().trim().split('\n');
    expect(lines).toEqual(['Invalid configuration: BOT_TOKEN is required (the token from @BotFather)']);
    expect(proc.output()).not.toMatch(/\n\s+at /);
  });

  it('names every invalid setting in one line', async () => {
    const proc = startProcess('src/main.ts', { BOT_TOKEN: TOKEN, DB_POOL_MAX: 'many', LOG_LEVEL: 'loud' });
    running.push(proc);
    expect(await exitWithin(proc, 15_000)).toBe(1);
    const stderr = proc.stderr().trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain('DB_POOL_MAX must be a whole number');
    expect(stderr).toContain('LOG_LEVEL must be one of');
    expect(stderr).not.toContain(TOKEN);
  });

  it('says clearly when the database is down at startup and exits non-zero', async () => {
    const proc = startProcess('src/main.ts', {
      BOT_TOKEN: TOKEN,
      DATABASE_URL: 'postgres://bot:secret-password@127.0.0.1:1/nowhere',
    });
    running.push(proc);
    expect(await exitWithin(proc, 15_000)).toBe(1);
    const stderr = proc.stderr().trim();
    expect(stderr).toMatch(/^Cannot connect to the database at 127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/);
    expect(stderr).not.toContain('secret-password');
    expect(proc.output()).not.toMatch(/\n\s+at /);
  });

  it('says clearly when Telegram rejects the token', async () => {
    const proc = await startBot({ fake: await new FakeBotApi({ token: '1:another-token' }).start() });
    expect(await exitWithin(proc, 20_000)).toBe(1);
    expect(proc.stderr()).toContain('Telegram rejected BOT_TOKEN (401 Unauthorized)');
    expect(proc.output()).not.toContain(TOKEN);
  });
});

describe.runIf(usingPostgres)('the bot process on PostgreSQL', () => {
  it('refuses a database with pending migrations and names the command to run', async () => {
    database = await createEmptyDatabase();
    const proc = startProcess('src/main.ts', { BOT_TOKEN: TOKEN, DATABASE_URL: database.url ?? '' });
    running.push(proc);
    expect(await exitWithin(proc, 15_000)).toBe(1);
    expect(proc.stderr().trim()).toMatch(
      /has 14 pending migration\(s\) \(0000_tables, 0001_performance_indexes, 0002_photoshoot_jobs, 0003_draft_albums, 0004_payments, 0005_admin, 0006_order_remaining, 0007_order_remaining_backfill, 0008_photoshoot_delivering_at, 0009_real_services, 0010_ai_call_duration, 0011_style_previews, 0012_seller_experience, 0013_marketplace_presets\); run `npm run db:migrate` first$/,
    );
  });

  it('answers with a friendly message while the database is down, and recovers when it is back', async () => {
    database = await createTestDatabase();
    const target = new URL(database.url ?? '');
    const proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
    try {
      const viaProxy = new URL(target);
      viaProxy.port = String(proxy.port);
      api = await new FakeBotApi({ token: TOKEN }).start();
      const port = await freePort();
      const proc = startProcess('src/main.ts', {
        BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: api.apiRoot,
        TELEGRAM_POLL_TIMEOUT_S: '2',
        DATABASE_URL: viaProxy.toString(),
        DB_CONNECT_TIMEOUT_S: '2',
        METRICS_PORT: String(port),
      });
      running.push(proc);
      await proc.waitForOutput(/polling for updates/, 20_000);
      const health = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return { status: res.status, body: (await res.json()) as Record<string, string> };
      };
      expect(await health()).toEqual({ status: 200, body: { status: 'ok', database: 'ok', polling: 'ok' } });

      const start = textMessage({ id: 5151, first_name: 'Down' }, '/start');
      proxy.cut();
      const down = await health();
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'unhealthy', polling: 'ok' });
      expect(down.body.database).not.toBe('ok');
      const apology = await api.exchange(start, 10_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${proc.output()}`);
      });
      expect(String(apology.payload.text)).toContain('something went wrong on our side');

      proxy.restore();
      const welcome = await api.exchange(start, 10_000);
      expect(String(welcome.payload.text)).toContain('Welcome, Down!');
      expect((await health()).status).toBe(200);

      proc.child.kill('SIGTERM');
      expect(await exitWithin(proc, 10_000)).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});

/** Reads a user from the database the (now stopped) process used. */
async function readUserAfterExit(telegramId: number) {
  if (database) return findUserByTelegramId(database.handle.db, telegramId);
  const handle = await openDatabaseAt({ DATA_DIR: lastDataDir });
  try {
    return await findUserByTelegramId(handle.db, telegramId);
  } finally {
    await handle.close();
  }
}
