import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../src/process-env.js';

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
