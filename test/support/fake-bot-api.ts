import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatMember, ChatMemberUpdated, Update, User, UserFromGetMe } from 'grammy/types';
import { handleRequests, readBody } from './http.js';
import { type FilePart, parseMultipart } from './multipart.js';

export interface RecordedCall {
  method: string;
  token: string;
  payload: Record<string, unknown>;
  /** Files uploaded with the call (multipart). */
  files: FilePart[];
  at: number;
}

export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  path: string;
  data: Buffer;
}

export type MethodHandler = (payload: Record<string, unknown>, call: RecordedCall) => unknown;

interface ApiFailure {
  error_code: number;
  description: string;
  parameters?: Record<string, unknown>;
}

export const FAKE_BOT_INFO: UserFromGetMe = {
  id: 777_000_001,
  is_bot: true,
  first_name: 'Photoshoot Test Bot',
  username: 'photoshoot_test_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

type UpdateBody = Omit<Update, 'update_id'> & Record<string, unknown>;

/** Bots can download files of at most 20 MB (Bot API, getFile). */
export const DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024;

/**
 * Telegram's text limits, counted in UTF-16 code units as Telegram counts (entity offsets are
 * UTF-16), with the descriptions Telegram answers them with. Limits: Bot API sendMessage/
 * editMessageText text 1-4096, captions 0-1024, answerCallbackQuery text 0-200. Descriptions
 * as real bots saw them: "message is too long" (tdlib/telegram-bot-api#353), "message caption
 * is too long" (tactilenews/100eyes#1594), "MESSAGE_TOO_LONG" for a callback answer
 * (eternnoir/pyTelegramBotAPI#500), "message text is empty".
 */
function checkTextLimits(method: string, payload: Record<string, unknown>): void {
  const text = typeof payload.text === 'string' ? payload.text : undefined;
  if (method === 'sendMessage' || method === 'editMessageText') {
    if (!text?.trim()) throw new Error('message text is empty');
    if (text.length > 4096) throw new Error('message is too long');
  }
  if (method === 'answerCallbackQuery' && text && text.length > 200) throw new Error('MESSAGE_TOO_LONG');
  const media = typeof payload.media === 'string' ? JSON.parse(payload.media) : payload.media;
  const captions =
    method === 'sendMediaGroup' && Array.isArray(media)
      ? (media as { caption?: unknown }[]).map((m) => m.caption)
      : [payload.caption];
  if (captions.some((c) => typeof c === 'string' && c.length > 1024)) throw new Error('message caption is too long');
}

/**
 * A second answer to one callback query, as Telegram answers it (aiogram_dialog#145 and
 * nutgram/nutgram#725 show the full description from api.telegram.org). Telegram also gives it
 * for a query answered too late (~15 s); a query is answered once.
 */
export const QUERY_TOO_OLD = 'query is too old and response timeout expired or query ID is invalid';

/**
 * An edit that changes nothing: editMessageText / editMessageCaption / editMessageReplyMarkup
 * with the content and markup the message already has. The description is the one Telegram
 * sends (eternnoir/pyTelegramBotAPI#763, daniel-hauser/moneyman#133).
 */
export const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

/**
 * What every call to a user who blocked the bot answers (403; tucnak/telebot#659 lists
 * Telegram's 403 descriptions, TelegramBot/Api#382 shows it from a real bot).
 */
export const BLOCKED_BY_USER = 'Forbidden: bot was blocked by the user';

/** Methods that address a chat and fail with 403 once its user blocked the bot. */
const reachesChat = (method: string) => /^(send|edit|copy|forward)/.test(method);

/** The keyboard of a message as a comparable string ('' for none); multipart bodies carry it as JSON text. */
function markupOf(value: unknown): string {
  const markup = (typeof value === 'string' ? JSON.parse(value) : value) as { inline_keyboard?: unknown[] } | undefined;
  return markup?.inline_keyboard?.length ? JSON.stringify(markup.inline_keyboard) : '';
}

/** The formatted text (or caption) of a message, as Telegram compares it for an edit. */
function formatted(text: unknown, parseMode: unknown, entities: unknown): string {
  return JSON.stringify([
    text ?? '',
    parseMode ?? '',
    typeof entities === 'string' ? JSON.parse(entities) : (entities ?? []),
  ]);
}

interface StoredMessage {
  text?: string;
  caption?: string;
  /** formatted() of the text or caption. */
  content: string;
  markup: string;
}

/**
 * A local stand-in for the Telegram Bot API over real HTTP, so the real grammY client (and
 * runner) run against it: getUpdates long polling with offsets, the methods the bot calls, a
 * record of every call, and failure injection.
 */
export class FakeBotApi {
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private readonly pending: Update[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private readonly waiters = new Set<() => void>();
  private readonly handlers = new Map<string, MethodHandler>();
  private readonly failures = new Map<string, ApiFailure[]>();
  /** The highest offset a getUpdates call has confirmed. */
  confirmedOffset = 0;
  /** Files the bot can download (getFile) or has uploaded, by file_id. */
  readonly files = new Map<string, StoredFile>();
  private nextFileId = 1;
  /** How many download requests were made (a file can be asked for many times). */
  downloads = 0;

  constructor(readonly options: { token?: string; botInfo?: UserFromGetMe } = {}) {
    const ok = () => true;
    this.handlers.set('getMe', () => this.options.botInfo ?? FAKE_BOT_INFO);
    this.handlers.set('deleteWebhook', ok);
    this.handlers.set('setMyCommands', ok);
    this.handlers.set('answerCallbackQuery', (p) => {
      const id = String(p.callback_query_id ?? '');
      if (this.answeredQueries.has(id)) throw new Error(QUERY_TOO_OLD);
      this.answeredQueries.add(id);
      return true;
    });
    this.handlers.set('sendMessage', (p) => this.message(p));
    this.handlers.set('editMessageText', (p) => this.edit(p, 'text'));
    this.handlers.set('editMessageCaption', (p) => this.edit(p, 'caption'));
    this.handlers.set('editMessageReplyMarkup', (p) => this.edit(p, 'markup'));
    this.handlers.set('sendPhoto', (p, call) => this.single(p, call, 'photo'));
    this.handlers.set('sendDocument', (p, call) => this.single(p, call, 'document'));
    this.handlers.set('deleteMessage', ok);
    this.handlers.set('sendChatAction', ok);
    this.handlers.set('getFile', (p) => {
      const file = this.files.get(String(p.file_id));
      if (!file) throw new Error('wrong file_id or the file is temporarily unavailable');
      if (file.data.length > DOWNLOAD_MAX_BYTES) throw new Error('file is too big');
      return {
        file_id: file.fileId,
        file_unique_id: file.fileUniqueId,
        file_size: file.data.length,
        file_path: file.path,
      };
    });
    this.handlers.set('sendMediaGroup', (p, call) => this.mediaGroup(p, call));
    this.handlers.set('sendInvoice', (p) => this.invoice(p));
    this.handlers.set('answerPreCheckoutQuery', ok);
    this.handlers.set('refundStarPayment', (p) => {
      const charge = String(p.telegram_payment_charge_id ?? '');
      if (!charge || !p.user_id) throw new Error('user_id and telegram_payment_charge_id are required');
      if (this.refundedCharges.has(charge)) throw new Error('CHARGE_ALREADY_REFUNDED');
      this.refundedCharges.add(charge);
      return true;
    });
  }

  /** Charges refunded through refundStarPayment (a second refund is refused, as Telegram does). */
  readonly refundedCharges = new Set<string>();

  /** Telegram's checks on an invoice, for Stars: one price, whole Stars, empty provider token. */
  private invoice(payload: Record<string, unknown>) {
    const title = String(payload.title ?? '');
    const description = String(payload.description ?? '');
    const invoicePayload = String(payload.payload ?? '');
    const prices = (typeof payload.prices === 'string' ? JSON.parse(payload.prices) : payload.prices) as
      | { label: string; amount: number }[]
      | undefined;
    const length = (text: string) => text.length; // UTF-16 code units, as Telegram counts
    if (length(title) < 1 || length(title) > 32) throw new Error('invoice title must be 1-32 characters');
    if (length(description) < 1 || length(description) > 255)
      throw new Error('invoice description must be 1-255 characters');
    const bytes = Buffer.byteLength(invoicePayload, 'utf8');
    if (bytes < 1 || bytes > 128) throw new Error('invoice payload must be 1-128 bytes');
    if (payload.currency === 'XTR') {
      if (payload.provider_token !== undefined && payload.provider_token !== '')
        throw new Error('provider_token must be empty for XTR');
      if (!Array.isArray(prices) || prices.length !== 1) throw new Error('Stars invoices take exactly one price');
      const amount = prices[0]?.amount ?? 0;
      if (!Number.isInteger(amount) || amount < 1 || amount > 10_000) throw new Error('CURRENCY_TOTAL_AMOUNT_INVALID');
    }
    const total = (prices ?? []).reduce((sum, p) => sum + p.amount, 0);
    return {
      ...this.message(payload),
      invoice: { title, description, start_parameter: '', currency: String(payload.currency), total_amount: total },
    };
  }

  /** Stores a file as if a user had sent it; returns its ids. */
  addFile(data: Buffer, extension = 'jpg'): { file_id: string; file_unique_id: string } {
    const n = this.nextFileId++;
    const file = { fileId: `file-${n}`, fileUniqueId: `uniq-${n}`, path: `photos/file_${n}.${extension}`, data };
    this.files.set(file.fileId, file);
    return { file_id: file.fileId, file_unique_id: file.fileUniqueId };
  }

  /** Callback queries already answered (a second answer is refused). */
  private readonly answeredQueries = new Set<string>();
  /** What each sent message holds, by `chat:message`, so an edit to the same content is refused. */
  private readonly messages = new Map<string, StoredMessage>();
  /** Chats whose user has blocked the bot. */
  private readonly blocked = new Set<number>();

  /**
   * An uploaded file (attach://, multipart) gets a new file id; a known file id is sent again.
   * URLs are not fetched here.
   */
  private resolveMedia(ref: string, call: RecordedCall, extension: string): { stored: StoredFile; filename: string } {
    if (ref.startsWith('attach://')) {
      const part = call.files.find((f) => f.name === ref.slice('attach://'.length));
      if (!part) throw new Error(`no file uploaded for ${ref}`);
      const ids = this.addFile(part.data, extension);
      const stored = this.files.get(ids.file_id) as StoredFile;
      return { stored, filename: part.filename ?? `file.${extension}` };
    }
    const stored = this.files.get(ref);
    if (!stored) throw new Error('wrong file identifier/HTTP URL specified');
    return { stored, filename: stored.path.split('/').at(-1) ?? 'file' };
  }

  /**
   * Telegram answers a photo with several sizes, smallest first (Bot API, Message.photo:
   * "available sizes of the photo"); each size has its own file_id. Here: a 320 px thumbnail
   * and the full picture.
   */
  private photoSizes(stored: StoredFile) {
    const thumbnail = this.files.get(this.addFile(stored.data, 'jpg').file_id) as StoredFile;
    const size = (file: StoredFile, side: number) => ({
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      file_size: file.data.length,
      width: side,
      height: side,
    });
    return [size(thumbnail, 320), size(stored, 1024)];
  }

  private mediaMessage(
    payload: Record<string, unknown>,
    item: { type: string; caption?: unknown; parse_mode?: unknown; caption_entities?: unknown },
    media: { stored: StoredFile; filename: string },
  ) {
    const caption = typeof item.caption === 'string' && item.caption !== '' ? item.caption : undefined;
    const content = formatted(caption, item.parse_mode, item.caption_entities);
    const base = this.message(payload, this.nextMessageId++, {
      ...(caption !== undefined && { caption }),
      content,
      markup: markupOf(payload.reply_markup),
    });
    const { stored, filename } = media;
    if (item.type === 'photo') return { ...base, photo: this.photoSizes(stored) };
    const mime = filename.endsWith('.png') ? 'image/png' : filename.endsWith('.jpg') ? 'image/jpeg' : undefined;
    return {
      ...base,
      document: {
        file_id: stored.fileId,
        file_unique_id: stored.fileUniqueId,
        file_size: stored.data.length,
        file_name: filename,
        ...(mime && { mime_type: mime }),
      },
    };
  }

  /** sendPhoto / sendDocument: one file (uploaded or a known file id) with an optional caption. */
  private single(payload: Record<string, unknown>, call: RecordedCall, type: 'photo' | 'document') {
    const ref = payload[type];
    if (typeof ref !== 'string' || ref === '') throw new Error(`there is no ${type} in the request`);
    const media = this.resolveMedia(ref, call, type === 'photo' ? 'jpg' : 'png');
    return this.mediaMessage(payload, { type, ...payload }, media);
  }

  /** Media groups: uploaded files (attach://) get new file ids; known file ids are re-sent. */
  private mediaGroup(payload: Record<string, unknown>, call: RecordedCall) {
    // JSON bodies carry the array itself; multipart ones (with uploads) carry it as a string.
    const media = (typeof payload.media === 'string' ? JSON.parse(payload.media) : payload.media) as {
      type: string;
      media: string;
      caption?: string;
    }[];
    if (media.length < 2 || media.length > 10) throw new Error('media group must include 2-10 items');
    // Resolve every item first: a bad item sends nothing of the album.
    const resolved = media.map((item) => this.resolveMedia(item.media, call, item.type === 'photo' ? 'jpg' : 'png'));
    return media.map((item, i) =>
      this.mediaMessage(payload, item, resolved[i] as { stored: StoredFile; filename: string }),
    );
  }

  get apiRoot(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('FakeBotApi is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer(handleRequests((req, res) => this.route(req, res)));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  /** Stops listening (connections dropped, new ones refused) but keeps its state and port. */
  async goOffline(): Promise<void> {
    this.offlinePort = Number(new URL(this.apiRoot).port);
    await this.close();
  }

  /** Listens again on the port it had before goOffline(), with the same updates and calls. */
  async comeBack(): Promise<void> {
    this.server = createServer(handleRequests((req, res) => this.route(req, res)));
    this.server.listen(this.offlinePort, '127.0.0.1');
    await once(this.server, 'listening');
  }

  private offlinePort = 0;

  async close(): Promise<void> {
    for (const wake of this.waiters) wake();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Replaces or adds a method. */
  on(method: string, handler: MethodHandler): void {
    this.handlers.set(method, handler);
  }

  private readonly holds = new Map<string, Promise<unknown>[]>();

  /** The next call of `method` is answered as usual, but only once `until` settles (the test picks the instant). */
  holdNext(method: string, until: Promise<unknown>): void {
    this.holds.set(method, [...(this.holds.get(method) ?? []), until]);
  }

  /** The next call(s) of `method` fail with this error, once each. */
  failNext(method: string, failure: ApiFailure, times = 1): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(failure);
    this.failures.set(method, list);
  }

  /**
   * Flood control on the next call(s) of `method`: 429 "Too Many Requests: retry after N" with
   * parameters.retry_after = N, the shape Telegram answers it with (Bot API, ResponseParameters:
   * "the number of seconds left to wait before the request can be repeated"; waits of 8-42 s
   * seen on sendMediaGroup in rubenlagus/TelegramBots#1520 and Amalrajanj/filesaver#9).
   */
  floodWait(method: string, retryAfterS: number, times = 1): void {
    this.failNext(
      method,
      {
        error_code: 429,
        description: `Too Many Requests: retry after ${retryAfterS}`,
        parameters: { retry_after: retryAfterS },
      },
      times,
    );
  }

  /**
   * The user of private chat `chatId` blocks the bot: from now on every call that reaches the
   * chat answers 403 BLOCKED_BY_USER, and a my_chat_member update (the bot's status in the chat:
   * member -> kicked) is queued, as Telegram sends it ("For private chats, this update is received
   * only when the bot is blocked or unblocked by the user", Bot API, Update). Returns that update.
   */
  block(chatId: number, user: Partial<User> = {}): Update {
    this.blocked.add(chatId);
    return this.queueMemberUpdate(this.memberUpdate(chatId, user, 'member', 'kicked'));
  }

  /** The user unblocks the bot (kicked -> member): calls reach the chat again. Returns the update. */
  unblock(chatId: number, user: Partial<User> = {}): Update {
    this.blocked.delete(chatId);
    return this.queueMemberUpdate(this.memberUpdate(chatId, user, 'kicked', 'member'));
  }

  /** Queues a my_chat_member update and returns it whole (a harness may hand it to the bot itself). */
  private queueMemberUpdate(change: ChatMemberUpdated): Update {
    const update_id = this.pushUpdate({ my_chat_member: change });
    return { update_id, my_chat_member: change };
  }

  /** True while the user of `chatId` has the bot blocked. */
  isBlocked(chatId: number): boolean {
    return this.blocked.has(chatId);
  }

  private memberUpdate(
    chatId: number,
    user: Partial<User>,
    from: 'member' | 'kicked',
    to: 'member' | 'kicked',
  ): ChatMemberUpdated {
    const person: User = { id: chatId, is_bot: false, first_name: 'Seller', ...user };
    const bot: User = {
      id: FAKE_BOT_INFO.id,
      is_bot: true,
      first_name: FAKE_BOT_INFO.first_name,
      username: FAKE_BOT_INFO.username,
    };
    const member = (status: 'member' | 'kicked'): ChatMember =>
      status === 'kicked' ? { status, user: bot, until_date: 0 } : { status, user: bot };
    return {
      chat: {
        id: chatId,
        type: 'private',
        first_name: person.first_name,
        ...(person.username && { username: person.username }),
      },
      from: person,
      date: Math.floor(Date.now() / 1000),
      old_chat_member: member(from),
      new_chat_member: member(to),
    };
  }

  /** Messages the users sent (by `chat:message`), which the bot's messages may reply to. */
  private readonly userMessages = new Set<string>();

  /** A message a user sent in `chatId`, as Telegram knows it (updates pushed here are noted by themselves). */
  userSent(chatId: number, messageId: number): void {
    this.userMessages.add(`${chatId}:${messageId}`);
  }

  /** The user deleted their message: a reply to it finds nothing. */
  userDeleted(chatId: number, messageId: number): void {
    this.userMessages.delete(`${chatId}:${messageId}`);
  }

  /**
   * Bot API, ReplyParameters: `message_id` of the message to reply to, in this chat unless
   * `chat_id` says otherwise; when it is not found the call fails ("Bad Request: message to be
   * replied not found"; newer servers say "reply message not found") unless
   * `allow_sending_without_reply` is true, when the message goes out as no reply.
   */
  private checkReplyTarget(method: string, payload: Record<string, unknown>): void {
    if (!/^(send|copy|forward)/.test(method) || payload.reply_parameters === undefined) return;
    const raw = payload.reply_parameters;
    const reply = (typeof raw === 'string' ? JSON.parse(raw) : raw) as {
      message_id?: unknown;
      chat_id?: unknown;
      allow_sending_without_reply?: unknown;
    };
    if (typeof reply.message_id !== 'number') throw new Error('invalid reply parameters: message_id is required');
    const key = `${Number(reply.chat_id ?? payload.chat_id)}:${reply.message_id}`;
    if (this.userMessages.has(key) || this.messages.has(key)) return;
    if (reply.allow_sending_without_reply !== true) throw new Error('message to be replied not found');
  }

  /** Queues an update for getUpdates; returns its update_id. */
  pushUpdate(update: UpdateBody): number {
    const sent = (update as { message?: { chat: { id: number }; message_id: number } }).message;
    if (sent) this.userSent(sent.chat.id, sent.message_id);
    const update_id = this.nextUpdateId++;
    this.pending.push({ update_id, ...update } as Update);
    for (const wake of this.waiters) wake();
    return update_id;
  }

  /** update_ids Telegram still holds: not yet confirmed by a getUpdates offset. */
  unconfirmed(): number[] {
    return this.pending.filter((u) => u.update_id >= this.confirmedOffset).map((u) => u.update_id);
  }

  /** Queues a message update and resolves with the first sendMessage to its chat that follows. */
  async exchange(update: UpdateBody, timeoutMs = 5000): Promise<RecordedCall> {
    const chatId = (update as { message?: { chat: { id: number } } }).message?.chat.id;
    const from = this.calls.length;
    this.pushUpdate(update);
    return this.waitForCall('sendMessage', (c) => c.payload.chat_id === chatId, { timeoutMs, from });
  }

  private readonly listeners = new Set<(call: RecordedCall) => void>();

  /**
   * Resolves with the next call of `method` that matches, from now on (event-driven: cheap
   * with thousands of waiters, for load benchmarks).
   */
  nextCall(method: string, match: (call: RecordedCall) => boolean, timeoutMs = 5000): Promise<RecordedCall> {
    return new Promise((resolve, reject) => {
      const listener = (call: RecordedCall) => {
        if (call.method !== method || !match(call)) return;
        this.listeners.delete(listener);
        clearTimeout(timer);
        resolve(call);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`No ${method} call within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first call of `method` (after index `from`) that matches. */
  async waitForCall(
    method: string,
    match: (call: RecordedCall) => boolean = () => true,
    { timeoutMs = 5000, from = 0 } = {},
  ): Promise<RecordedCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.slice(from).find((c) => c.method === method && match(c));
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.calls.map((c) => c.method).join(', ');
        throw new Error(`No ${method} call within ${timeoutMs} ms (calls: ${seen || 'none'})`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** A message the bot sent (text by default), remembered for later edits. */
  private message(
    payload: Record<string, unknown>,
    messageId = this.nextMessageId++,
    content: StoredMessage = {
      ...(typeof payload.text === 'string' && { text: payload.text }),
      content: formatted(payload.text, payload.parse_mode, payload.entities),
      markup: markupOf(payload.reply_markup),
    },
  ) {
    const chatId = Number(payload.chat_id);
    this.messages.set(`${chatId}:${messageId}`, content);
    return this.messageObject(chatId, messageId, content, payload.reply_markup);
  }

  private messageObject(chatId: number, messageId: number, content: StoredMessage, replyMarkup: unknown) {
    const markup = typeof replyMarkup === 'string' ? JSON.parse(replyMarkup) : replyMarkup;
    return {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: chatId > 0 ? 'private' : 'supergroup', first_name: 'User' },
      from: { ...FAKE_BOT_INFO },
      ...(content.text !== undefined && { text: content.text }),
      ...(content.caption !== undefined && { caption: content.caption }),
      ...(content.markup !== '' && { reply_markup: markup }),
    };
  }

  /**
   * editMessageText / editMessageCaption / editMessageReplyMarkup. An edit that leaves the
   * formatted text (or caption) and the inline keyboard as they are is refused with
   * NOT_MODIFIED, as Telegram does; an edit without reply_markup removes the keyboard (Bot API:
   * the markup of an edited message is the one given). A message this server never sent (a
   * test's own update) is taken as it is edited.
   */
  private edit(payload: Record<string, unknown>, part: 'text' | 'caption' | 'markup') {
    if (payload.inline_message_id !== undefined) return true;
    const chatId = Number(payload.chat_id);
    const messageId = Number(payload.message_id);
    const current = this.messages.get(`${chatId}:${messageId}`);
    const next: StoredMessage = { ...(current ?? { content: '' }), markup: markupOf(payload.reply_markup) };
    if (part === 'text') {
      next.text = String(payload.text);
      next.content = formatted(payload.text, payload.parse_mode, payload.entities);
    } else if (part === 'caption') {
      if (typeof payload.caption === 'string' && payload.caption !== '') next.caption = payload.caption;
      else delete next.caption;
      next.content = formatted(next.caption, payload.parse_mode, payload.caption_entities);
    }
    if (current && current.content === next.content && current.markup === next.markup) throw new Error(NOT_MODIFIED);
    return this.message(payload, messageId, next);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(req.url ?? '');
    if (download) {
      const file = [...this.files.values()].find((f) => f.path === download[2]);
      this.downloads += 1;
      if (!file || (this.options.token && download[1] !== this.options.token)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.data.length });
      res.end(file.data);
      return;
    }
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (!match) return this.reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token = '', method = ''] = match;
    const { payload, files } = await readPayload(req);
    const call: RecordedCall = { method, token, payload, files, at: Date.now() };
    this.calls.push(call);
    for (const listener of this.listeners) listener(call);
    if (this.options.token && token !== this.options.token) {
      return this.reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    }
    const hold = this.holds.get(method)?.shift();
    if (hold) await hold.catch(() => undefined);
    const failure = this.failures.get(method)?.shift();
    if (failure) return this.reply(res, failure.error_code, { ok: false, ...failure });
    if (reachesChat(method) && this.blocked.has(Number(payload.chat_id))) {
      return this.reply(res, 403, { ok: false, error_code: 403, description: BLOCKED_BY_USER });
    }
    if (method === 'getUpdates') return this.getUpdates(req, res, payload);
    const handler = this.handlers.get(method);
    if (!handler) {
      return this.reply(res, 404, {
        ok: false,
        error_code: 404,
        description: `Not Found: method ${method} is not faked`,
      });
    }
    try {
      checkTextLimits(method, payload);
      this.checkReplyTarget(method, payload);
      this.reply(res, 200, { ok: true, result: await handler(payload, call) });
    } catch (err) {
      this.reply(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${(err as Error).message}` });
    }
  }

  private async getUpdates(req: IncomingMessage, res: ServerResponse, payload: Record<string, unknown>) {
    const offset = Number(payload.offset ?? 0);
    const limit = Math.max(1, Math.min(100, Number(payload.limit ?? 100)));
    const timeoutS = Number(payload.timeout ?? 0);
    // Bot API, getUpdates: "An update is considered confirmed as soon as getUpdates is called
    // with an offset higher than its update_id"; confirmed updates are never returned again,
    // unconfirmed ones are returned by every call until then ("By default, updates starting
    // with the earliest unconfirmed update are returned").
    if (offset > 0) {
      this.confirmedOffset = Math.max(this.confirmedOffset, offset);
      // Telegram forgets updates below the offset once they are confirmed.
      for (let i = this.pending.length - 1; i >= 0; i--) {
        if ((this.pending[i]?.update_id ?? 0) < offset) this.pending.splice(i, 1);
      }
    }
    const available = () => this.pending.filter((u) => u.update_id >= offset).slice(0, limit);
    let updates = available();
    if (updates.length === 0 && timeoutS > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          req.socket.off('close', wake);
          resolve();
        };
        const timer = setTimeout(wake, timeoutS * 1000);
        this.waiters.add(wake);
        req.socket.once('close', wake);
      });
      updates = available();
    }
    if (!res.destroyed) this.reply(res, 200, { ok: true, result: updates });
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

async function readPayload(req: IncomingMessage): Promise<{ payload: Record<string, unknown>; files: FilePart[] }> {
  const raw = await readBody(req);
  if (raw.length === 0) return { payload: {}, files: [] };
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) return { payload: JSON.parse(raw.toString('utf8')), files: [] };
  if (type.includes('application/x-www-form-urlencoded')) {
    return { payload: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), files: [] };
  }
  if (type.includes('multipart/form-data')) {
    const { fields, files } = parseMultipart(raw, type);
    return { payload: fields, files };
  }
  return { payload: { raw: raw.toString('utf8') }, files: [] };
}
