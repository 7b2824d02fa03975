import type { Update, User } from 'grammy/types';

export interface Sender {
  id: number;
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

const toUser = (s: Sender): User => ({ is_bot: false, first_name: 'Seller', ...s });
let nextMessageId = 1000;

const privateChat = (from: Sender) => ({ id: from.id, type: 'private', first_name: from.first_name ?? 'Seller' });

/** A message from `from` in their private chat with the bot, with `content` (text, photo, ...). */
function privateMessage(from: Sender, content: Record<string, unknown>): Omit<Update, 'update_id'> {
  return {
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: privateChat(from),
      from: toUser(from),
      ...content,
    },
  } as Omit<Update, 'update_id'>;
}

/** A private text message; a leading /command gets its bot_command entity, as Telegram sends it. */
export function textMessage(from: Sender, text: string): Omit<Update, 'update_id'> {
  const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
  return privateMessage(from, {
    text,
    ...(command && { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] }),
  });
}

export function callbackQuery(from: Sender, data: string, messageId = 1): Omit<Update, 'update_id'> {
  return {
    callback_query: {
      id: `cq-${nextMessageId++}`,
      from: toUser(from),
      chat_instance: 'ci-1',
      data,
      message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: privateChat(from),
        text: 'keyboard',
      },
    },
  } as Omit<Update, 'update_id'>;
}

/** Wraps an update body with an update_id for bot.handleUpdate. */
let nextUpdateId = 1;
export const withId = (body: Omit<Update, 'update_id'> | Record<string, unknown>): Update =>
  ({ update_id: nextUpdateId++, ...body }) as Update;

export function preCheckoutQuery(
  from: Sender,
  payload: string,
  totalAmount = 100,
  currency = 'XTR',
): Omit<Update, 'update_id'> {
  return {
    pre_checkout_query: {
      id: `pcq-${nextMessageId++}`,
      from: toUser(from),
      currency,
      total_amount: totalAmount,
      invoice_payload: payload,
    },
  } as Omit<Update, 'update_id'>;
}

/** A private photo message with two sizes of one picture, as Telegram sends it. */
export function photoMessage(
  from: Sender,
  file: { file_id: string; file_unique_id: string },
  mediaGroupId?: string,
): Omit<Update, 'update_id'> {
  return privateMessage(from, {
    ...(mediaGroupId && { media_group_id: mediaGroupId }),
    photo: [
      { file_id: `${file.file_id}-small`, file_unique_id: `${file.file_unique_id}-small`, width: 90, height: 67 },
      { file_id: file.file_id, file_unique_id: file.file_unique_id, width: 1280, height: 960, file_size: 85_000 },
    ],
  });
}

export interface PaymentDetails {
  payload: string;
  amount: number;
  chargeId: string;
  currency?: string;
}

const paymentFields = (payment: PaymentDetails) => ({
  currency: payment.currency ?? 'XTR',
  total_amount: payment.amount,
  invoice_payload: payment.payload,
  telegram_payment_charge_id: payment.chargeId,
});

/** The service message Telegram sends after a Stars payment went through. */
export function successfulPayment(from: Sender, payment: PaymentDetails): Omit<Update, 'update_id'> {
  return privateMessage(from, { successful_payment: { ...paymentFields(payment), provider_payment_charge_id: '' } });
}

/** The service message Telegram sends after a Stars payment was refunded. */
export function refundedPayment(from: Sender, payment: PaymentDetails): Omit<Update, 'update_id'> {
  return privateMessage(from, { refunded_payment: paymentFields(payment) });
}
