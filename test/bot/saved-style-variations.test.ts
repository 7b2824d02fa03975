import { desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { generateData, saveData, savedData } from '../../src/bot/callback-data/photoshoot.js';
import { historyPageData } from '../../src/bot/features/history.js';
import { createDraft, updateDraft } from '../../src/db/drafts.js';
import { findPhotoshoot } from '../../src/db/photoshoots.js';
import { imagesOf } from '../../src/db/processed-images.js';
import { savedStylesOf, saveStyle } from '../../src/db/saved-styles.js';
import { photoshoots } from '../../src/db/schema.js';
import { findUserByTelegramId } from '../../src/db/users.js';
import { TEST_TOKEN } from '../support/bot-harness.js';
import { useFakeOpenAi } from '../support/fake-openai.js';
import { fixture } from '../support/fixtures.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import { callbackQuery, type Sender, textMessage, withId } from '../support/updates.js';
import { useWorkerTestbed } from '../support/worker-testbed.js';

const openai = useFakeOpenAi();
const bed = useWorkerTestbed(TEST_TOKEN, openai);

const SCENE = 'The product on a wooden kitchen counter in warm morning sunlight, with a softly blurred kitchen behind';

/** The two languages, each with the texts the seller must read. */
const LOCALES = [
  {
    seller: { id: 9501, language_code: 'en' },
    name: 'Morning kitchen',
    confirm: 'Styles: Morning kitchen · 4 variations',
    refused: '⭐ You already saved this style as “Morning kitchen”.',
    history: '· 3:4 · Morning kitchen · 4 variations · 4 images',
  },
  {
    seller: { id: 9502, language_code: 'ru' },
    name: 'Утренняя кухня',
    confirm: 'Стили: Утренняя кухня · 4 варианта',
    refused: '⭐ Этот стиль у вас уже сохранён под названием «Утренняя кухня».',
    history: '· 3:4 · Утренняя кухня · 4 варианта · 4 изображения',
  },
] as const;

/** The seller's photo as a draft at the style-source step, its ratio chosen. */
async function draftOf(h: ReturnType<typeof createPhotoshootHarness>, seller: Sender) {
  const db = bed.database.handle.db;
  await h.handle(withId(textMessage(seller, '/balance')));
  const user = await findUserByTelegramId(db, seller.id);
  if (!user) throw new Error('seller not registered');
  const file = bed.telegram.addFile(fixture('flowers.jpeg'));
  const draft = await createDraft(db, {
    userId: user.id,
    chatId: seller.id,
    photos: [{ fileId: file.file_id, fileUniqueId: file.file_unique_id }],
  });
  await updateDraft(db, draft.id, { aspectRatio: '3:4' });
  return { user, draft };
}

describe('a saved style makes 4 variations', () => {
  for (const { seller, name, confirm, refused, history } of LOCALES) {
    it(`renders four different prompts of one style and shows them as the one style (${seller.language_code})`, async () => {
      const db = bed.database.handle.db;
      const h = createPhotoshootHarness({ db, freePhotoshoots: 2 });
      const { user, draft } = await draftOf(h, seller);
      expect(await saveStyle(db, user.id, { name, scene: SCENE })).toEqual({ kind: 'saved' });

      const from = h.calls.length;
      await h.handle(withId(callbackQuery(seller, savedData.pack({ draft: draft.id, slot: 1 }))));
      const shown = h.calls.slice(from).find((c) => c.method === 'editMessageText');
      expect(String(shown?.payload.text)).toContain(confirm);

      openai().reset();
      await h.handle(withId(callbackQuery(seller, generateData.pack({ draft: draft.id }))));
      expect(h.kicks()).toBe(1);
      await bed.build().worker.start();
      const job = await latestJob(user.id);
      await expect
        .poll(async () => (await findPhotoshoot(db, job?.id ?? -1))?.status, { timeout: 20_000, interval: 50 })
        .toBe('done');

      // The image model got four different prompts, each the style's scene shot another way.
      const prompts = openai()
        .requestsTo('edits')
        .map((r) => String(r.body.prompt));
      expect(prompts).toHaveLength(4);
      expect(new Set(prompts).size).toBe(4);
      for (const prompt of prompts) expect(prompt).toContain(SCENE);
      const images = await imagesOf(db, job?.id ?? -1);
      expect(images.map((i) => i.style)).toEqual([name, name, name, name]);

      // Saving a variation back is saving the same style: refused by its content, in words.
      const saving = h.calls.length;
      await h.handle(withId(callbackQuery(seller, saveData.pack({ job: job?.id ?? -1, position: 2 }))));
      const answer = h.calls.slice(saving).find((c) => c.method === 'answerCallbackQuery');
      expect(answer?.payload.text).toBe(refused);
      expect(await savedStylesOf(db, user.id)).toHaveLength(1);

      // /history names the style once, with its variations.
      const asked = h.calls.length;
      await h.handle(withId(textMessage(seller, '/history')));
      const list = h.calls.slice(asked).find((c) => c.method === 'sendMessage');
      expect(String(list?.payload.text)).toContain(`#${job?.id} `);
      expect(String(list?.payload.text)).toContain(history);
      expect(JSON.stringify(list?.payload.reply_markup)).not.toContain(historyPageData.prefix);
    });
  }
});

async function latestJob(userId: number) {
  const [row] = await bed.database.handle.db
    .select()
    .from(photoshoots)
    .where(eq(photoshoots.userId, userId))
    .orderBy(desc(photoshoots.id))
    .limit(1);
  return row;
}
