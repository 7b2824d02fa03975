import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_COMMANDS } from '../../src/bot/commands.js';
import { ordersPageData, parseUserLookup } from '../../src/bot/features/admin-reports.js';
import { queryRows } from '../../src/db/client.js';
import { businessStats } from '../../src/db/stats.js';
import { registerUser } from '../../src/db/users.js';
import { createMemoryCache } from '../../src/services/cache.js';
import { createBotHarness } from '../support/bot-harness.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { balanceAndLedger } from '../support/ledger.js';
import { callbackQuery, type Sender, textMessage, withId } from '../support/updates.js';

const ADMIN = 9101;
/** Seller A as Telegram sends them (the bot keeps their name and username up to date). */
const SELLER_A = { id: 8001, first_name: 'U8001', username: 'Alpha_shop' };
const statements: string[] = [];
let database: TestDatabase;

/** Statements of the application, without the per-update user registration. */
const appStatements = () => statements.filter((s) => !s.includes('insert into "users"'));

/**
 * Known rows: A (2 photoshoots, 4 images, 2 paid + 1 pending + 1 refunded order), B (a paid
 * order 100 days ago), C (active this week), and the admin, who registers by talking to the bot.
 */
async function seedFixture() {
  const db = database.handle.db;
  const user = async (id: number, username?: string) =>
    (await registerUser(db, { id, first_name: `U${id}`, ...(username && { username }) }, { freePhotoshoots: 0 })).user
      .id;
  const a = await user(8001, 'Alpha_shop');
  const b = await user(8002);
  const c = await user(8003);
  await db.execute(
    sql`update users set created_at = now() - interval '10 days', last_seen_at = now() - interval '10 days', balance = 3 where id = ${a}`,
  );
  await db.execute(sql`update users set balance = 0 where id = ${b}`);
  await db.execute(sql`update users set created_at = now() - interval '3 days', balance = 5 where id = ${c}`);
  const [done] = await queryRows<{ id: number }>(
    db,
    sql`insert into photoshoots (user_id, status, aspect_ratio, source_file_id, credit_state)
        values (${a}, 'done', '1:1', 'f', 'committed') returning id`,
  );
  const [failed] = await queryRows<{ id: number }>(
    db,
    sql`insert into photoshoots (user_id, status, aspect_ratio, source_file_id, credit_state, created_at)
        values (${a}, 'failed', '9:16', 'f', 'released', now() - interval '10 days') returning id`,
  );
  await db.execute(sql`insert into processed_images (user_id, photoshoot_id, style, aspect_ratio, status, is_free, position) values
    (${a}, ${done?.id}, 'Marble', '1:1', 'done', false, 0),
    (${a}, ${done?.id}, 'Marble', '1:1', 'done', false, 1),
    (${a}, ${done?.id}, 'Cafe', '1:1', 'done', false, 2)`);
  await db.execute(sql`insert into processed_images (user_id, photoshoot_id, style, aspect_ratio, status, is_free, position, created_at)
    values (${a}, ${failed?.id}, 'Marble', '9:16', 'failed', true, 0, now() - interval '10 days')`);
  // 2 of the newest order's photoshoots are still unspent: 2 of the 3 on the balance are bought.
  await db.execute(sql`insert into orders (user_id, package_code, amount, photoshoots, status, invoice_payload, telegram_payment_charge_id, created_at, paid_at, remaining) values
    (${a}, 'p3', 150, 3, 'paid', 'fx-1', 'fx-c1', now(), now(), 2),
    (${a}, 'p10', 450, 10, 'paid', 'fx-2', 'fx-c2', now() - interval '20 days', now() - interval '20 days', 0),
    (${a}, 'p3', 150, 3, 'pending', 'fx-3', null, now(), null, 0),
    (${a}, 'p3', 150, 3, 'refunded', 'fx-4', 'fx-c4', now() - interval '5 days', now() - interval '5 days', 0),
    (${b}, 'p30', 1200, 30, 'paid', 'fx-5', 'fx-c5', now() - interval '100 days', now() - interval '100 days', 0)`);
  await db.execute(sql`insert into saved_styles (user_id, slot, name, scene) values (${a}, 1, 'Marble', 'm')`);
  // A's balance changes, an hour apart, each reason with the reference the bot writes.
  const order = sql`(select 'order:' || id from orders where invoice_payload = 'fx-4')`;
  await db.execute(sql`insert into balance_ledger (user_id, delta, reason, reference, balance_after, created_at) values
    (${a}, 2, 'signup_bonus', null, 2, now() - interval '5 hours'),
    (${a}, 3, 'purchase', ${order}, 5, now() - interval '4 hours'),
    (${a}, -1, 'photoshoot_reserve', ${`photoshoot:${failed?.id}`}, 4, now() - interval '3 hours'),
    (${a}, 1, 'photoshoot_release', ${`photoshoot:${failed?.id}`}, 5, now() - interval '2 hours'),
    (${a}, -3, 'refund', ${order}, 2, now() - interval '1 hour')`);
  // AI usage: today $0.26 on the done photoshoot and $0.02 outside any; $0.50 on the failed one
  // 10 days ago; $9.99 on it 40 days ago (outside the 30 days).
  await db.execute(sql`insert into ai_usage (photoshoot_id, upstream, model, images, input_tokens, output_tokens, cost_usd, created_at) values
    (${done?.id}, 'vision', 'gpt-4o-mini', 0, 1000, 200, 0.01, now()),
    (${done?.id}, 'images', 'gpt-image-1', 4, 2000, 4224, 0.25, now()),
    (null, 'prompts', 'gpt-4o-mini', 0, 500, 100, 0.02, now()),
    (${failed?.id}, 'images', 'gpt-image-1', 2, 1000, 2112, 0.5, now() - interval '10 days'),
    (${failed?.id}, 'images', 'gpt-image-1', 4, 0, 0, 9.99, now() - interval '40 days')`);
}

beforeAll(async () => {
  database = await createTestDatabase(10, { onQuery: (query) => statements.push(query) });
  await seedFixture();
});
afterAll(() => database.close());

function admin(options: { cache?: ReturnType<typeof createMemoryCache>; ttl?: number } = {}) {
  return createBotHarness({
    db: database.handle.db,
    adminIds: [ADMIN],
    freePhotoshoots: 2,
    cache: options.cache ?? createMemoryCache({ maxEntries: 10 }),
    ...(options.ttl !== undefined && { statsCacheTtlS: options.ttl }),
  });
}

async function ask(h: ReturnType<typeof admin>, text: string, from: number | Sender = ADMIN) {
  const before = h.sent().length;
  statements.length = 0;
  await h.handle(withId(textMessage(typeof from === 'number' ? { id: from } : from, text)));
  return {
    text: h
      .sent()
      .slice(before)
      .map((c) => String(c.payload.text))
      .join('\n'),
    statements: appStatements(),
  };
}

/** The admin's first reply to `text` sent from a Russian client. */
async function askInRussian(h: ReturnType<typeof createBotHarness>, text: string) {
  const before = h.sent().length;
  await h.handle(withId(textMessage({ id: ADMIN, language_code: 'ru' }, text)));
  return String(h.sent()[before]?.payload.text);
}

describe('/stats', () => {
  it('shows every figure as computed by hand, in one statement; each paid order counted once', async () => {
    const h = admin();
    await h.handle(withId(textMessage({ id: ADMIN }, '/start')));
    await database.handle.db.execute(sql`update users set balance = 2 where telegram_id = ${ADMIN}`);
    const { text, statements: used } = await ask(h, '/stats');
    expect(used).toHaveLength(1);
    // Users: A, B, C and the admin. New today: B and the admin; active this week: B, C, admin.
    expect(text).toContain('Users: 4 · new today 2 · new 7 days 3 · active 7 days 3');
    expect(text).toContain('Photoshoots: 2 · today 1 · failed 1');
    // The failed image was a free one: it counts as failed, neither free nor paid (3 delivered, all paid).
    expect(text).toContain('Images: 4 · today 3 · failed 1 · free 0 · paid 3');
    expect(text).toContain('Orders: 5 · paid 3 · pending 1 · refunded 1');
    // 150 + 450 + 1200: A has 4 images and 2 paid orders, yet each order counts once.
    expect(text).toContain('Revenue: 1,800 · today 150 · 30 days 600');
    // Beside it: 0.26 + 0.02 today; + 0.50 in 30 days; 2 photoshoots cost 0.76 together.
    expect(text).toContain(
      'Revenue: 1,800 · today 150 · 30 days 600\n🤖 AI spend: $0.28 today · $0.78 30 days (images: 6, per photoshoot: $0.38)',
    );
    expect(text).toContain('Photoshoots on balances: 10');
    expect(text).toMatch(/Top styles:\n1\. Marble — 3\n2\. Cafe — 1/);
    expect(text).toMatch(/\(fresh, \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
  });

  it('serves a second /stats within the TTL from the cache with no query; /stats fresh queries again', async () => {
    const h = admin({ cache: createMemoryCache({ maxEntries: 10 }), ttl: 60 });
    expect((await ask(h, '/stats')).statements).toHaveLength(1);
    const cached = await ask(h, '/stats');
    expect(cached.statements).toHaveLength(0);
    expect(cached.text).toContain('(cached,');
    const fresh = await ask(h, '/stats fresh');
    expect(fresh.statements).toHaveLength(1);
    expect(fresh.text).toContain('(fresh,');
  });

  it('starts "today" at midnight in the configured time zone', async () => {
    const db = database.handle.db;
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      const before = (await businessStats(db, zone)).users.today;
      const [edge] = await queryRows<{ start: string }>(
        db,
        sql`select (date_trunc('day', now() at time zone ${zone}) at time zone ${zone}) as start`,
      );
      const start = new Date(String(edge?.start));
      const local = new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(start);
      expect(local).toBe('00:00');
      const id = 8100 + (zone.length % 50);
      const { user } = await registerUser(db, { id, first_name: 'Edge' }, { freePhotoshoots: 0 });
      await db.execute(
        sql`update users set created_at = ${start.toISOString()}::timestamptz - interval '1 minute' where id = ${user.id}`,
      );
      expect((await businessStats(db, zone)).users.today).toBe(before);
      await db.execute(
        sql`update users set created_at = ${start.toISOString()}::timestamptz + interval '1 minute' where id = ${user.id}`,
      );
      expect((await businessStats(db, zone)).users.today).toBe(before + 1);
      await db.execute(sql`delete from users where id = ${user.id}`);
    }
  });
});

describe('AI spend in /stats', () => {
  it('reads only the last 30 days of ai_usage, through idx_ai_usage_created', async () => {
    const db = database.handle.db;
    // With sequential scans priced out, the plan shows whether the index can serve the range.
    const plan = await db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      const rows = await queryRows<{ 'QUERY PLAN': string }>(
        tx,
        sql`explain select coalesce(sum(cost_usd), 0) from ai_usage where created_at >= (select now() - interval '30 days')`,
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index (Only )?Scan using idx_ai_usage_created|Bitmap Index Scan on idx_ai_usage_created/);
  });

  it('speaks Russian to a Russian admin, and shows a dash for the cost per photoshoot when none was made', async () => {
    const db = database.handle.db;
    const h = admin();
    const russian = (text: string) => askInRussian(h, text);
    expect(await russian('/stats fresh')).toContain(
      '🤖 Расходы на ИИ: 0,28 $ сегодня · 0,78 $ за 30 дней (изображений: 6, на фотосессию: 0,38 $)',
    );
    // Every row moved out of the 30 days, then back.
    await db.execute(sql`update ai_usage set created_at = created_at - interval '100 days'`);
    try {
      expect((await ask(h, '/stats fresh')).text).toContain(
        '🤖 AI spend: $0.00 today · $0.00 30 days (images: 0, per photoshoot: —)',
      );
      expect(await russian('/stats fresh')).toContain('(изображений: 0, на фотосессию: —)');
    } finally {
      await db.execute(sql`update ai_usage set created_at = created_at + interval '100 days'`);
    }
  });

  it("/user sums the seller's last 20 photoshoots only (bounded for a seller with thousands)", async () => {
    const db = database.handle.db;
    const { user } = await registerUser(db, { id: 8300, first_name: 'Heavy' }, { freePhotoshoots: 0 });
    // 21 photoshoots a day apart; the oldest cost $100, each later one $1.
    await db.execute(sql`
      with made as (
        insert into photoshoots (user_id, status, aspect_ratio, source_file_id, credit_state, created_at)
        select ${user.id}, 'done', '1:1', 'f', 'committed', now() - g * interval '1 day' from generate_series(0, 20) g
        returning id, created_at)
      insert into ai_usage (photoshoot_id, upstream, model, images, cost_usd, created_at)
      select id, 'images', 'gpt-image-1', 4, case when created_at < now() - interval '19 days 12 hours' then 100 else 1 end,
             created_at from made`);
    expect((await ask(admin(), '/user 8300')).text).toContain(
      'AI cost: $20.00 over their last 20 photoshoots · per photoshoot: $1.00',
    );
  });

  it('/user of a seller without photoshoots shows no AI cost and a dash', async () => {
    expect((await ask(admin(), '/user 8003')).text).toContain(
      'AI cost: $0.00 over their last 0 photoshoots · per photoshoot: —',
    );
  });
});

describe('/user, /grant, /orders', () => {
  it('/user shows a profile, activity, styles, ratios, saved styles, orders and ledger in at most 4 statements', async () => {
    const h = admin();
    for (const who of ['8001', '@alpha_SHOP']) {
      const { text, statements: used } = await ask(h, `/user ${who}`);
      expect(used.length).toBeLessThanOrEqual(4);
      expect(text).toContain('👤 U8001 (@Alpha_shop, 8001) · language —');
      expect(text).toMatch(/\nJoined \d{4}-\d\d-\d\d \d\d:\d\d UTC · last seen \d{4}-\d\d-\d\d \d\d:\d\d UTC\n/);
      expect(text).toContain('Balance: 3 (2 bought, 1 free)');
      expect(text).toContain('Photoshoots: 2 (done 1, failed 1)');
      expect(text).toContain('Images: done 3, failed 1');
      expect(text).toContain('Top styles: Marble (3), Cafe (1)');
      expect(text).toContain('Aspect ratios: 1:1 ×3, 9:16 ×1');
      expect(text).toContain('Saved styles: Marble');
      expect(text).toContain('Orders: 4 (paid 2) · spent 600 ⭐');
      // Their last photoshoots, whenever made: 0.26 + 0.50 + 9.99 over 2.
      expect(text).toContain('AI cost: $10.75 over their last 2 photoshoots · per photoshoot: $5.38');
    }
  });

  it('/user refuses unknown and malformed ids and usernames carrying SQL', async () => {
    const h = admin();
    expect((await ask(h, '/user 424242')).text).toBe('No user “424242”.');
    for (const bad of ['/user', '/user 12ab', "/user @a'or'1'='1", '/user @x; drop table users', '/user -5']) {
      expect((await ask(h, bad)).text).toBe('Usage: /user <telegram id or @username>');
    }
    expect(parseUserLookup('@ab')).toBeUndefined();
    const [row] = await queryRows<{ n: number }>(database.handle.db, sql`select count(*)::int as n from users`);
    expect(Number(row?.n)).toBeGreaterThan(3);
  });

  it('/grant adds photoshoots through the ledger and tells the user; refuses bad amounts', async () => {
    const h = admin();
    const { text } = await ask(h, '/grant 8003 4');
    expect(text.split('\n')[0]).toBe('🎁 Granted 4 photoshoots to U8003 (8003). Their balance is now 9.');
    const toUser = h.sent().find((c) => c.payload.chat_id === 8003);
    expect(String(toUser?.payload.text)).toBe('🎁 Our team added 4 photoshoots to your balance. Your balance: 9.');
    const [grant] = await queryRows<{ delta: number; reason: string; reference: string }>(
      database.handle.db,
      sql`select delta, reason, reference from balance_ledger where reason = 'admin_grant' order by id desc limit 1`,
    );
    expect(grant).toEqual({ delta: 4, reason: 'admin_grant', reference: `admin:${ADMIN}` });
    for (const bad of [
      '/grant 8003 -5',
      '/grant 8003 0',
      '/grant 8003 abc',
      '/grant 8003 99999999',
      '/grant 8003',
      '/grant 8003 2 3',
    ]) {
      expect((await ask(h, bad)).text).toBe('Usage: /grant <telegram id or @username> <photoshoots, 1 to 1,000>');
    }
    expect((await ask(h, '/grant 555555 2')).text).toBe('No user “555555”.');
    const [c] = await queryRows<{ balance: number }>(
      database.handle.db,
      sql`select balance from users where telegram_id = 8003`,
    );
    expect(c?.balance).toBe(9);
  });

  it('/orders lists newest first by status, pages, and says when a page is beyond the end', async () => {
    const h = admin();
    const all = (await ask(h, '/orders')).text.split('\n');
    expect(all[0]).toBe('🧾 Orders (all), page 1, newest first:');
    expect(all.slice(1).map((l) => l.split(' · ')[1])).toEqual(['pending', 'paid', 'refunded', 'paid', 'paid']);
    const paid = (await ask(h, '/orders paid')).text.split('\n').slice(1);
    expect(paid.map((l) => l.split(' · ')[2])).toEqual(['150 ⭐', '450 ⭐', '1,200 ⭐']);
    expect(paid[0]).toContain('@Alpha_shop');
    expect((await ask(h, '/orders 99')).text).toBe('No orders (all) on page 99.');
    expect((await ask(h, '/orders refunded 1')).text.split('\n')).toHaveLength(2);
    expect((await ask(h, '/orders unknown')).text).toContain('Usage: /orders [status] [page]');
    await h.handle(withId(callbackQuery({ id: ADMIN }, ordersPageData.pack({ status: 'paid', page: 0 }))));
    expect(String(h.sent('editMessageText').at(-1)?.payload.text)).toContain('Orders (paid), page 1');
  });
});

describe('admin commands for anyone else', () => {
  it('answer exactly like an unknown command and read nothing', async () => {
    const h = admin();
    const unknown = (await ask(h, '/nonsense', 8002)).text;
    for (const command of ['/stats', '/stats fresh', '/user 8001', '/grant 8002 100', '/orders', '/refund 1']) {
      const { text, statements: used } = await ask(h, command, 8002);
      expect(text).toBe(unknown);
      expect(used.filter((s) => /orders|processed_images|balance_ledger/.test(s))).toEqual([]);
    }
    await h.handle(withId(callbackQuery({ id: 8002 }, ordersPageData.pack({ status: 'all', page: 0 }))));
    expect(h.sent('answerCallbackQuery').at(-1)?.payload.text).toBe('This button is no longer active.');
    expect(await balanceAndLedger(database.handle.db, 8002)).toMatchObject({ balance: 0 });
  });
});

describe('admin texts in words', () => {
  /** The order A bought and had refunded, as the ledger names it. */
  const refundedOrder = async () =>
    (await queryRows<{ id: number }>(database.handle.db, sql`select id from orders where invoice_payload = 'fx-4'`))[0]
      ?.id;
  const failedPhotoshoot = async () =>
    (
      await queryRows<{ id: number }>(
        database.handle.db,
        sql`select id from photoshoots where aspect_ratio = '9:16' and user_id = (select id from users where telegram_id = 8001)`,
      )
    )[0]?.id;
  /** The lines under the ledger heading, each time replaced by TIME. */
  const ledgerLines = (text: string, heading: string) =>
    text
      .slice(text.indexOf(heading) + heading.length)
      .trim()
      .split('\n')
      .map((line) => line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d /, 'TIME '));

  it('/user names every ledger reason in words, in the admin time zone, in English and Russian', async () => {
    const order = await refundedOrder();
    const photoshoot = await failedPhotoshoot();
    const h = createBotHarness({ db: database.handle.db, adminIds: [ADMIN], timeZone: 'Asia/Tokyo' });
    const en = await ask(h, '/user 8001');
    expect(ledgerLines(en.text, 'Last balance changes:')).toEqual([
      `TIME Asia/Tokyo · −3 · refund, order #${order}`,
      `TIME Asia/Tokyo · +1 · photoshoot #${photoshoot} returned (nothing delivered)`,
      `TIME Asia/Tokyo · −1 · photoshoot #${photoshoot} reserved`,
      `TIME Asia/Tokyo · +3 · purchase, order #${order}`,
      'TIME Asia/Tokyo · +2 · welcome gift',
    ]);
    expect(en.text).toMatch(/Joined \d{4}-\d\d-\d\d \d\d:\d\d Asia\/Tokyo · last seen .* Asia\/Tokyo\n/);
    expect(en.text).not.toMatch(/signup_bonus|photoshoot_re|order:\d|photoshoot:\d/);
    const ru = await askInRussian(h, '/user @alpha_shop');
    expect(ru).toContain('👤 U8001 (@Alpha_shop, 8001) · язык —');
    expect(ru).toContain('Соотношения сторон: 1:1 ×3, 9:16 ×1');
    expect(ledgerLines(ru, 'Последние изменения баланса:')).toEqual([
      `TIME Asia/Tokyo · −3 · возврат, заказ #${order}`,
      `TIME Asia/Tokyo · +1 · фотосессия #${photoshoot} возвращена (ничего не доставлено)`,
      `TIME Asia/Tokyo · −1 · фотосессия #${photoshoot} зарезервирована`,
      `TIME Asia/Tokyo · +3 · покупка, заказ #${order}`,
      'TIME Asia/Tokyo · +2 · приветственный подарок',
    ]);
  });

  it('/balance shows the seller the same reasons in words, in UTC', async () => {
    const order = await refundedOrder();
    const photoshoot = await failedPhotoshoot();
    const { text } = await ask(admin(), '/balance', SELLER_A);
    expect(ledgerLines(text, 'Recent changes:')).toEqual([
      `TIME UTC · −3 · refund, order #${order}`,
      `TIME UTC · +1 · photoshoot #${photoshoot} returned (nothing delivered)`,
      `TIME UTC · −1 · photoshoot #${photoshoot} reserved`,
      `TIME UTC · +3 · purchase, order #${order}`,
      'TIME UTC · +2 · welcome gift',
    ]);
  });

  it('/grant names the user with their @username and id, with plurals, and the gift shows in words', async () => {
    const db = database.handle.db;
    await registerUser(db, { id: 700000001, first_name: 'Ann', username: 'ann_shop' }, { freePhotoshoots: 0 });
    await registerUser(db, { id: 700000002, first_name: 'Bob', last_name: 'Lee' }, { freePhotoshoots: 0 });
    const h = admin();
    expect((await ask(h, '/grant @ann_shop 1')).text.split('\n')[0]).toBe(
      '🎁 Granted 1 photoshoot to Ann (@ann_shop, 700000001). Their balance is now 1.',
    );
    expect((await ask(h, '/grant 700000002 2')).text.split('\n')[0]).toBe(
      '🎁 Granted 2 photoshoots to Bob Lee (700000002). Their balance is now 2.',
    );
    const russian = (text: string) => askInRussian(h, text);
    expect(await russian('/grant 700000001 1')).toBe(
      '🎁 Начислена 1 фотосессия пользователю Ann (@ann_shop, 700000001). Его баланс теперь: 2.',
    );
    expect(await russian('/grant 700000001 5')).toBe(
      '🎁 Начислено 5 фотосессий пользователю Ann (@ann_shop, 700000001). Его баланс теперь: 7.',
    );
    expect(ledgerLines((await ask(h, '/user 700000001')).text, 'Last balance changes:')[0]).toBe(
      'TIME UTC · +5 · gift from our team',
    );
    expect(ledgerLines(await russian('/user 700000001'), 'Последние изменения баланса:')[0]).toBe(
      'TIME UTC · +5 · подарок от команды',
    );
  });

  it('/stats counts free and paid among delivered images only, in Russian too', async () => {
    const h = admin();
    const ru = await askInRussian(h, '/stats fresh');
    expect(ru).toMatch(/^📊 Статистика \(свежая, \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
    expect(ru).toContain('🖼 Изображения: 4 · сегодня 3 · с ошибкой 1 · бесплатных 0 · платных 3');
    const stats = await businessStats(database.handle.db, 'UTC');
    expect(stats.images.free + stats.images.paid).toBe(stats.images.total - stats.images.failed);
  });

  it('order lines show a flag only when there is one, in words around it', async () => {
    const db = database.handle.db;
    const h = admin();
    const unflagged = (await ask(h, '/orders')).text;
    expect(unflagged).not.toMatch(/flag|⚠️|: -|· -/);
    await db.execute(sql`update orders set flag = 'paid_after_expiry' where invoice_payload = 'fx-2'`);
    try {
      const lines = (await ask(h, '/orders paid')).text.split('\n');
      expect(lines.filter((l) => l.includes('⚠️'))).toEqual([
        expect.stringMatching(/ · U8001 \(@Alpha_shop, 8001\) · ⚠️ paid after its invoice expired$/),
      ]);
      const ru = await askInRussian(h, '/orders paid');
      expect(ru.split('\n')[0]).toBe('🧾 Заказы (оплачен), страница 1, сначала новые:');
      expect(ru).toMatch(
        / · оплачен · 450 ⭐ · 10 фотосессий · .* UTC · U8001 \(@Alpha_shop, 8001\) · ⚠️ оплачен после истечения счёта\n/,
      );
      // The support request's order lines: no "flag: -", the flag where there is one.
      await ask(h, '/paysupport', SELLER_A);
      const forwarded = (await ask(h, 'I was charged twice', SELLER_A)).text;
      expect(forwarded).toMatch(
        /#\d+ · 10 photoshoots · 450 ⭐ · paid · \d{4}-\d\d-\d\d \d\d:\d\d UTC · ⚠️ paid after its invoice expired\n/,
      );
      expect(forwarded).toMatch(/#\d+ · 3 photoshoots · 150 ⭐ · pending · \d{4}-\d\d-\d\d \d\d:\d\d UTC\n/);
      expect(forwarded).toContain('Payment support request from U8001 (@Alpha_shop, 8001):');
      expect(forwarded).not.toMatch(/flag/i);
    } finally {
      await db.execute(sql`update orders set flag = null where invoice_payload = 'fx-2'`);
    }
  });
});

describe('/help', () => {
  it('shows an admin the seller help and then the admin commands; a seller sees none of them', async () => {
    const h = admin();
    const seller = (await ask(h, '/help', 8002)).text;
    const forAdmin = (await ask(h, '/help')).text;
    expect(forAdmin.startsWith(`${seller}\n\n🛠 Admin commands (only admins see this part):\n`)).toBe(true);
    for (const command of ADMIN_COMMANDS) {
      expect(forAdmin).toMatch(new RegExp(`\\n/${command}( |$)`));
      expect(seller).not.toMatch(new RegExp(`/${command}\\b`));
    }
    expect(seller).not.toContain('🛠');
    const ru = await askInRussian(h, '/help');
    expect(ru).toContain('Как это работает');
    expect(ru).toContain(
      '\n\n🛠 Команды администратора (эту часть видят только администраторы):\n/stats — показатели бизнеса',
    );
  });
});
