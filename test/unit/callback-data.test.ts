import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCallbackData } from '../../src/bot/callback-data/codec.js';

describe('callback data codec', () => {
  const ratio = createCallbackData('test-ratio', {
    ratio: z.enum(['1x1', '3x4']),
    id: z.coerce.number().int().positive(),
  });

  it('round-trips what it built', () => {
    const data = ratio.pack({ ratio: '3x4', id: 42 });
    expect(data).toBe('test-ratio:3x4:42');
    expect(ratio.unpack(data)).toEqual({ ratio: '3x4', id: 42 });
    expect(ratio.filter.test(data)).toBe(true);
  });

  it('rejects payloads it did not build', () => {
    for (const forged of [
      'test-ratio:9x9:1',
      'test-ratio:1x1',
      'test-ratio:1x1:1:extra',
      'other:1x1:1',
      'test-ratio:1x1:-1',
      '',
      undefined,
    ]) {
      expect(ratio.unpack(forged)).toBeUndefined();
    }
    expect(ratio.unpack(`test-ratio:1x1:${'9'.repeat(80)}`)).toBeUndefined();
  });

  it('refuses to build more than 64 bytes or a value with the separator', () => {
    const text = createCallbackData('test-text', { value: z.string() });
    expect(() => text.pack({ value: 'я'.repeat(40) })).toThrow(/exceeds 64 bytes/);
    expect(() => text.pack({ value: 'a:b' })).toThrow(/contains ":"/);
  });

  it('refuses a prefix declared twice', () => {
    expect(() => createCallbackData('test-ratio', {})).toThrow(/declared twice/);
  });
});
