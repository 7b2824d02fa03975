import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ComplianceSummary } from '../services/image-compliance.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const ledgerReason = pgEnum('ledger_reason', [
  'signup_bonus',
  'photoshoot_reserve',
  'photoshoot_release',
  'purchase',
  'refund',
  'admin_grant',
]);

export const orderStatus = pgEnum('order_status', ['pending', 'paid', 'refunded', 'canceled', 'failed']);

export const photoshootStatus = pgEnum('photoshoot_status', ['queued', 'running', 'done', 'failed', 'canceled']);

export const imageStatus = pgEnum('image_status', ['pending', 'done', 'failed']);

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    telegramId: bigint('telegram_id', { mode: 'number' }).notNull().unique(),
    username: text('username'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    languageCode: text('language_code'),
    /** Locale chosen with /language; null: follow language_code. */
    locale: text('locale'),
    /** Photoshoots the user can still start. Changed only through db/ledger.ts. */
    balance: integer('balance').notNull().default(0),
    imagesProcessed: integer('images_processed').notNull().default(0),
    /** Deep-link payload of the first /start that carried one. */
    startPayload: text('start_payload'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the user blocked the bot (a 403, or my_chat_member "kicked"); null: reachable. */
    blockedAt: timestamp('blocked_at', { withTimezone: true }),
  },
  (t) => [
    check('users_balance_non_negative', sql`${t.balance} >= 0`),
    check('users_images_processed_non_negative', sql`${t.imagesProcessed} >= 0`),
    // Admins look people up by @username (/user, /grant), case-insensitively.
    index('idx_users_username_lower').on(sql`lower(${t.username})`),
  ],
);

export const balanceLedger = pgTable(
  'balance_ledger',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    delta: integer('delta').notNull(),
    reason: ledgerReason('reason').notNull(),
    /** What caused the change: an order id, a photoshoot id, an admin id. */
    reference: text('reference'),
    balanceAfter: integer('balance_after').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    check('balance_ledger_delta_non_zero', sql`${t.delta} <> 0`),
    index('idx_balance_ledger_user_created').on(t.userId, t.createdAt),
    // The signup bonus is granted once per user, whatever races the application has.
    uniqueIndex('uq_balance_ledger_signup_bonus').on(t.userId).where(sql`${t.reason} = 'signup_bonus'`),
  ],
);

export const orders = pgTable(
  'orders',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    packageCode: text('package_code').notNull(),
    /** Price in Telegram Stars (XTR), whole units. */
    amount: integer('amount').notNull(),
    photoshoots: integer('photoshoots').notNull(),
    status: orderStatus('status').notNull().default('pending'),
    invoicePayload: text('invoice_payload').notNull().unique(),
    telegramPaymentChargeId: text('telegram_payment_charge_id').unique(),
    createdAt: createdAt(),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    refundedAt: timestamp('refunded_at', { withTimezone: true }),
    /** A pending order past this moment is refused at checkout and swept to canceled. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** Why a payment needs an admin's eye: paid after expiry, unknown invoice, paid twice. */
    flag: text('flag'),
    /** Photoshoots taken back from the balance at refund, and those already spent (not taken back). */
    refundDebited: integer('refund_debited'),
    refundShortfall: integer('refund_shortfall'),
    /**
     * Photoshoots of this order still on the balance (bought, unspent): set to `photoshoots` when
     * the order is paid, spent oldest order first after the free ones, 0 once refunded. Changed
     * only by db/ledger.ts, with the balance.
     */
    remaining: integer('remaining').notNull().default(0),
  },
  (t) => [
    check('orders_amount_positive', sql`${t.amount} > 0`),
    check('orders_photoshoots_positive', sql`${t.photoshoots} > 0`),
    check('orders_remaining_range', sql`${t.remaining} between 0 and ${t.photoshoots}`),
    // The seed's performance indexes (second migration).
    index('idx_orders_created').on(t.createdAt),
    index('idx_orders_paid').on(t.paidAt),
    index('idx_orders_status_created').on(t.status, t.createdAt),
    index('idx_orders_user_status').on(t.userId, t.status),
  ],
);

export const styleSource = pgEnum('style_source', ['analysis', 'random', 'saved', 'same', 'retry', 'packshot']);

export const creditState = pgEnum('credit_state', ['reserved', 'committed', 'released', 'free']);

/** A photoshoot is a durable job: queued, claimed by a worker, delivered, charged or released. */
export const photoshoots = pgTable(
  'photoshoots',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    status: photoshootStatus('status').notNull().default('queued'),
    aspectRatio: text('aspect_ratio').notNull(),
    sourceFileId: text('source_file_id').notNull(),
    isFree: boolean('is_free').notNull().default(false),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Where results go. */
    chatId: bigint('chat_id', { mode: 'number' }).notNull().default(0),
    /** Telegram's stable id of the photo: the analysis cache key. */
    sourceFileUniqueId: text('source_file_unique_id'),
    styleSource: styleSource('style_source').notNull().default('analysis'),
    /** The credit behind this job: reserved at Generate, then committed or released exactly once. */
    creditState: creditState('credit_state').notNull().default('reserved'),
    /** Photos of one batch share it; a batch may hold several active jobs of one user. */
    batchId: text('batch_id'),
    /** The job this one repeats (same style again, retry of failed styles). */
    parentId: integer('parent_id'),
    /** The paid order whose photoshoot this job reserved; null for a free credit or a free repeat. */
    orderId: integer('order_id').references(() => orders.id),
    attempts: integer('attempts').notNull().default(0),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    progressMessageId: bigint('progress_message_id', { mode: 'number' }),
    /** Set by /cancel; a running job stops at its next step. */
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    /** When the worker began sending the results: from then on /cancel no longer stops the job. */
    deliveringAt: timestamp('delivering_at', { withTimezone: true }),
    /**
     * The worker process running the job; with `attempts` it is the ownership token: every
     * heartbeat and write of a run checks both, so a run whose job was taken over stops.
     */
    owner: text('owner'),
    /** The seller's message with the source photo: the results reply to it. */
    sourceMessageId: integer('source_message_id'),
    /** The marketplace preset the images are made for (services/marketplace-presets.ts); null: free. */
    marketplace: text('marketplace'),
  },
  (t) => [
    // At most one active (queued or running) photoshoot per user outside batches: double taps
    // and concurrent confirms cannot create a second job or a second charge.
    uniqueIndex('uq_photoshoots_one_active_per_user')
      .on(t.userId)
      .where(sql`${t.status} in ('queued', 'running') and ${t.batchId} is null`),
    index('idx_photoshoots_queue').on(t.status, t.createdAt),
    index('idx_photoshoots_user_created').on(t.userId, t.createdAt),
    // A refund counts the order's photoshoots still running.
    index('idx_photoshoots_order').on(t.orderId).where(sql`${t.orderId} is not null`),
  ],
);

/** A style a user kept: at most 4, one per slot (the database enforces the limit). */
export const savedStyles = pgTable(
  'saved_styles',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    slot: integer('slot').notNull(),
    name: text('name').notNull(),
    /** The scene description, without the product-preservation text (added at use). */
    scene: text('scene').notNull(),
    createdAt: createdAt(),
    /**
     * The scene's content, for refusing the same style saved twice under another name:
     * md5(lower(regexp_replace(btrim(scene), '\s+', ' ', 'g'))). Null only on a duplicate saved
     * before the check existed.
     */
    contentHash: text('content_hash'),
    /** The preview of the image the style was saved from: its example picture. */
    exampleFileId: text('example_file_id'),
  },
  (t) => [
    check('saved_styles_slot_range', sql`${t.slot} between 1 and 4`),
    uniqueIndex('uq_saved_styles_user_slot').on(t.userId, t.slot),
    uniqueIndex('uq_saved_styles_user_content').on(t.userId, t.contentHash),
  ],
);

/** A photo of a draft: Telegram's file ids and the seller's message that carried it (results reply to it). */
export interface DraftPhoto {
  fileId: string;
  fileUniqueId: string;
  messageId?: number;
}

/** A chosen style; `key` names a catalogue style (its gallery example), absent for others. */
export interface DraftStyle {
  name: string;
  scene: string;
  key?: string;
  /** The product alone on a plain background: the one kind a main-image preset takes. */
  plain?: boolean;
}

/**
 * A photoshoot being set up (photo -> ratio -> styles -> confirm). Kept in the database so the
 * buttons still work after a restart, on any instance, and so Generate can be accepted once.
 */
export const photoshootDrafts = pgTable(
  'photoshoot_drafts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    chatId: bigint('chat_id', { mode: 'number' }).notNull(),
    /** One or more photos: [{ fileId, fileUniqueId, messageId }]; several make a batch. */
    photos: jsonb('photos').$type<DraftPhoto[]>().notNull(),
    /** Telegram's album id when the photos came as one album. */
    mediaGroupId: text('media_group_id'),
    aspectRatio: text('aspect_ratio'),
    styleSource: styleSource('style_source'),
    /** The chosen styles: [{ name, scene, key }] (key: the catalogue style's id, for its example). */
    styles: jsonb('styles').$type<DraftStyle[]>(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    createdAt: createdAt(),
    /** The caption sent with the photo ("white background, for a marketplace"): the seller's wish for the styles. */
    wish: text('wish'),
    /** The message of the set-up steps (edited from step to step), to come back to after a payment. */
    messageId: integer('message_id'),
    /** Set when Generate was pressed while another photoshoot ran: the draft starts when that one ends. */
    waitingSince: timestamp('waiting_since', { withTimezone: true }),
    /** The marketplace preset chosen with the ratio (services/marketplace-presets.ts); null: free. */
    marketplace: text('marketplace'),
  },
  (t) => [
    index('idx_photoshoot_drafts_user').on(t.userId, t.createdAt),
    // The worker's sweep for drafts waiting for their seller's running photoshoot to end.
    index('idx_photoshoot_drafts_waiting')
      .on(t.userId)
      .where(sql`${t.waitingSince} is not null and ${t.submittedAt} is null`),
    uniqueIndex('uq_photoshoot_drafts_album').on(t.userId, t.mediaGroupId),
  ],
);

/**
 * A style preview: the product's analysis and the style prompts drawn from it, queued work run
 * by the worker (not inside an update). Its message is the one that says "analysing" and is
 * edited into the confirm step (or back to the style source, with the reason, when it fails).
 */
export const stylePreviews = pgTable(
  'style_previews',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    draftId: integer('draft_id')
      .notNull()
      .references(() => photoshootDrafts.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    chatId: bigint('chat_id', { mode: 'number' }).notNull(),
    /** The message the result replaces. */
    messageId: integer('message_id').notNull(),
    /** The seller's language when they asked. */
    locale: text('locale').notNull(),
    fileId: text('file_id').notNull(),
    fileUniqueId: text('file_unique_id').notNull(),
    aspectRatio: text('aspect_ratio').notNull(),
    /** queued -> running -> done | failed (a running one goes back to queued at shutdown or when stale). */
    status: text('status').notNull().default('queued'),
    /** The worker running it; with `attempts`, the run's ownership token. */
    owner: text('owner'),
    attempts: integer('attempts').notNull().default(0),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    error: text('error'),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    check('style_previews_status', sql`${t.status} in ('queued', 'running', 'done', 'failed')`),
    // One preview at a time per draft: a second tap while one runs queues nothing.
    uniqueIndex('uq_style_previews_active_draft').on(t.draftId).where(sql`${t.status} in ('queued', 'running')`),
    index('idx_style_previews_queued').on(t.id).where(sql`${t.status} = 'queued'`),
  ],
);

/**
 * The style gallery: one example picture per catalogue style, made once per deployment by an
 * admin's /gallery build on a sample product and reused (Telegram file ids) for every seller.
 */
export const styleGallery = pgTable('style_gallery', {
  /** The catalogue style's id (services/style-catalogue.ts). */
  styleKey: text('style_key').primaryKey(),
  /** The example as a Telegram photo, sent by file id. */
  fileId: text('file_id').notNull(),
  builtAt: timestamp('built_at', { withTimezone: true }).notNull().defaultNow(),
  /** The admin who built it. */
  builtBy: integer('built_by').references(() => users.id),
});

export const processedImages = pgTable(
  'processed_images',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    photoshootId: integer('photoshoot_id').references(() => photoshoots.id),
    orderId: integer('order_id').references(() => orders.id),
    style: text('style').notNull(),
    prompt: text('prompt'),
    aspectRatio: text('aspect_ratio').notNull(),
    isFree: boolean('is_free').notNull().default(false),
    sourceFileId: text('source_file_id'),
    resultFileId: text('result_file_id'),
    status: imageStatus('status').notNull().default('pending'),
    error: text('error'),
    createdAt: createdAt(),
    /** Order within the photoshoot (0-3). */
    position: integer('position').notNull().default(0),
    /** The compressed preview sent in the album. */
    previewFileId: text('preview_file_id'),
    /** The rendered PNG, kept until it is delivered (then cleared), so it is never generated twice. */
    rendered: bytea('rendered'),
    /** A marketplace preset's checks of the delivered file (services/image-compliance.ts); null: no preset. */
    compliance: jsonb('compliance').$type<ComplianceSummary>(),
  },
  (t) => [
    index('idx_processed_images_photoshoot').on(t.photoshootId),
    // The seed's performance indexes (second migration).
    index('idx_processed_images_created').on(t.createdAt),
    index('idx_processed_images_user_created').on(t.userId, t.createdAt),
    index('idx_processed_images_style').on(t.style),
    // Extended with ratio and status so an admin's /user reads a seller's images from the index alone.
    index('idx_processed_images_user_style').on(t.userId, t.style, t.aspectRatio, t.status),
  ],
);

/**
 * A question the bot asked and the user answers with their next text message (a name for a
 * saved style, a message for payment support). One per user; a new question replaces it.
 */
export const pendingInputs = pgTable('pending_inputs', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id),
  kind: text('kind').notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
});

/**
 * What each AI call consumed, one row per answer: the cost per photoshoot and the AI spend in
 * /stats are sums over it. `photoshoot_id` is null for calls made outside a photoshoot.
 */
export const aiUsage = pgTable(
  'ai_usage',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    photoshootId: integer('photoshoot_id').references(() => photoshoots.id),
    upstream: text('upstream').notNull(),
    model: text('model').notNull(),
    images: integer('images').notNull().default(0),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    /** How long the answer took, request to response (the queue estimate's image latency). */
    durationMs: integer('duration_ms'),
    createdAt: createdAt(),
  },
  (t) => [
    index('idx_ai_usage_created').on(t.createdAt),
    index('idx_ai_usage_photoshoot').on(t.photoshootId).where(sql`${t.photoshootId} is not null`),
  ],
);

/**
 * A token bucket shared by every process on the database (the image provider's per-minute
 * limit is per account, not per process): `tokens` as of `refilled_at`, and a pause that a
 * 429 with retry-after sets for everyone.
 */
export const rateBudgets = pgTable('rate_budgets', {
  name: text('name').primaryKey(),
  tokens: doublePrecision('tokens').notNull(),
  refilledAt: timestamp('refilled_at', { withTimezone: true }).notNull().defaultNow(),
  pausedUntil: timestamp('paused_until', { withTimezone: true }),
});

/**
 * An upstream's account failure (invalid key, verification, quota) as one incident across
 * processes: the process that opens it (closed -> open) alerts the admins once, the one that
 * closes it says it recovered.
 */
export const upstreamIncidents = pgTable('upstream_incidents', {
  upstream: text('upstream').primaryKey(),
  reason: text('reason').notNull(),
  openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
  /** Null while the incident lasts. */
  recoveredAt: timestamp('recovered_at', { withTimezone: true }),
});
