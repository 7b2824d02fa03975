import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { findPhotoshoot } from '../../src/db/photoshoots.js';
import { queuePhotoshoot } from '../../src/db/queue.js';
import { photoshoots } from '../../src/db/schema.js';
import { registerUser } from '../../src/db/users.js';
import { createBotHarness, TEST_TOKEN } from '../support/bot-harness.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { balanceAndLedger } from '../support/ledger.js';
import { silentLogger } from '../support/logger.js';
import { textMessage, withId } from '../support/updates.js';
import { type TestWorkerOptions, useWorkerTestbed } from '../support/worker-testbed.js';

// /cancel against a real worker, at every step of the pipeline. "In this process": the bot stops
// the worker directly (as app.ts wires it); "another process": the worker learns it only from
// the database, as a worker process sharing the queue would.

const openai = useFakeOpenAi();
const bed = useWorkerTestbed(TEST_TOKEN, openai);
let nextUser = 40_000;

type Where = 'this process' | 'another process';

const CANCELLED_PROGRESS = '✖️ Photoshoot cancelled. Nothing was sent or charged; images already made were discarded.';

/** The worker and the bot over the same fake Bot API. */
function start(where: Where, options: TestWorkerOptions = {}) {
  // A heartbeat far beyond each test: only the checkpoints and the in-process signal can tell the worker.
  const { worker, ai, photos, config } = bed.build({ ...options, env: { JOB_HEARTBEAT_S: '600', ...options.env } });
  void worker.start();
  const bot = createBotHarness({
    db: bed.database.handle.db,
    apiRoot: bed.telegram.apiRoot,
    photoshoot: () => ({
      photos,
      prompts: ai.prompts,
      kick: () => worker.kick(),
      ...(where === 'this process' && { stopJobs: (ids: readonly number[]) => worker.cancel(ids) }),
      logger: silentLogger,
      concurrency: config.worker.concurrency,
      generationConfigured: true,
    }),
  });
  return { worker, bot };
}

const STYLES = ['Studio', 'Kitchen', 'Loft', 'Pop'].map((name) => ({ name, prompt: `The product in a ${name} scene` }));

/** A seller with 2 photoshoots and one queued (paid with one of them). */
async function queueJob() {
  const telegramId = nextUser++;
  const { user } = await registerUser(
    bed.database.handle.db,
    { id: telegramId, first_name: 'S' },
    { freePhotoshoots: 2 },
  );
  return { job: await queueFor(user.id, telegramId), telegramId };
}

async function queueFor(userId: number, telegramId: number, batchId?: string) {
  const file = bed.telegram.addFile(fixture('flowers.jpeg'));
  return queuePhotoshoot(bed.database.handle.db, {
    userId,
    chatId: telegramId,
    sourceFileId: file.file_id,
    sourceFileUniqueId: file.file_unique_id,
    aspectRatio: '1:1',
    styleSource: 'random',
    styles: STYLES,
    batchId: batchId ?? null,
  });
}

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const callsTo = (chatId: number) => bed.telegram.calls.filter((c) => Number(c.payload.chat_id) === chatId);
const textsTo = (chatId: number) =>
  callsTo(chatId)
    .filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText')
    .map((c) => String(c.payload.text));

async function ended(id: number) {
  await expect
    .poll(async () => (await findPhotoshoot(bed.database.handle.db, id))?.finishedAt ?? null, { timeout: 15_000 })
    .not.toBeNull();
  // The worker's last word (its final progress edit) follows the finish.
  await expect.poll(() => bed.worker?.stats().running, { timeout: 15_000 }).toBe(0);
  return findPhotoshoot(bed.database.handle.db, id);
}

/** /cancel as the seller sends it; returns the bot's answer and where it sits among the chat's calls. */
async function cancel(bot: ReturnType<typeof start>['bot'], telegramId: number) {
  const sent = bot.sent().length;
  await bot.handle(withId(textMessage({ id: telegramId }, '/cancel')));
  const answer = String(bot.sent().at(-1)?.payload.text);
  expect(bot.sent()).toHaveLength(sent + 1);
  const at = callsTo(telegramId).findIndex((c) => c.method === 'sendMessage' && c.payload.text === answer);
  expect(at).toBeGreaterThanOrEqual(0);
  return { answer, at };
}

/**
 * What must hold once the seller was told "cancelled": the credit came back, nothing was sent,
 * the progress message never counted on, and its last text is the cancelled one.
 */
async function expectCancelled(job: { id: number }, telegramId: number, told: { answer: string; at: number }) {
  expect(told.answer).toContain('Photoshoot cancelled. Nothing more will be sent');
  expect(told.answer).toContain('Returned to your balance: 1. Balance now: 2.');
  const outcome = await ended(job.id);
  expect(outcome).toMatchObject({ status: 'canceled', creditState: 'released' });
  expect(await balanceAndLedger(bed.database.handle.db, telegramId)).toEqual({ balance: 2, ledgerSum: 2 });
  const after = callsTo(telegramId).slice(told.at + 1);
  expect(callsTo(telegramId).filter((c) => ['sendMediaGroup', 'sendPhoto', 'sendDocument'].includes(c.method))).toEqual(
    [],
  );
  expect(after.map((c) => String(c.payload.text)).filter((t) => /Generating|Sending/.test(t))).toEqual([]);
  const progress = callsTo(telegramId).filter((c) => c.method === 'editMessageText');
  expect(String(progress.at(-1)?.payload.text)).toBe(CANCELLED_PROGRESS);
}

describe.each<Where>(['this process', 'another process'])('/cancel with the worker in %s', (where) => {
  it('before the analysis: no model is called, nothing is charged', async () => {
    const download = gate();
    bed.telegram.holdNext('getFile', download.opened);
    const { job, telegramId } = await queueJob();
    const { bot } = start(where);
    await expect
      .poll(() => bed.telegram.calls.some((c) => c.method === 'getFile' && c.payload.file_id === job.sourceFileId), {
        timeout: 10_000,
      })
      .toBe(true);
    const told = await cancel(bot, telegramId);
    download.open();
    await expectCancelled(job, telegramId, told);
    expect(openai().requests).toEqual([]);
  });

  it('during generation, with the images landing right after the cancel: none is sent or charged', async () => {
    const answers = gate();
    openai().queue('edits', ...STYLES.map(() => ({ until: answers.opened })));
    const { job, telegramId } = await queueJob();
    const { bot } = start(where);
    await expect.poll(() => openai().requestsTo('edits').length, { timeout: 10_000 }).toBe(4);
    const told = await cancel(bot, telegramId);
    answers.open();
    await expectCancelled(job, telegramId, told);
    // In this process the model's requests are aborted at once; otherwise they are answered and discarded.
    await expect
      .poll(
        () =>
          openai()
            .requestsTo('edits')
            .map((r) => r.closedByClient),
        { timeout: 5000 },
      )
      .toEqual(STYLES.map(() => where === 'this process'));
  });

  it('in the instant between the last image and delivery: nothing is sent or charged', async () => {
    let rendered = 0;
    let told: { answer: string; at: number } | undefined;
    let bot: ReturnType<typeof start>['bot'] | undefined;
    const { job, telegramId } = await queueJob();
    ({ bot } = start(where, {
      images:
        (generate) =>
        async (...args) => {
          const png = await generate(...args);
          rendered += 1;
          if (rendered === STYLES.length && bot) {
            // The fourth image is rendered and the count shows the other three: the seller cancels now.
            await expect.poll(() => textsTo(telegramId).includes('🎨 Generating 3/4…'), { timeout: 10_000 }).toBe(true);
            told = await cancel(bot, telegramId);
          }
          return png;
        },
    }));
    await ended(job.id);
    expect(rendered).toBe(4);
    if (!told) throw new Error('the cancel was not sent');
    await expectCancelled(job, telegramId, told);
    expect(textsTo(telegramId)).not.toContain('🎨 Generating 4/4…');
  });

  it('once delivery has begun: too late, delivered and charged as usual, and the answer says so', async () => {
    const delivery = gate();
    bed.telegram.holdNext('sendMediaGroup', delivery.opened);
    const { job, telegramId } = await queueJob();
    const { bot } = start(where);
    await expect
      .poll(() => callsTo(telegramId).some((c) => c.method === 'sendMediaGroup'), { timeout: 10_000 })
      .toBe(true);
    const told = await cancel(bot, telegramId);
    delivery.open();
    expect(told.answer).toBe(
      '📤 Too late to stop your photoshoot: it is already being sent and is charged as usual. Balance: 1.',
    );
    expect(await ended(job.id)).toMatchObject({ status: 'done', creditState: 'committed' });
    expect(await balanceAndLedger(bed.database.handle.db, telegramId)).toEqual({ balance: 1, ledgerSum: 1 });
    expect(textsTo(telegramId).at(-1)).toContain('Your photoshoot is ready: 4 images');
  });
});

it('cancels a whole batch (two running, one waiting) with one answer and every credit back', async () => {
  const answers = gate();
  openai().queue('edits', ...Array.from({ length: 8 }, () => ({ until: answers.opened })));
  const telegramId = nextUser++;
  const { user } = await registerUser(
    bed.database.handle.db,
    { id: telegramId, first_name: 'S' },
    { freePhotoshoots: 3 },
  );
  const jobs = [];
  for (let i = 0; i < 3; i++) jobs.push(await queueFor(user.id, telegramId, 'batch-cancel'));
  // The waiting one shows its place in the queue.
  const waiting = { message_id: 990_001 };
  await bed.database.handle.db
    .update(photoshoots)
    .set({ progressMessageId: waiting.message_id })
    .where(eq(photoshoots.id, jobs[2]?.id ?? -1));
  const { bot } = start('this process', { env: { PHOTOSHOOT_CONCURRENCY: '2' } });
  await expect.poll(() => openai().requestsTo('edits').length, { timeout: 10_000 }).toBe(8);
  const told = await cancel(bot, telegramId);
  answers.open();
  expect(told.answer).toBe(
    '✖️ 3 photoshoots cancelled. Nothing more will be sent (images already made are discarded) and nothing is charged. Returned to your balance: 3. Balance now: 3.',
  );
  for (const job of jobs) expect(await ended(job.id)).toMatchObject({ status: 'canceled', creditState: 'released' });
  expect(await balanceAndLedger(bed.database.handle.db, telegramId)).toEqual({ balance: 3, ledgerSum: 3 });
  expect(callsTo(telegramId).filter((c) => c.method === 'sendMediaGroup')).toEqual([]);
  // Every progress message ends cancelled, the waiting job's too.
  const lastEdits = new Map<number, string>();
  for (const c of callsTo(telegramId).filter((c) => c.method === 'editMessageText')) {
    lastEdits.set(Number(c.payload.message_id), String(c.payload.text));
  }
  expect(lastEdits.get(waiting.message_id)).toBe(CANCELLED_PROGRESS);
  expect(new Set(lastEdits.values())).toEqual(new Set([CANCELLED_PROGRESS]));
  expect(lastEdits.size).toBe(3);
});
