import { describe, expect, it } from 'vitest';
import { describeError, recordedError } from '../../src/errors.js';

describe('describeError', () => {
  it('gives the driver reason on one line, without the wrapping query or a stack', () => {
    const driver = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('Failed query: select 1\nparams: ', { cause: driver });
    expect(describeError(wrapped)).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(describeError(Object.assign(new Error('database "x" does not exist'), { code: '3D000' }))).toBe(
      'database "x" does not exist (3D000)',
    );
    expect(describeError('plain')).toBe('plain');
  });
});

describe('recordedError', () => {
  it('keeps the class and the message, as a job records it', () => {
    class ContentRejectedError extends Error {
      override name = 'ContentRejectedError';
    }
    expect(recordedError(new ContentRejectedError('declined', { cause: new Error('inner') }))).toBe(
      'ContentRejectedError: declined',
    );
    expect(recordedError('plain')).toBe('plain');
  });
});
