import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeError, loadDotEnv } from '../../src/process-env.js';

describe('loadDotEnv', () => {
  afterEach(() => {
    delete process.env.DOTENV_TEST_A;
    delete process.env.DOTENV_TEST_B;
  });

  it('loads a .env file without overriding the real environment, and ignores a missing one', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'dotenv-')), '.env');
    writeFileSync(file, 'DOTENV_TEST_A=from-file\nDOTENV_TEST_B="quoted value"\n');
    process.env.DOTENV_TEST_A = 'from-env';
    loadDotEnv(file);
    expect(process.env.DOTENV_TEST_A).toBe('from-env');
    expect(process.env.DOTENV_TEST_B).toBe('quoted value');
    expect(() => loadDotEnv(path.join(tmpdir(), 'no-such-dir', '.env'))).not.toThrow();
  });
});

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
