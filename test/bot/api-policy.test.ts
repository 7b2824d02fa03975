import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Api, HttpError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { createNetworkRetry, createRequestTimeout } from '../../src/bot/api-policy.js';
import { describeBotApiError } from '../../src/bot/telegram-error.js';
import { captureLogger } from '../support/logger.js';
import { freePort } from '../support/process.js';

const TOKEN = '7000000003:AAE-realistic_looking_token_value_000111';

function apiWith(apiRoot: string, attempts: number, timeoutMs = 20_000) {
  const capture = captureLogger({ BOT_TOKEN: TOKEN });
  const api = new Api(TOKEN, { apiRoot });
  api.config.use(createRequestTimeout(timeoutMs));
  api.config.use(createNetworkRetry({ attempts, maxDelayS: 1, apiRoot, logger: capture.logger }));
  return { api, capture };
}

describe('the Bot API call policy', () => {
  it('retries a refused call a bounded number of times, with a warning each time, then fails', async () => {
    const apiRoot = `http://127.0.0.1:${await freePort()}`;
    const { api, capture } = apiWith(apiRoot, 2);
    const started = Date.now();
    const err = await api.sendMessage(1, 'hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(describeBotApiError(err)).toMatch(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    const warnings = capture.records().filter((r) => r.msg === 'Cannot reach the Telegram Bot API; retrying');
    expect(warnings.map((w) => [w.method, w.retry, w.in_s])).toEqual([
      ['sendMessage', 1, 1],
      ['sendMessage', 2, 1],
    ]);
    expect(warnings[0]).toMatchObject({ api: apiRoot, reason: expect.stringContaining('ECONNREFUSED') });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(capture.lines.join('\n')).not.toContain(TOKEN.split(':')[1]);
  });

  it('ends a call that gets no answer after the timeout, as a network error', async () => {
    // Accepts the request and never answers it.
    const server = createServer(() => undefined);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { api } = apiWith(apiRoot, 0, 1000);
      const started = Date.now();
      const err = await api.getMe().catch((e: unknown) => e);
      expect(describeBotApiError(err)).toBe('no answer within 1 s');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
