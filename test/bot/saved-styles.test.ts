import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepNameData, saveData } from '../../src/bot/callback-data/photoshoot.js';
import { deleteStyleData } from '../../src/bot/features/styles.js';
import { queryRows } from '../../src/db/client.js';
import { imagesOf, recordImage } from '../../src/db/processed-images.js';
import { queuePhotoshoot } from '../../src/db/queue.js';
import { savedStylesOf, saveStyle } from '../../src/db/saved-styles.js';
import { finishPhotoshoot } from '../../src/db/settlement.js';
import { findUserByTelegramId, registerUser } from '../../src/db/users.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createPhotoshootHarness } from '../support/photoshoot-harness.js';
import { callbackQuery, type Sender, textMessage, withId } from '../support/updates.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const db = () => database.handle.db;
type Harness = ReturnType<typeof createPhotoshootHarness>;

/** A finished photoshoot of `seller`, every style delivered with its preview; its images. */
async function finished(h: Harness, seller: Sender, styles: { name: string; prompt: string }[]) {
  await h.handle(withId(textMessage(seller, '/balance')));
  const user = await findUserByTelegramId(db(), seller.id);
  if (!user) throw new Error('seller not registered');
  const source = { sourceFileId: 'file', sourceFileUniqueId: 'uniq', aspectRatio: '1:1' };
  const job = await queuePhotoshoot(db(), {
    userId: user.id,
    chatId: seller.id,
    styleSource: 'random',
    styles,
    ...source,
  });
  const delivered = (id: number) => ({ status: 'done', resultFileId: `r-${id}`, previewFileId: `p-${id}` }) as const;
  for (const image of await imagesOf(db(), job.id)) await recordImage(db(), image.id, delivered(image.id));
  await finishPhotoshoot(db(), job.id, 'done');
  return { user, job, images: await imagesOf(db(), job.id) };
}

/** What the bot said to one update: its callback answer and its messages (sent or edited). */
async function said(h: Harness, update: Parameters<Harness['handle']>[0]) {
  const from = h.calls.length;
  await h.handle(update);
  const calls = h.calls.slice(from);
  return {
    answer: calls.find((c) => c.method === 'answerCallbackQuery')?.payload.text,
    texts: calls.filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText').map((c) => c.payload.text),
  };
}

const LOCALES = [
  {
    seller: { id: 8601, language_code: 'en' },
    saved: '⭐ Saved “My kitchen”. Pick it under “My saved styles” next time.',
    refused: (name: string) => `⭐ You already saved this style as “${name}”.`,
    title: '⭐ Your saved styles (at most 4):',
  },
  {
    seller: { id: 8602, language_code: 'ru' },
    saved: '⭐ Стиль «My kitchen» сохранён. В следующий раз выберите его в разделе «Мои сохранённые стили».',
    refused: (name: string) => `⭐ Этот стиль у вас уже сохранён под названием «${name}».`,
    title: '⭐ Ваши сохранённые стили (не больше 4):',
  },
] as const;

describe('saving a style', () => {
  for (const { seller, saved, refused, title } of LOCALES) {
    it(`refuses the same scene under another name, told in the seller's language (${seller.language_code})`, async () => {
      const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 4 });
      const first = await finished(h, seller, [{ name: 'Kitchen', prompt: 'The product in a kitchen scene' }]);
      const image = first.images[0];
      await said(h, withId(callbackQuery(seller, saveData.pack({ job: first.job.id, position: 0 }))));
      expect((await said(h, withId(textMessage(seller, 'My kitchen')))).texts).toEqual([saved]);
      const [row] = await queryRows<{ example_file_id: string; content_hash: string }>(
        db(),
        sql`select example_file_id, content_hash from saved_styles where user_id = ${first.user.id}`,
      );
      // The style keeps the preview it was saved from, and its content hashed as the migration did:
      // md5 of the trimmed, lower-cased scene with its whitespace runs made one space.
      const hash = createHash('md5').update('the product in a kitchen scene').digest('hex');
      expect(row).toEqual({ example_file_id: image?.previewFileId, content_hash: hash });

      // The same scene (other spacing and capitals) under another style name: refused at the button.
      const again = await finished(h, seller, [{ name: 'Cozy', prompt: '  the product in a KITCHEN\n scene ' }]);
      const pressed = await said(h, withId(callbackQuery(seller, saveData.pack({ job: again.job.id, position: 0 }))));
      expect(pressed).toEqual({ answer: refused('My kitchen'), texts: [] });
      // Its own name kept: refused too.
      const kept = await said(h, withId(callbackQuery(seller, keepNameData.pack({ job: again.job.id, position: 0 }))));
      expect(kept.texts).toEqual([refused('My kitchen')]);

      // Saved meanwhile elsewhere while the name question was open: refused when the name arrives.
      const loft = await finished(h, seller, [{ name: 'Loft', prompt: 'The product in a loft scene' }]);
      await said(h, withId(callbackQuery(seller, saveData.pack({ job: loft.job.id, position: 0 }))));
      expect(await saveStyle(db(), first.user.id, { name: 'Elsewhere', scene: 'The product in a loft scene' })).toEqual(
        {
          kind: 'saved',
        },
      );
      expect((await said(h, withId(textMessage(seller, 'Loft two')))).texts).toEqual([refused('Elsewhere')]);

      expect((await savedStylesOf(db(), first.user.id)).map((s) => s.name)).toEqual(['My kitchen', 'Elsewhere']);
      const styles = await said(h, withId(textMessage(seller, '/styles')));
      expect(styles.texts).toEqual([`${title}\n\n⭐ My kitchen\n⭐ Elsewhere`]);
    });
  }

  it('keeps one row when the same style is saved twice at once', async () => {
    const seller = { id: 8611 };
    const h = createPhotoshootHarness({ db: db(), freePhotoshoots: 4 });
    const a = await finished(h, seller, [{ name: 'Pop', prompt: 'The product on a pop backdrop' }]);
    const b = await finished(h, seller, [{ name: 'Pop art', prompt: 'The product on a POP backdrop' }]);
    // Both presses handled at once (each in its own transaction); their answers read after both.
    const from = h.calls.length;
    await Promise.all(
      [a, b].map((s) => h.handle(withId(callbackQuery(seller, keepNameData.pack({ job: s.job.id, position: 0 }))))),
    );
    const texts = h.calls
      .slice(from)
      .filter((c) => c.method === 'editMessageText')
      .map((c) => String(c.payload.text));
    expect(texts).toHaveLength(2);
    expect(texts.filter((t) => t.startsWith('⭐ Saved'))).toHaveLength(1);
    expect(texts.filter((t) => t.startsWith('⭐ You already saved this style as'))).toHaveLength(1);
    expect(await savedStylesOf(db(), a.user.id)).toHaveLength(1);

    // And straight at the database: five at once, one row.
    const outcomes = await Promise.all(
      ['One', 'Two', 'Three', 'Four', 'Five'].map((name) =>
        saveStyle(db(), a.user.id, { name, scene: 'The product on a linen cloth' }),
      ),
    );
    expect(outcomes.filter((o) => o.kind === 'saved')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'duplicate')).toHaveLength(4);
    expect(await savedStylesOf(db(), a.user.id)).toHaveLength(2);
  });

  it('keeps at most 4, lists them in /styles and deletes them', async () => {
    const { user } = await registerUser(db(), { id: 8612, first_name: 'S' }, { freePhotoshoots: 1 });
    const results = await Promise.all(
      ['One', 'Two', 'Three', 'Four', 'Five'].map((name) => saveStyle(db(), user.id, { name, scene: `${name} scene` })),
    );
    expect(results.filter((r) => r.kind === 'saved')).toHaveLength(4);
    expect(results.filter((r) => r.kind === 'full')).toHaveLength(1);
    expect((await savedStylesOf(db(), user.id)).map((s) => s.slot)).toEqual([1, 2, 3, 4]);

    const h = createPhotoshootHarness({ db: db() });
    await h.handle(withId(textMessage({ id: 8612 }, '/styles')));
    expect(String(h.sent()[0]?.payload.text).match(/⭐/g)).toHaveLength(5);
    await h.handle(withId(callbackQuery({ id: 8612 }, deleteStyleData.pack({ slot: 2 }))));
    expect(h.sent('answerCallbackQuery')[0]?.payload.text).toBe('Style deleted.');
    expect((await savedStylesOf(db(), user.id)).map((s) => s.slot)).toEqual([1, 3, 4]);
    expect(await saveStyle(db(), user.id, { name: 'Six', scene: 'x' })).toEqual({ kind: 'saved' });
    expect((await savedStylesOf(db(), user.id)).map((s) => [s.slot, s.name])).toContainEqual([2, 'Six']);
  });
});

describe('/styles', () => {
  /** A row saved before the content check: no content hash (the migration left duplicates so). */
  const legacy = (userId: number, slot: number, name: string, scene: string) =>
    db().execute(
      sql`insert into saved_styles (user_id, slot, name, scene) values (${userId}, ${slot}, ${name}, ${scene})`,
    );

  for (const { seller, title } of LOCALES) {
    it(`lists each scene once, also with duplicates saved before the check (${seller.language_code})`, async () => {
      const id = seller.id + 100;
      const { user } = await registerUser(
        db(),
        { id, first_name: 'S', language_code: seller.language_code },
        {
          freePhotoshoots: 1,
        },
      );
      await saveStyle(db(), user.id, { name: 'Kitchen', scene: 'On a kitchen counter' });
      await legacy(user.id, 2, 'Kitchen again', '  on a KITCHEN   counter ');
      await legacy(user.id, 3, 'Loft', 'In a loft');
      await legacy(user.id, 4, 'Loft old', 'in a loft');
      const h = createPhotoshootHarness({ db: db() });
      const list = async () => {
        const from = h.calls.length;
        await h.handle(withId(textMessage({ id, language_code: seller.language_code }, '/styles')));
        return h.calls.slice(from).find((c) => c.method === 'sendMessage')?.payload;
      };
      const shown = await list();
      expect(shown?.text).toBe(`${title}\n\n⭐ Kitchen\n⭐ Loft`);
      const markup = shown?.reply_markup as { inline_keyboard: { callback_data: string }[][] } | undefined;
      const buttons = (markup?.inline_keyboard ?? []).flat();
      expect(buttons.map((b) => b.callback_data)).toEqual([
        deleteStyleData.pack({ slot: 1 }),
        deleteStyleData.pack({ slot: 3 }),
      ]);
      // The same scene again is refused by its content, under the name listed.
      expect(await saveStyle(db(), user.id, { name: 'Loft 3', scene: 'IN A LOFT' })).toEqual({
        kind: 'duplicate',
        name: 'Loft',
      });
      // Four slots taken, two styles listed: a new one takes a duplicate's slot.
      expect(await saveStyle(db(), user.id, { name: 'Pop', scene: 'On a pop backdrop' })).toEqual({ kind: 'saved' });
      expect((await list())?.text).toBe(`${title}\n\n⭐ Kitchen\n⭐ Pop\n⭐ Loft`);
      // Deleting a style deletes its hidden duplicates too: it does not come back.
      await h.handle(withId(callbackQuery({ id }, deleteStyleData.pack({ slot: 3 }))));
      expect((await list())?.text).toBe(`${title}\n\n⭐ Kitchen\n⭐ Pop`);
    });
  }
});
