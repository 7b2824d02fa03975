import { afterEach, describe, expect, it } from 'vitest';
import { logRecords, useBotProcesses } from '../support/bot-process.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { balanceAndLedger } from '../support/ledger.js';
import { exitWithin, freePort } from '../support/process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { textMessage } from '../support/updates.js';

/** Shaped like a real token, so the pattern-based redaction is exercised too. */
const TOKEN = '7000000002:AAE-realistic_looking_token_value_654321';

let api: FakeBotApi | undefined;
let silent: TcpProxy | undefined;
const bots = useBotProcesses('bot-ingress-', { BOT_TOKEN: TOKEN });
afterEach(async () => {
  await api?.close();
  api = undefined;
  await silent?.close();
  silent = undefined;
});

/** Figures and lines worth reading in a run, printed with REPORT_FIGURES=1. */
const report = (...parts: unknown[]) => {
  if (process.env.REPORT_FIGURES) process.stdout.write(`\n${parts.map(String).join(' ')}\n`);
};

/** Starts a bot against an unreachable Bot API; returns the lines seen and the timings. */
async function startUnreachable(apiRoot: string) {
  const proc = bots.start({ TELEGRAM_API_ROOT: apiRoot, ...(await bots.freshDatabaseEnv()) });
  await proc.waitForOutput(/database ready/, 60_000);
  const readyAt = Date.now();
  await proc.waitForOutput(/Cannot reach the Telegram Bot API/, 40_000);
  const firstLineMs = Date.now() - readyAt;
  expect(await exitWithin(proc, 45_000)).toBe(1);
  const exitMs = Date.now() - readyAt;
  const warnings = logRecords(proc).filter((r) => String(r.msg).startsWith('Cannot reach the Telegram Bot API'));
  const stderr = proc.stderr().trim().split('\n');
  expect(proc.output()).not.toContain(TOKEN.split(':')[1]);
  expect(proc.output()).not.toMatch(/\n\s+at /);
  return { warnings, lastLine: stderr.at(-1) ?? '', firstLineMs, exitMs };
}

describe('a start that cannot reach Telegram', () => {
  // The two starts run side by side: each waits out the default 30 s, so in turn they would
  // cost a minute of the suite.
  it('names the API root and the reason (a refused port, a server that never answers), warns at every retry, and exits 1 after TELEGRAM_STARTUP_TIMEOUT_S', async () => {
    const refusedRoot = `http://127.0.0.1:${await freePort()}`;
    // A stalled proxy: every connection is accepted and never answered.
    silent = await new TcpProxy('127.0.0.1', await freePort()).start();
    silent.stall();
    const silentRoot = `http://127.0.0.1:${silent.port}`;
    const [refused, stalled] = await Promise.all([startUnreachable(refusedRoot), startUnreachable(silentRoot)]);

    report('refused:', refused.firstLineMs, 'ms to the first line,', refused.exitMs, 'ms to exit;', refused.lastLine);
    expect(refused.firstLineMs).toBeLessThan(5000);
    expect(refused.warnings[0]).toMatchObject({ api: refusedRoot, reason: expect.stringContaining('ECONNREFUSED') });
    expect(refused.warnings.length).toBeGreaterThanOrEqual(5);
    expect(refused.lastLine).toMatch(
      new RegExp(`^Cannot reach the Telegram Bot API at ${refusedRoot.replace(/\./g, '\\.')}: connect ECONNREFUSED`),
    );
    // TELEGRAM_STARTUP_TIMEOUT_S is 30 by default.
    expect(refused.exitMs).toBeGreaterThan(25_000);
    expect(refused.exitMs).toBeLessThan(40_000);

    report('silent:', stalled.firstLineMs, 'ms to the first line,', stalled.exitMs, 'ms to exit;', stalled.lastLine);
    // TELEGRAM_REQUEST_TIMEOUT_S is 20 by default: the first line comes when getMe times out.
    expect(stalled.firstLineMs).toBeLessThan(30_000);
    expect(stalled.warnings[0]).toMatchObject({ api: silentRoot, reason: 'no answer within 20 s' });
    expect(stalled.lastLine).toBe(`Cannot reach the Telegram Bot API at ${silentRoot}: no answer within 20 s`);
    expect(stalled.exitMs).toBeLessThan(40_000);
  }, 120_000);
});

describe('a running bot', () => {
  it('retries a Bot API that went away with a warning each time, reports it on /healthz, and recovers', async () => {
    api = await new FakeBotApi({ token: TOKEN }).start();
    const port = await freePort();
    const proc = bots.start({
      TELEGRAM_API_ROOT: api.apiRoot,
      TELEGRAM_POLL_TIMEOUT_S: '1',
      METRICS_PORT: String(port),
      ...(await bots.freshDatabaseEnv()),
    });
    await proc.waitForOutput(/polling for updates/, 60_000);
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };
    expect((await health()).status).toBe(200);

    const apiRoot = api.apiRoot;
    await api.goOffline();
    const failures = () => logRecords(proc).filter((r) => String(r.msg).startsWith('getUpdates failed'));
    await expect.poll(() => failures().length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
    // The open long poll is cut (ECONNRESET), then every new connection is refused.
    expect(failures()[0]).toMatchObject({ api: apiRoot, reason: expect.stringMatching(/ECONNRESET|ECONNREFUSED/) });
    expect(failures().at(-1)).toMatchObject({ api: apiRoot, reason: expect.stringContaining('ECONNREFUSED') });
    // 1 s, 2 s, 4 s... apart.
    expect(failures().map((r) => r.in_s)).toEqual(expect.arrayContaining([1, 2, 4]));
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body.polling).toMatch(/^Telegram Bot API unreachable for \d+ s \(\d+ tries\): connect ECONNREFUSED/);
    report('healthz while the Bot API is down:', JSON.stringify(down.body));

    await api.comeBack();
    await expect.poll(async () => (await health()).status, { timeout: 20_000, interval: 500 }).toBe(200);
    const reply = await api.exchange(textMessage({ id: 5301, first_name: 'Back' }, '/start'), 10_000);
    expect(String(reply.payload.text)).toContain('Welcome, Back!');
    expect(logRecords(proc).some((r) => r.msg === 'Telegram Bot API reachable again')).toBe(true);
    proc.child.kill('SIGTERM');
    expect(await exitWithin(proc, 15_000)).toBe(0);
  }, 120_000);
});

/** Telegram slow to accept replies: every handler is still running when the bot dies. */
function slowReplies(fake: FakeBotApi, ms: number) {
  fake.on('sendMessage', async (payload) => {
    await new Promise((r) => setTimeout(r, ms));
    return { message_id: 1, date: 0, chat: { id: Number(payload.chat_id), type: 'private' }, text: payload.text };
  });
}
function fastReplies(fake: FakeBotApi) {
  fake.on('sendMessage', (payload) => ({
    message_id: 1,
    date: 0,
    chat: { id: Number(payload.chat_id), type: 'private' },
    text: payload.text,
  }));
}

describe('updates in flight when the bot dies', () => {
  it('SIGKILL with 30 sellers in flight: after a restart every step is handled, each effect once', async () => {
    api = await new FakeBotApi({ token: TOKEN }).start();
    // Room for all 30 at once: the runner's own fetcher would have confirmed them all with
    // its very next getUpdates, while their handlers were still running.
    const env = {
      TELEGRAM_API_ROOT: api.apiRoot,
      UPDATE_CONCURRENCY: '40',
      DB_POOL_MAX: '45',
      ...(await bots.freshDatabaseEnv()),
    };
    const first = bots.start(env);
    await first.waitForOutput(/polling for updates/, 60_000);
    slowReplies(api, 5000);
    const sellers = Array.from({ length: 30 }, (_, i) => 5400 + i);
    const ids = sellers.map((id) => api?.pushUpdate(textMessage({ id, first_name: `S${id}` }, '/start')) ?? 0);
    // Their handlers are running: they registered the sellers and wait for Telegram to take the reply.
    await expect.poll(() => api?.callsOf('sendMessage').length, { timeout: 20_000 }).toBe(30);
    // Telegram was asked again meanwhile, without confirming any of them.
    await expect.poll(() => api?.callsOf('getUpdates').at(-1)?.payload.offset, { timeout: 5000 }).toBe(ids[0]);
    first.child.kill('SIGKILL');
    await exitWithin(first, 10_000);
    const unconfirmed = api.unconfirmed();
    report('after SIGKILL:', unconfirmed.length, 'of 30 updates unconfirmed; confirmed offset', api.confirmedOffset);
    expect(unconfirmed).toEqual(ids);

    fastReplies(api);
    const from = api.calls.length;
    const second = bots.start(env);
    await second.waitForOutput(/polling for updates/, 60_000);
    const answered = () =>
      new Set(
        api?.calls
          .slice(from)
          .filter((c) => c.method === 'sendMessage')
          .map((c) => Number(c.payload.chat_id)),
      );
    await expect.poll(() => answered().size, { timeout: 30_000 }).toBe(30);
    second.child.kill('SIGTERM');
    expect(await exitWithin(second, 15_000)).toBe(0);
    expect(api.unconfirmed()).toEqual([]);

    const opened = await bots.openAfterExit(env);
    try {
      for (const id of sellers) {
        // Registered once, granted the free photoshoots once.
        expect(await balanceAndLedger(opened.db, id)).toEqual({ balance: 2, ledgerSum: 2 });
      }
    } finally {
      await opened.close();
    }
  }, 180_000);

  it('SIGTERM with a slow handler: the unfinished update is not confirmed and is handled after the restart', async () => {
    api = await new FakeBotApi({ token: TOKEN }).start();
    const env = { TELEGRAM_API_ROOT: api.apiRoot, SHUTDOWN_TIMEOUT_S: '2', ...(await bots.freshDatabaseEnv()) };
    const first = bots.start(env);
    await first.waitForOutput(/polling for updates/, 60_000);
    const done = api.pushUpdate(textMessage({ id: 5501, first_name: 'Quick' }, '/start'));
    await api.waitForCall('sendMessage', (c) => c.payload.chat_id === 5501, { timeoutMs: 10_000 });
    slowReplies(api, 10_000);
    const slow = api.pushUpdate(textMessage({ id: 5502, first_name: 'Slow' }, '/start'));
    await api.waitForCall('sendMessage', (c) => c.payload.chat_id === 5502, { timeoutMs: 10_000 });
    first.child.kill('SIGTERM');
    expect(await exitWithin(first, 10_000)).toBe(0);
    expect(first.output()).toContain('some updates were still running at shutdown');
    // The finished one is confirmed, the unfinished one is not.
    expect(api.unconfirmed()).toEqual([slow]);
    expect(api.confirmedOffset).toBe(slow);
    expect(done).toBeLessThan(slow);

    fastReplies(api);
    const from = api.calls.length;
    const second = bots.start(env);
    const reply = await api.waitForCall('sendMessage', (c) => c.payload.chat_id === 5502, {
      timeoutMs: 60_000,
      from,
    });
    expect(String(reply.payload.text)).toMatch(/Welcome( back)?, Slow!/);
    second.child.kill('SIGTERM');
    expect(await exitWithin(second, 15_000)).toBe(0);
    expect(api.unconfirmed()).toEqual([]);
  }, 180_000);
});
