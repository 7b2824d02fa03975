import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { FakeOpenAi } from '../support/fake-openai.js';

/** Starts a multipart upload, sends part of it, and drops the connection (a killed process). */
async function abandonUpload(url: string): Promise<void> {
  const req = request(url, {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': 1_000_000 },
  });
  req.on('error', () => undefined);
  req.write('--x\r\ncontent-disposition: form-data; name="chat_id"\r\n\r\n1\r\n');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closed = new Promise((resolve) => req.on('close', resolve));
  req.destroy();
  await closed;
}

describe('the fake servers', () => {
  it('shrug off a client that disconnects mid-upload and keep answering', async () => {
    const api = await new FakeBotApi({ token: 't' }).start();
    const openai = await new FakeOpenAi().start();
    try {
      await abandonUpload(`${api.apiRoot}/bott/sendMediaGroup`);
      await abandonUpload(`${openai.baseUrl}/images/edits`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const me = await fetch(`${api.apiRoot}/bott/getMe`, { method: 'POST' });
      expect(me.status).toBe(200);
      const missing = await fetch(`${openai.baseUrl}/nothing`, { method: 'POST' });
      expect(missing.status).toBe(404);
    } finally {
      await api.close();
      await openai.close();
    }
  });
});
