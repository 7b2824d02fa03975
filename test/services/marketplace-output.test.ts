import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  backData,
  generateData,
  marketplaceData,
  marketplacesData,
  ratioData,
  retryData,
  sourceData,
} from '../../src/bot/callback-data/photoshoot.js';
import { createI18n } from '../../src/bot/i18n.js';
import { resultOffer } from '../../src/bot/result-offer.js';
import type { Photoshoot } from '../../src/db/photoshoots.js';
import { imagesOf } from '../../src/db/processed-images.js';
import { photoshootDrafts, photoshoots, processedImages } from '../../src/db/schema.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { checkCompliance } from '../../src/services/image-compliance.js';
import { MARKETPLACE_PRESETS, type MarketplacePresetKey } from '../../src/services/marketplace-presets.js';
import { createMetrics } from '../../src/services/metrics.js';
import { TEST_TOKEN } from '../support/bot-harness.js';
import type { RecordedCall } from '../support/fake-bot-api.js';
import { cutOutImage, useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { balanceAndLedger } from '../support/ledger.js';
import { callbackQuery, photoMessage, type Sender, withId } from '../support/updates.js';
import { useWorkerTestbed } from '../support/worker-testbed.js';

const openai = useFakeOpenAi();
const bed = useWorkerTestbed(TEST_TOKEN, openai);
const i18n = createI18n('en');
let nextUser = 71_000;
const seller = (locale: 'en' | 'ru' = 'en'): Sender => ({ id: nextUser++, language_code: locale });

/** The worker and the bot over the same fake Bot API and OpenAI, as app.ts wires them. */
function start(env: Record<string, string> = {}) {
  const { worker, bot } = bed.build({ env, metrics });
  return { worker, bot: bot() };
}

/** The AI services' metrics, as /metrics serves them. */
const metrics = createMetrics();
const marketplaceFiles = async (result: string) => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'marketplace_files_total');
  const values = (metric?.values ?? []) as { labels: Record<string, string>; value: number }[];
  return values.find((v) => v.labels.preset === 'amazon-main' && v.labels.result === result)?.value ?? 0;
};
type Bot = ReturnType<typeof start>['bot'];

const press = (bot: Bot, from: Sender, data: string) => bot.handle(withId(callbackQuery(from, data)));

async function userId(telegramId: number) {
  return (await findUserByTelegramId(bed.database.handle.db, telegramId))?.id ?? -1;
}
async function latestDraft(telegramId: number) {
  const rows = await bed.database.handle.db
    .select()
    .from(photoshootDrafts)
    .where(eq(photoshootDrafts.userId, await userId(telegramId)))
    .orderBy(photoshootDrafts.id);
  return rows.at(-1);
}
async function jobsOf(telegramId: number) {
  return bed.database.handle.db
    .select()
    .from(photoshoots)
    .where(eq(photoshoots.userId, await userId(telegramId)))
    .orderBy(photoshoots.id);
}

const CHAT: Record<string, string> = { IMAGE_API: 'chat', IMAGE_MODEL: 'google/gemini-2.5-flash-image' };

/** Packshots for a marketplace set up and Generate pressed (the worker not started yet). */
async function packshots(
  env: Record<string, string> = CHAT,
  key: Exclude<MarketplacePresetKey, 'free'> = 'amazon-main',
  from: Sender = seller(),
) {
  const { worker, bot } = start(env);
  const draft = await photoFor(bot, from, key);
  await press(bot, from, sourceData.pack({ draft, source: 'packshot' }));
  await press(bot, from, generateData.pack({ draft }));
  return { worker, from, bot };
}

/** The image renders asked of the chat backend (the analysis is a chat call too). */
const chatRenders = () =>
  openai()
    .requestsTo('chat')
    .filter((r) => r.body.modalities !== undefined);

/** A product photo sent, then the marketplace chosen instead of a ratio; the draft's id. */
async function photoFor(bot: Bot, from: Sender, preset: Exclude<MarketplacePresetKey, 'free'>) {
  const update = photoMessage(from, bed.telegram.addFile(fixture('flowers.jpeg')));
  bed.telegram.userSent(from.id, (update.message as unknown as { message_id: number }).message_id);
  await bot.handle(withId(update));
  const draft = (await latestDraft(from.id))?.id ?? 0;
  await press(bot, from, marketplacesData.pack({ draft }));
  await press(bot, from, marketplaceData.pack({ draft, preset }));
  return draft;
}

const callsTo = (chatId: number, method: string) =>
  bed.telegram.calls.filter((c) => c.method === method && Number(c.payload.chat_id) === chatId);
/** A message's keyboard: its buttons' texts, a row a line. */
function keyboardOf(call: RecordedCall): string {
  const raw = call.payload.reply_markup;
  const markup = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { inline_keyboard?: { text: string }[][] };
  return (markup?.inline_keyboard ?? []).map((row) => row.map((b) => b.text).join(' | ')).join('\n');
}

/** The files album (documents) the seller got: each file's name, caption and bytes. */
async function deliveredFiles(from: Sender) {
  const album = await bed.telegram.waitForCall(
    'sendMediaGroup',
    (c) => Number(c.payload.chat_id) === from.id && String(c.payload.media).includes('document'),
    { timeoutMs: 30_000 },
  );
  const media = (typeof album.payload.media === 'string' ? JSON.parse(album.payload.media) : album.payload.media) as {
    media: string;
    caption?: string;
  }[];
  return media.map((item, index) => {
    const part = album.files.find((f) => f.name === item.media.replace('attach://', ''));
    return { name: part?.filename ?? '', caption: item.caption ?? '', data: part?.data ?? Buffer.alloc(0), index };
  });
}

/** Starts the worker; the files delivered, once the photoshoot is settled. */
async function run(worker: { start(): void }, from: Sender) {
  worker.start();
  const files = await deliveredFiles(from);
  await settled(from);
  return files;
}

async function settled(from: Sender) {
  await expect
    .poll(async () => (await jobsOf(from.id)).map((j) => j.status).join(','), { timeout: 30_000, interval: 50 })
    .toBe('done');
}

/** The progress message's last text, once it is the final one (it has the result buttons, or no progress dots). */
async function finalText(from: Sender) {
  await expect
    .poll(() => String(callsTo(from.id, 'editMessageText').at(-1)?.payload.text ?? ''), { timeout: 10_000 })
    .not.toMatch(/…$/);
  return String(callsTo(from.id, 'editMessageText').at(-1)?.payload.text);
}

/** Printed for the record with REPORT_COMPLIANCE=1: the seller's compliance lines per preset. */
const report = (label: string, lines: string[]) => {
  if (process.env.REPORT_COMPLIANCE) process.stdout.write(`${label}\n  ${lines.join('\n  ')}\n`);
};

const PRESETS = ['amazon-main', 'wildberries', 'ozon', 'etsy', 'shopify', 'ebay'] as const;
const SIZES: Record<(typeof PRESETS)[number], string> = {
  'amazon-main': '2000×2000',
  wildberries: '1200×1600',
  ozon: '1200×1600',
  etsy: '2667×2000',
  shopify: '2048×2048',
  ebay: '1600×1600',
};

describe('marketplace presets end to end', () => {
  for (const backend of ['images', 'chat'] as const) {
    for (const key of PRESETS) {
      it(`${key} over the ${backend} backend: packshots delivered as files that pass every rule, each captioned with its checks, charged once`, async () => {
        const env = backend === 'chat' ? CHAT : {};
        const { worker, from } = await packshots(env, key);
        const files = await run(worker, from);
        const preset = MARKETPLACE_PRESETS[key];
        expect(files).toHaveLength(4);
        for (const file of files) {
          expect(file.name).toMatch(/^\d-packshot-[a-z-]+\.jpg$/);
          const checked = await checkCompliance(file.data, preset);
          expect(checked.checks.filter((c) => !c.ok && !c.advisory)).toEqual([]);
          expect(checked.ok).toBe(true);
          expect(file.caption).toContain(`${i18n.t('en', `marketplace-${key}`)}: `);
          expect(file.caption).toContain(`✓ ${SIZES[key]} JPEG`);
          expect(file.caption).not.toContain('✗');
        }
        if (key === 'amazon-main') {
          for (const file of files) expect(file.caption).toMatch(/✓ pure white background · ✓ product fills 8[5-9]%/);
        }
        report(`${key} (${backend})`, [files[0]?.caption ?? '']);
        // Transparency asked of images.edit for the white background only; the chat backend has none.
        const asked = openai()
          .requestsTo(backend === 'chat' ? 'chat' : 'edits')
          .filter((r) => backend !== 'chat' || r.body.modalities !== undefined);
        expect(asked).toHaveLength(4);
        const transparent = asked.filter((r) => r.body.background === 'transparent').length;
        expect(transparent).toBe(key === 'amazon-main' && backend === 'images' ? 4 : 0);
        const [job] = await jobsOf(from.id);
        expect(job?.marketplace).toBe(key);
        expect(job?.creditState).toBe('committed');
        expect(await balanceAndLedger(bed.database.handle.db, from.id)).toEqual({ balance: 1, ledgerSum: 1 });
        expect(await finalText(from)).toContain(
          i18n.t('en', 'marketplace-done', { count: 4, preset: i18n.t('en', `marketplace-${key}`) }),
        );
      });
    }
  }

  it('words the compliance line in the seller language', async () => {
    const { worker, from } = await packshots({}, 'amazon-main', seller('ru'));
    const files = await run(worker, from);
    expect(files[0]?.caption).toBe(
      'Amazon, главное фото: ✓ чисто белый фон · ✓ товар занимает 87% · ✓ 2000×2000 JPEG · ✓ sRGB · увеличено с 1024×1024',
    );
    expect(files[0]?.name).toMatch(/^1-pekshot-anfas\.jpg$/);
    expect(await finalText(from)).toContain('файлы для «Amazon, главное фото»');
  });

  it('a cut-out render is composed on pure white with its white label intact, filling 87% of the frame', async () => {
    const { worker, from } = await packshots({});
    void worker.start();
    const [file] = await deliveredFiles(from);
    const checked = await checkCompliance(file?.data ?? Buffer.alloc(0), MARKETPLACE_PRESETS['amazon-main']);
    const fill = checked.checks.find((c) => c.rule === 'fill');
    expect(fill?.measured).toMatchObject({ fill: expect.closeTo(0.87, 2) });
    const background = checked.checks.find((c) => c.rule === 'background');
    expect(background?.measured).toBe(1);
    // The fake's product is a dark rectangle with a white label at its centre: the label stays white, the body dark.
    const { data, info } = await sharp(file?.data).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    const centre = { x: info.width / 2, y: info.height / 2 };
    expect(Math.min(...at(centre.x, centre.y))).toBeGreaterThanOrEqual(250);
    // Halfway between the label's edge and the product's: product colour, not white.
    const box = fill?.measured as { width: number };
    const bodyX = Math.round(centre.x - (box.width * info.width * 3) / 8);
    expect(Math.max(...at(bodyX, centre.y))).toBeLessThan(200);
  });

  it('a render that fails a rule is rendered once more; one that fails again is delivered with the rule named and not charged', async () => {
    const failedBefore = await marketplaceFiles('failed');
    const { worker, from } = await packshots();
    // The analysis answers normally; then every render paints a grey backdrop that no snapping makes white.
    const grey = await greyRender();
    openai().queue('chat', { delayMs: 0 }, ...Array.from({ length: 8 }, () => ({ image: grey })));
    const files = await run(worker, from);
    expect(chatRenders()).toHaveLength(8);
    for (const file of files) expect(file.caption).toContain('✗ background not pure white (0% of the edge is white)');
    const [job] = await jobsOf(from.id);
    expect(job?.creditState).toBe('released');
    expect(await balanceAndLedger(bed.database.handle.db, from.id)).toEqual({ balance: 2, ledgerSum: 2 });
    const images = await bed.database.handle.db
      .select({ compliance: processedImages.compliance })
      .from(processedImages)
      .where(eq(processedImages.photoshootId, job?.id ?? -1));
    expect(images.map((i) => [i.compliance?.ok, i.compliance?.rerendered])).toEqual(Array(4).fill([false, true]));
    expect(await finalText(from)).toBe(
      `📦 ceramic coffee mug\n${i18n.t('en', 'marketplace-off-rules', { count: 4, preset: 'Amazon main image', charged: 'no' })}`,
    );
    // Nothing charged: no free retry on top.
    const offer = resultOffer(job as Photoshoot, await imagesOf(bed.database.handle.db, job?.id ?? -1));
    expect(offer.kind === 'offered' && offer.undelivered).toEqual([]);
    report('amazon-main, failing twice', [files[0]?.caption ?? '']);
    expect((await marketplaceFiles('failed')) - failedBefore).toBe(4);
  });

  it('one style failing twice: the others charge the photoshoot, the failing one is retried free', async () => {
    const { worker, from } = await packshots();
    const grey = await greyRender();
    // Analysis normal; the first render grey, then its second render grey too; the rest as the prompt asks.
    openai().queue(
      'chat',
      { delayMs: 0 },
      { image: grey },
      { delayMs: 0 },
      { delayMs: 0 },
      { delayMs: 0 },
      {
        image: grey,
      },
    );
    const files = await run(worker, from);
    expect(files.filter((f) => f.caption.includes('✗'))).toHaveLength(1);
    const [job] = await jobsOf(from.id);
    expect(job?.creditState).toBe('committed');
    expect(await finalText(from)).toContain(
      i18n.t('en', 'marketplace-off-rules', { count: 1, preset: 'Amazon main image', charged: 'yes' }),
    );
    // The free retry (the result keyboard's rule) covers the file off the rules.
    const offer = resultOffer(job as Photoshoot, await imagesOf(bed.database.handle.db, job?.id ?? -1));
    expect(offer.kind === 'offered' && offer.undelivered.map((i) => i.compliance?.ok)).toEqual([false]);
  });

  it('one style failing outright and three off the rules: nothing charged, and no free retry on top', async () => {
    const { worker, from } = await packshots();
    const grey = await greyRender();
    openai().queue('chat', { delayMs: 0 }, { status: 500 }, ...Array.from({ length: 6 }, () => ({ image: grey })));
    const files = await run(worker, from);
    expect(files).toHaveLength(3);
    const [job] = await jobsOf(from.id);
    expect(job?.creditState).toBe('released');
    expect(await balanceAndLedger(bed.database.handle.db, from.id)).toEqual({ balance: 2, ledgerSum: 2 });
    const offer = resultOffer(job as Photoshoot, await imagesOf(bed.database.handle.db, job?.id ?? -1));
    expect(offer.kind === 'offered' && offer.undelivered).toEqual([]);
    expect(await finalText(from)).toContain(
      i18n.t('en', 'marketplace-off-rules', { count: 3, preset: 'Amazon main image', charged: 'no' }),
    );
  });

  it('a second render that cannot be used still delivers the first one, marked with its rule', async () => {
    const { worker, from } = await packshots();
    const tiny = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    openai().queue(
      'chat',
      { delayMs: 0 },
      { image: await greyRender() },
      { delayMs: 0 },
      { delayMs: 0 },
      { delayMs: 0 },
      {
        image: tiny,
      },
    );
    const files = await run(worker, from);
    expect(files).toHaveLength(4);
    expect(files.filter((f) => f.caption.includes('✗ background not pure white'))).toHaveLength(1);
    expect((await jobsOf(from.id))[0]?.creditState).toBe('committed');
  });

  it('a render that ignored the transparent background (opaque white, a little alpha noise) is snapped and passes', async () => {
    const { worker, from } = await packshots({});
    const noisy = await opaqueWhiteRender();
    openai().queue('edits', ...Array.from({ length: 4 }, () => ({ image: noisy })));
    const files = await run(worker, from);
    expect(
      openai()
        .requestsTo('edits')
        .filter((r) => r.body.background === 'transparent'),
    ).toHaveLength(4);
    for (const file of files) {
      const checked = await checkCompliance(file.data, MARKETPLACE_PRESETS['amazon-main']);
      expect(checked.ok).toBe(true);
      expect(checked.checks.find((c) => c.rule === 'fill')?.measured).toMatchObject({ fill: expect.closeTo(0.87, 2) });
    }
  });

  it('a packshot the model declined is retried free as the front packshot, not in a studio scene', async () => {
    const { worker, from, bot } = await packshots();
    openai().queue('chat', { delayMs: 0 }, { refusal: 'I cannot make this image.' });
    const files = await run(worker, from);
    expect(files).toHaveLength(3);
    const [job] = await jobsOf(from.id);
    expect(job?.creditState).toBe('committed');
    await press(bot, from, retryData.pack({ job: job?.id ?? 0 }));
    const [, retry] = await jobsOf(from.id);
    expect(retry).toMatchObject({ styleSource: 'retry', marketplace: 'amazon-main', creditState: 'free' });
    const [again] = await imagesOf(bed.database.handle.db, retry?.id ?? -1);
    expect(again?.style).toBe('Packshot, front');
    expect(again?.prompt).toContain('seen straight from the front at eye level, alone on a seamless, plain pure white');
  });

  it('a render fixed by its second try is charged and says nothing of it', async () => {
    const before = { passed: await marketplaceFiles('passed'), rerendered: await marketplaceFiles('rerendered') };
    const { worker, from } = await packshots();
    openai().queue('chat', { delayMs: 0 }, { image: await greyRender() });
    const files = await run(worker, from);
    expect(chatRenders()).toHaveLength(5);
    expect(files.every((f) => !f.caption.includes('✗'))).toBe(true);
    expect((await jobsOf(from.id))[0]?.creditState).toBe('committed');
    expect((await marketplaceFiles('passed')) - before.passed).toBe(3);
    expect((await marketplaceFiles('rerendered')) - before.rerendered).toBe(1);
  });

  it('a model that refuses transparency is asked once, then renders on white that is snapped', async () => {
    const { worker, from } = await packshots({ IMAGE_MODEL: 'gpt-image-no-transparency' });
    const files = await run(worker, from);
    const edits = openai().requestsTo('edits');
    expect(edits.filter((r) => r.body.background === 'transparent').length).toBeGreaterThanOrEqual(1);
    expect(edits.filter((r) => r.body.background === undefined)).toHaveLength(4);
    for (const file of files) {
      expect((await checkCompliance(file.data, MARKETPLACE_PRESETS['amazon-main'])).ok).toBe(true);
    }
  });
});

describe('lifestyle styles for a main-image preset', () => {
  it('offers only packshots, and refuses any other style source with the reason', async () => {
    const { bot } = start();
    const from = seller();
    const draft = await photoFor(bot, from, 'amazon-main');
    const shown = callsTo(from.id, 'editMessageText').at(-1) as RecordedCall;
    expect(String(shown.payload.text)).toContain('Amazon main image: pure white background');
    expect(keyboardOf(shown)).toEqual([[i18n.t('en', 'source-packshot')], [i18n.t('en', 'button-back')]].join('\n'));
    const refused = i18n.t('en', 'marketplace-lifestyle-refused', { preset: 'Amazon main image' });
    for (const source of ['random', 'analysis', 'saved'] as const) {
      const before = bed.telegram.calls.length;
      await press(bot, from, sourceData.pack({ draft, source }));
      const answer = bed.telegram.calls.slice(before).find((c) => c.method === 'answerCallbackQuery');
      expect(answer?.payload).toMatchObject({ text: refused, show_alert: true });
    }
    expect((await latestDraft(from.id))?.styles).toBeNull();
  });

  it('refuses Generate for lifestyle styles chosen before the preset: nothing charged, the draft stays open', async () => {
    const { bot } = start();
    const from = seller();
    const draft = await photoFor(bot, from, 'wildberries');
    // Random styles under a lifestyle-friendly set-up, then back to the ratio step and Amazon chosen.
    await press(bot, from, backData.pack({ draft, to: 'ratio' }));
    await press(bot, from, ratioData.pack({ draft, ratio: '1x1' }));
    await press(bot, from, sourceData.pack({ draft, source: 'random' }));
    await press(bot, from, marketplaceData.pack({ draft, preset: 'amazon-main' }));
    const before = bed.telegram.calls.length;
    await press(bot, from, generateData.pack({ draft }));
    const answer = bed.telegram.calls.slice(before).find((c) => c.method === 'answerCallbackQuery');
    expect(answer?.payload).toMatchObject({
      text: i18n.t('en', 'marketplace-lifestyle-refused', { preset: 'Amazon main image' }),
      show_alert: true,
    });
    expect(await jobsOf(from.id)).toEqual([]);
    // Choosing Amazon dropped the random styles: nothing lifestyle is left to start.
    expect(await latestDraft(from.id)).toMatchObject({ submittedAt: null, styles: null });
    expect(await balanceAndLedger(bed.database.handle.db, from.id)).toEqual({ balance: 2, ledgerSum: 2 });
    // Packshots chosen now: Generate is accepted.
    await press(bot, from, sourceData.pack({ draft, source: 'packshot' }));
    await press(bot, from, generateData.pack({ draft }));
    expect(await jobsOf(from.id)).toHaveLength(1);
  });

  it('keeps lifestyle styles for a marketplace that allows them, packshots offered first', async () => {
    const { bot } = start();
    const from = seller();
    await photoFor(bot, from, 'wildberries');
    const shown = callsTo(from.id, 'editMessageText').at(-1) as RecordedCall;
    expect(keyboardOf(shown).split('\n')[0]).toBe(i18n.t('en', 'source-packshot'));
    expect(keyboardOf(shown)).toContain(i18n.t('en', 'source-random'));
    expect((await latestDraft(from.id))?.aspectRatio).toBe('3:4');
  });
});

/**
 * A render that ignored `background: "transparent"`: the product on off-white (248), as a PNG
 * with an alpha channel that is opaque but for a small patch at 250 in the backdrop.
 */
async function opaqueWhiteRender() {
  const product = await cutOutImage(1024, 1024, 'noisy', 'png');
  const { data, info } = await sharp({
    create: { width: 1024, height: 1024, channels: 4, background: { r: 248, g: 248, b: 248, alpha: 1 } },
  })
    .composite([{ input: product }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  for (let y = 20; y < 23; y++) for (let x = 20; x < 23; x++) data[(y * 1024 + x) * 4 + 3] = 250;
  return sharp(data, { raw: info }).png().toBuffer();
}

/** A render that ignored the white: the product on a mid-grey backdrop. */
async function greyRender() {
  const product = await cutOutImage(1024, 1024, 'grey', 'png');
  return sharp({ create: { width: 1024, height: 1024, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite([{ input: product }])
    .png()
    .toBuffer();
}
