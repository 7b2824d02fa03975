import { describe, expect, it } from 'vitest';
import { createLockManager } from '../../src/services/lock-manager.js';
import { captureLogger, silentLogger } from '../support/logger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lock manager', () => {
  it('runs one key in turn, other keys in parallel, and forgets a key when nobody holds it', async () => {
    const locks = createLockManager({ logger: silentLogger });
    const events: string[] = [];
    const task = (key: string, name: string, ms: number) =>
      locks.withLock(key, async () => {
        events.push(`${name} start`);
        await sleep(ms);
        events.push(`${name} end`);
        return name;
      });
    const results = await Promise.all([task('u1', 'a', 30), task('u1', 'b', 1), task('u2', 'c', 1)]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events.indexOf('a end')).toBeLessThan(events.indexOf('b start'));
    expect(events.indexOf('c end')).toBeLessThan(events.indexOf('a end'));
    expect(locks.stats()).toEqual({ active: 0, peak: 2, cleaned: 2 });
    locks.stop();
  });

  it('releases the key when the critical section throws', async () => {
    const locks = createLockManager({ logger: silentLogger });
    await expect(locks.withLock('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(locks.withLock('k', async () => 'next')).resolves.toBe('next');
    expect(locks.stats().active).toBe(0);
    locks.stop();
  });

  it('does not grow with the number of keys ever used', async () => {
    const locks = createLockManager({ logger: silentLogger });
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => locks.withLock(`user:${i}`, async () => i)));
    expect(locks.stats()).toMatchObject({ active: 0, cleaned: 10_000 });
    locks.stop();
  });

  it('logs its statistics periodically', async () => {
    const { logger, records } = captureLogger();
    const locks = createLockManager({ logger, sweepEveryMs: 20 });
    await locks.withLock('x', async () => sleep(1));
    await sleep(60);
    locks.stop();
    const line = records().find((r) => r.msg === 'lock manager statistics');
    expect(line?.locks).toEqual({ active: 0, peak: 1, cleaned: 1 });
  });
});
