import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/logger.js';
import { captureLogger } from '../support/logger.js';

const TOKEN = '7000000001:AAE-realistic_looking_token_value_123456';

describe('logger redaction', () => {
  it('removes the token from messages, file URLs, nested fields and error chains', () => {
    const { logger, lines } = captureLogger({ BOT_TOKEN: TOKEN, DATABASE_URL: 'postgres://bot:pa%24%24word@db/x' });
    logger.info({ url: `https://api.telegram.org/file/bot${TOKEN}/photos/file_1.jpg` }, `downloading with ${TOKEN}`);
    const cause = new Error(`request to https://api.telegram.org/bot${TOKEN}/getFile failed`);
    logger.error({ err: new Error('download failed', { cause }), nested: { deep: [TOKEN] } }, 'failed');
    logger.warn({ dsn: 'postgres://bot:pa$$word@db/x', token: 'abc', headers: { authorization: 'Bearer sk-1' } }, 'db');
    const text = lines.join('\n');
    expect(lines).toHaveLength(3);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('AAE-realistic_looking_token_value_123456');
    expect(text).not.toContain('pa$$word');
    expect(text).not.toContain('sk-1');
    expect(text).toContain('/file/bot[REDACTED]/photos/file_1.jpg');
    expect(text).toContain('postgres://bot:[REDACTED]@db/x');
  });

  it('hides token-shaped strings it was not told about', () => {
    const redact = createRedactor([]);
    expect(redact('https://api.telegram.org/bot987654321:ZZZ_another-token-of-some-length/getMe')).toBe(
      'https://api.telegram.org/bot[REDACTED]/getMe',
    );
    expect(redact('update 123: ok')).toBe('update 123: ok');
  });
});
