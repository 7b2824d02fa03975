import { Api, type Context } from 'grammy';
import type { Update } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUpdateTracker, type UpdateTracker } from '../../src/bot/middlewares/update-tracker.js';
import { UpdateDeferredError } from '../../src/bot/update-deferred.js';
import { createConfirmingSupplier } from '../../src/bot/update-supplier.js';
import { FakeBotApi } from '../support/fake-bot-api.js';
import { captureLogger, silentLogger } from '../support/logger.js';
import { textMessage } from '../support/updates.js';

/**
 * The supplier against the fake Bot API over HTTP (the real grammY client), with the real
 * tracker: "handling" an update is running it through the tracker's middleware.
 */
let telegram: FakeBotApi;
let tracker: UpdateTracker;
const controller = new AbortController();

beforeEach(async () => {
  telegram = await new FakeBotApi({ token: 't' }).start();
  tracker = createUpdateTracker();
});
afterEach(async () => {
  await telegram.close();
});

function supplierFor(options: { logger?: ReturnType<typeof captureLogger>['logger']; apiRoot?: string } = {}) {
  const api = new Api('t', { apiRoot: options.apiRoot ?? telegram.apiRoot });
  return createConfirmingSupplier({
    getUpdates: (params, signal) => api.getUpdates({ ...params, allowed_updates: ['message'] }, signal),
    tracker,
    allowedUpdates: ['message'],
    pollTimeoutS: 0,
    apiRoot: options.apiRoot ?? telegram.apiRoot,
    logger: options.logger ?? silentLogger,
    busyPauseMs: 100,
    maxRetryDelayMs: 200,
  });
}

/** Starts handling `update` through the tracker; the handler ends when the returned function is called. */
function handle(update: Update, outcome: 'ok' | 'deferred' = 'ok') {
  let finish: () => void = () => undefined;
  const ran = tracker.middleware(
    { update } as Context,
    () =>
      new Promise<void>((resolve, reject) => {
        finish = () => (outcome === 'ok' ? resolve() : reject(new UpdateDeferredError('shutting down')));
      }),
  );
  const settled = (ran as Promise<void>).catch(() => undefined);
  return async () => {
    finish();
    await settled;
  };
}

const push = () => telegram.pushUpdate(textMessage({ id: 1 }, 'hi'));
const offsets = () => telegram.callsOf('getUpdates').map((c) => Number(c.payload.offset));
const signal = controller.signal as unknown as Parameters<ReturnType<typeof supplierFor>['supply']>[1];

describe('the confirming update supplier', () => {
  it('confirms an update only once it finished, and never hands it out twice', async () => {
    const supplier = supplierFor();
    const [a, b, c] = [push(), push(), push()];
    const first = await supplier.supply(10, signal);
    expect(first.map((u) => u.update_id)).toEqual([a, b, c]);
    const [doneA, doneB, doneC] = first.map((u) => handle(u));
    await doneB?.();
    await doneC?.();

    // a still runs: the offset stays at a, so Telegram keeps a, b and c; only d is new.
    const d = push();
    const second = await supplier.supply(10, signal);
    expect(second.map((u) => u.update_id)).toEqual([d]);
    expect(offsets().at(-1)).toBe(a);
    expect(telegram.unconfirmed()).toEqual([a, b, c, d]);
    expect(supplier.confirmedOffset).toBe(a);

    await doneA?.();
    const doneD = handle(second[0] as Update);
    const e = push();
    const third = await supplier.supply(10, signal);
    // a, b, c finished: the offset moves to d (still running), which confirms a, b and c.
    expect(offsets().at(-1)).toBe(d);
    expect(third.map((u) => u.update_id)).toEqual([e]);
    expect(telegram.unconfirmed()).toEqual([d, e]);

    await doneD();
    await handle(third[0] as Update)();
    expect(await supplier.supply(10, signal)).toEqual([]);
    expect(offsets().at(-1)).toBe(e + 1);
    expect(telegram.unconfirmed()).toEqual([]);
  });

  it('asks for the known updates on top of the capacity, so new ones still come', async () => {
    const supplier = supplierFor();
    const ids = [push(), push(), push()];
    const batch = await supplier.supply(3, signal);
    const running = batch.map((u) => handle(u));
    const next = [push(), push()];
    const second = await supplier.supply(2, signal);
    expect(second.map((u) => u.update_id)).toEqual(next);
    expect(telegram.callsOf('getUpdates').at(-1)?.payload.limit).toBe(2 + ids.length);
    for (const done of running) await done();
  });

  it('waits instead of spinning while every returned update is still running', async () => {
    const supplier = supplierFor();
    push();
    const [only] = await supplier.supply(10, signal);
    const done = handle(only as Update);
    const callsBefore = telegram.callsOf('getUpdates').length;
    const waiting = supplier.supply(10, signal);
    await new Promise((r) => setTimeout(r, 1000));
    // 100 ms pauses: about 10 calls in a second, not thousands.
    expect(telegram.callsOf('getUpdates').length - callsBefore).toBeLessThanOrEqual(15);
    const late = push();
    expect((await waiting).map((u) => u.update_id)).toEqual([late]);
    await done();
  });

  it('keeps a deferred update unconfirmed (a payment left for redelivery at shutdown)', async () => {
    const supplier = supplierFor();
    const [a, b] = [push(), push()];
    const batch = await supplier.supply(10, signal);
    const [deferA, doneB] = [handle(batch[0] as Update, 'deferred'), handle(batch[1] as Update)];
    await deferA();
    await doneB();
    expect(tracker.offset()).toBe(a);
    const c = push();
    expect((await supplier.supply(10, signal)).map((u) => u.update_id)).toEqual([c]);
    expect(telegram.unconfirmed()).toEqual([a, b, c]);
  });

  it('retries an unreachable Bot API with a warning each time and reports it until it answers', async () => {
    const capture = captureLogger({ BOT_TOKEN: 't' });
    const root = telegram.apiRoot;
    await telegram.goOffline();
    const supplier = supplierFor({ logger: capture.logger, apiRoot: root });
    const batch = supplier.supply(10, signal);
    await expect.poll(() => supplier.problem(), { timeout: 3000 }).toMatch(/unreachable .*ECONNREFUSED/);
    await expect
      .poll(
        () =>
          capture.records().filter((r) => r.msg === 'getUpdates failed: cannot reach the Telegram Bot API; retrying')
            .length,
        {
          timeout: 3000,
        },
      )
      .toBeGreaterThanOrEqual(3);
    expect(capture.records().find((r) => r.level === 40)).toMatchObject({
      api: root,
      reason: expect.stringContaining('ECONNREFUSED'),
    });

    await telegram.comeBack();
    const id = push();
    expect((await batch).map((u) => u.update_id)).toEqual([id]);
    expect(supplier.problem()).toBeUndefined();
    expect(capture.records().some((r) => r.msg === 'Telegram Bot API reachable again')).toBe(true);
  });
});
