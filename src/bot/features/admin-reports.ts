import { Composer, InlineKeyboard } from 'grammy';
import { z } from 'zod';
import { changeBalance } from '../../db/ledger.js';
import { ordersPage } from '../../db/order-pages.js';
import type { OrderStatus } from '../../db/orders.js';
import { orders } from '../../db/schema.js';
import { type BusinessStats, businessStats } from '../../db/stats.js';
import { userDetail } from '../../db/user-detail.js';
import { findUserBy, type UserLookup } from '../../db/users.js';
import type { Cache } from '../../services/cache.js';
import { isAdmin } from '../admins.js';
import { createCallbackData, parseWholeNumber, telegramId } from '../callback-data/codec.js';
import type { BotContext } from '../context.js';
import { tellAfterCommit } from '../tell-user.js';
import { formatTime, formatZonedTime } from '../views/time.js';

/** The most photoshoots one /grant may add (a typo should not mint thousands). */
export const MAX_GRANT = 1000;
const ORDERS_PAGE_SIZE = 10;
const ORDER_STATUSES = orders.status.enumValues;
const statusFilter = z.enum(['all', ...ORDER_STATUSES]);
/** Pages of /orders, counted from 0 in buttons; /orders takes 1..the last one. */
const ORDERS_PAGE_MAX = 100_000;
const ordersPage0 = z.coerce.number().int().min(0).max(ORDERS_PAGE_MAX);
const ordersPageArg = z.coerce.number().int().min(1).max(ORDERS_PAGE_MAX);
export const ordersPageData = createCallbackData('adm-orders', { status: statusFilter, page: ordersPage0 });

/** A Telegram id ("123456") or a username ("@shop_owner" or "shop_owner"); anything else is refused. */
export function parseUserLookup(text: string): UserLookup | undefined {
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    const id = parseWholeNumber(value, telegramId);
    return id === undefined ? undefined : { telegramId: id };
  }
  const username = /^@?([A-Za-z][A-Za-z0-9_]{3,31})$/.exec(value)?.[1];
  return username ? { username } : undefined;
}

// v2: the figures gained the AI spend; a v1 entry cached by an older release is not read.
const statsKey = (timeZone: string) => `stats:v2:${timeZone}`;

/** "none" selects the dash in the messages: a cost per photoshoot needs at least one. */
const perPhotoshoot = (cost: number | null) => cost ?? 'none';

function statsText(ctx: BotContext, stats: BusinessStats, timeZone: string, cached: boolean) {
  const top = stats.topStyles.map((s, i) => `${i + 1}. ${s.style} — ${s.images}`).join('\n') || '—';
  return ctx.t('admin-stats', {
    usersTotal: stats.users.total,
    usersToday: stats.users.today,
    usersWeek: stats.users.week,
    usersActive: stats.users.activeWeek,
    photoshootsTotal: stats.photoshoots.total,
    photoshootsToday: stats.photoshoots.today,
    photoshootsFailed: stats.photoshoots.failed,
    imagesTotal: stats.images.total,
    imagesToday: stats.images.today,
    imagesFailed: stats.images.failed,
    imagesFree: stats.images.free,
    imagesPaid: stats.images.paid,
    ordersTotal: stats.orders.total,
    ordersPaid: stats.orders.paid,
    ordersPending: stats.orders.pending,
    ordersRefunded: stats.orders.refunded,
    revenueTotal: stats.revenue.total,
    revenueToday: stats.revenue.today,
    revenueMonth: stats.revenue.month,
    aiToday: stats.ai.today,
    aiMonth: stats.ai.month,
    aiImages: stats.ai.imagesMonth,
    aiPerPhotoshoot: perPhotoshoot(stats.ai.perPhotoshoot),
    outstanding: stats.outstanding,
    top,
    at: formatTime(new Date(stats.computedAt), timeZone),
    zone: timeZone,
    source: cached ? 'cached' : 'fresh',
  });
}

/** /stats, /user, /grant and /orders for ADMIN_IDS; anyone else gets the unknown-command answer. */
export function createAdminReportsFeature(deps: { cache: Cache }) {
  const composer = new Composer<BotContext>();
  const admin = composer.chatType('private').filter(isAdmin);

  admin.command('stats', async (ctx) => {
    const { statsTimeZone: timeZone, statsCacheTtlS: ttl } = ctx.config.admin;
    const fresh = ctx.match.trim().toLowerCase() === 'fresh';
    let stats = fresh ? undefined : await deps.cache.get<BusinessStats>(statsKey(timeZone));
    const cached = stats !== undefined;
    if (!stats) {
      stats = await businessStats(ctx.db, timeZone);
      await deps.cache.set(statsKey(timeZone), stats, ttl);
    }
    await ctx.reply(statsText(ctx, stats, timeZone, cached));
  });

  admin.command('user', async (ctx) => {
    const lookup = parseUserLookup(ctx.match);
    if (!lookup) return ctx.reply(ctx.t('admin-user-usage'));
    const user = await userDetail(ctx.db, lookup);
    if (!user) return ctx.reply(ctx.t('admin-user-unknown', { user: ctx.match.trim() }));
    const tz = ctx.config.admin.statsTimeZone;
    const name = [user.firstName, user.lastName].filter(Boolean).join(' ') || '—';
    const ledger = user.ledger.map(
      (e) =>
        `${formatZonedTime(e.createdAt, tz)} ${e.delta > 0 ? '+' : ''}${e.delta} ${e.reason}${e.reference ? ` (${e.reference})` : ''}`,
    );
    await ctx.reply(
      ctx.t('admin-user', {
        id: String(user.telegramId),
        name,
        username: user.username ? `@${user.username}` : '—',
        language: user.languageCode ?? '—',
        joined: formatZonedTime(user.createdAt, tz),
        seen: formatZonedTime(user.lastSeenAt, tz),
        balance: user.balance,
        bought: user.bought,
        free: user.balance - user.bought,
        photoshoots: user.photoshoots.total,
        photoshootsDone: user.photoshoots.done,
        photoshootsFailed: user.photoshoots.failed,
        lastPhotoshoot: user.photoshoots.lastAt ? formatZonedTime(user.photoshoots.lastAt, tz) : '—',
        imagesDone: user.images.done,
        imagesFailed: user.images.failed,
        styles: user.topStyles.map((s) => `${s.style} (${s.images})`).join(', ') || '—',
        ratios: user.ratios.map((r) => `${r.ratio}: ${r.images}`).join(', ') || '—',
        saved: user.savedStyles.join(', ') || '—',
        orders: user.orders.total,
        paid: user.orders.paid,
        spent: user.orders.spent,
        aiCost: user.ai.costUsd,
        aiPhotoshoots: user.ai.photoshoots,
        aiPerPhotoshoot: perPhotoshoot(user.ai.photoshoots > 0 ? user.ai.costUsd / user.ai.photoshoots : null),
        ledger: ledger.join('\n') || '—',
      }),
    );
  });

  admin.command('grant', async (ctx) => {
    const [who = '', amount = '', ...rest] = ctx.match.trim().split(/\s+/);
    const lookup = parseUserLookup(who);
    const count = /^\d{1,7}$/.test(amount) ? Number(amount) : Number.NaN;
    if (!lookup || rest.length > 0 || !(count >= 1 && count <= MAX_GRANT)) {
      return ctx.reply(ctx.t('admin-grant-usage', { max: MAX_GRANT }));
    }
    const user = await findUserBy(ctx.db, lookup);
    if (!user) return ctx.reply(ctx.t('admin-user-unknown', { user: who }));
    const balance = await changeBalance(ctx.db, {
      userId: user.id,
      delta: count,
      reason: 'admin_grant',
      reference: `admin:${ctx.from.id}`,
    });
    ctx.logger.info({ user_id: user.id, granted: count, admin_id: ctx.from.id }, 'photoshoots granted');
    tellAfterCommit(ctx, user, { key: 'grant-user', variables: { count, balance } }, 'a grant', { user_id: user.id });
    await ctx.reply(ctx.t('admin-grant-done', { count, user: String(user.telegramId), balance }));
  });

  async function showOrders(ctx: BotContext, status: z.infer<typeof statusFilter>, page: number, edit: boolean) {
    const { entries, hasMore } = await ordersPage(ctx.db, {
      ...(status !== 'all' && { status: status as OrderStatus }),
      page,
      pageSize: ORDERS_PAGE_SIZE,
    });
    const keyboard = new InlineKeyboard();
    if (page > 0) keyboard.text(ctx.t('button-prev'), ordersPageData.pack({ status, page: page - 1 }));
    if (hasMore) keyboard.text(ctx.t('button-next'), ordersPageData.pack({ status, page: page + 1 }));
    const tz = ctx.config.admin.statsTimeZone;
    const text =
      entries.length === 0
        ? ctx.t(page === 0 ? 'admin-orders-empty' : 'admin-orders-beyond', { page: page + 1, status })
        : [
            ctx.t('admin-orders-title', { status, page: page + 1 }),
            ...entries.map((o) =>
              ctx.t('admin-orders-line', {
                id: String(o.id),
                status: o.status,
                stars: o.amount,
                count: o.photoshoots,
                date: formatZonedTime(o.createdAt, tz),
                user: o.username ? `@${o.username}` : String(o.telegramId),
                flag: o.flag ? ` ⚠️ ${o.flag}` : '',
              }),
            ),
          ].join('\n');
    if (entries.length === 0 && page > 0)
      keyboard.text(ctx.t('button-first-page'), ordersPageData.pack({ status, page: 0 }));
    if (edit) await ctx.editMessageText(text, { reply_markup: keyboard });
    else await ctx.reply(text, { reply_markup: keyboard });
  }

  admin.command('orders', async (ctx) => {
    const args = ctx.match.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let status: z.infer<typeof statusFilter> = 'all';
    let page = 1;
    for (const arg of args) {
      const parsedStatus = statusFilter.safeParse(arg);
      if (parsedStatus.success) status = parsedStatus.data;
      else if (parseWholeNumber(arg, ordersPageArg) !== undefined) page = Number(arg);
      else return ctx.reply(ctx.t('admin-orders-usage', { statuses: ORDER_STATUSES.join(', ') }));
    }
    await showOrders(ctx, status, page - 1, false);
  });

  admin.callbackQuery(ordersPageData.filter, async (ctx) => {
    const data = ordersPageData.unpack(ctx.callbackQuery.data);
    if (!data) return ctx.answerCallbackQuery({ text: ctx.t('button-expired') });
    await ctx.answerCallbackQuery();
    await showOrders(ctx, data.status, data.page, true);
  });

  return composer;
}
