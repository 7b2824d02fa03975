import { describe, expect, it } from 'vitest';
import { pause, settlesWithin, withTimeout } from '../../src/with-timeout.js';

const never = new Promise<never>(() => undefined);

describe('withTimeout', () => {
  it('gives the work when it settles first, and what late() gives or throws when the time passes first', async () => {
    expect(await withTimeout(Promise.resolve('done'), 1000, () => 'late')).toBe('done');
    await expect(withTimeout(Promise.reject(new Error('failed')), 1000, () => 'late')).rejects.toThrow('failed');
    expect(await withTimeout(never, 5, () => 'late')).toBe('late');
    await expect(
      withTimeout(never, 5, () => {
        throw new Error('too slow');
      }),
    ).rejects.toThrow('too slow');
  });

  it('ends the wait as soon as the signal aborts, or at once if it already has', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = withTimeout(
      never,
      10_000,
      () => (controller.signal.aborted ? 'aborted' : 'late'),
      controller.signal,
    );
    setTimeout(() => controller.abort(), 5);
    expect(await waiting).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await withTimeout(never, 10_000, () => 'aborted', controller.signal)).toBe('aborted');
    // A signal that never aborts changes nothing.
    expect(await withTimeout(Promise.resolve(1), 10_000, () => 2, new AbortController().signal)).toBe(1);
  });
});

describe('settlesWithin', () => {
  it('is true for work that ends in time and false otherwise', async () => {
    expect(await settlesWithin(Promise.resolve(), 1000)).toBe(true);
    expect(await settlesWithin(never, 5)).toBe(false);
  });
});

describe('pause', () => {
  it('waits, or less once the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 5);
    await pause(10_000, controller.signal);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
