import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyPageData, resendData } from '../../src/bot/features/history.js';
import { deleteStyleData } from '../../src/bot/features/styles.js';
import { savedStylesOf, saveStyle } from '../../src/db/saved-styles.js';
import { registerUser } from '../../src/db/users.js';
import { createBotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { sellerWithHistory } from '../support/history.js';
import { callbackQuery, textMessage, withId } from '../support/updates.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('/history', () => {
  it('lists photoshoots newest first, five a page, and resends one from stored file ids', async () => {
    const { ids } = await sellerWithHistory(database.handle.db, { id: 801, first_name: 'H' }, 7);
    const h = createBotHarness({ db: database.handle.db });
    await h.handle(withId(textMessage({ id: 801 }, '/history')));
    const first = h.sent()[0];
    const text = String(first?.payload.text);
    expect(
      text
        .split('\n')
        .filter((l) => l.startsWith('#'))
        .map((l) => l.split(' ')[0]),
    ).toEqual(
      [...ids]
        .reverse()
        .slice(0, 5)
        .map((id) => `#${id}`),
    );
    const markup = first?.payload.reply_markup as { inline_keyboard: { callback_data: string }[][] } | undefined;
    const buttons = (markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
    expect(buttons).toContain(historyPageData.pack({ page: 1 }));

    await h.handle(withId(callbackQuery({ id: 801 }, historyPageData.pack({ page: 1 }))));
    const second = String(h.sent('editMessageText')[0]?.payload.text);
    expect(second.split('\n').filter((l) => l.startsWith('#'))).toHaveLength(2);

    const newest = ids.at(-1) ?? 0;
    await h.handle(withId(callbackQuery({ id: 801 }, resendData.pack({ job: newest }))));
    const groups = h.sent('sendMediaGroup');
    expect(groups).toHaveLength(2);
    const documents = groups[1]?.payload.media as { type: string; media: string }[];
    expect(documents.map((m) => m.type)).toEqual(['document', 'document', 'document', 'document']);
    expect(documents.every((m) => m.media.startsWith('png-'))).toBe(true);
  });

  it("refuses to resend someone else's photoshoot, and says when there is nothing yet", async () => {
    const { ids } = await sellerWithHistory(database.handle.db, { id: 802, first_name: 'H' }, 1);
    const h = createBotHarness({ db: database.handle.db });
    await h.handle(withId(callbackQuery({ id: 803 }, resendData.pack({ job: ids[0] ?? 0 }))));
    expect(h.sent('answerCallbackQuery')[0]?.payload.text).toBe('This button is not yours.');
    expect(h.sent('sendMediaGroup')).toHaveLength(0);
    await h.handle(withId(textMessage({ id: 803 }, '/history')));
    expect(String(h.sent()[0]?.payload.text)).toContain('no finished photoshoots yet');
  });
});

describe('saved styles', () => {
  it('keeps at most 4, lists them in /styles and deletes them', async () => {
    const db = database.handle.db;
    const { user } = await registerUser(db, { id: 804, first_name: 'S' }, { freePhotoshoots: 1 });
    const results = await Promise.all(
      ['One', 'Two', 'Three', 'Four', 'Five'].map((name) => saveStyle(db, user.id, { name, scene: `${name} scene` })),
    );
    expect(results.filter(Boolean)).toHaveLength(4);
    expect((await savedStylesOf(db, user.id)).map((s) => s.slot)).toEqual([1, 2, 3, 4]);

    const h = createBotHarness({ db });
    await h.handle(withId(textMessage({ id: 804 }, '/styles')));
    expect(String(h.sent()[0]?.payload.text).match(/⭐/g)).toHaveLength(5);
    await h.handle(withId(callbackQuery({ id: 804 }, deleteStyleData.pack({ slot: 2 }))));
    expect(h.sent('answerCallbackQuery')[0]?.payload.text).toBe('Style deleted.');
    expect((await savedStylesOf(db, user.id)).map((s) => s.slot)).toEqual([1, 3, 4]);
    expect(await saveStyle(db, user.id, { name: 'Six', scene: 'x' })).toBe(true);
    expect((await savedStylesOf(db, user.id)).map((s) => [s.slot, s.name])).toContainEqual([2, 'Six']);
  });
});
