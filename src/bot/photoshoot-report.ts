import { type Api, InputFile } from 'grammy';
import type { InlineKeyboardMarkup, InputMediaDocument, InputMediaPhoto } from 'grammy/types';
import type { Config } from '../config/index.js';
import type { Database } from '../db/client.js';
import type { Photoshoot } from '../db/photoshoots.js';
import { type RenderedImage, recordImage, recordPreview } from '../db/processed-images.js';
import { recordProgressMessage } from '../db/queue.js';
import { sellerLocale } from '../db/users.js';
import type { Logger } from '../logger.js';
import { toMinutes } from '../photoshoot/queue-estimate.js';
import type {
  DeliveryRun,
  PhotoshootOutcome,
  PhotoshootReport,
  PhotoshootReporter,
  StyleFailure,
} from '../photoshoot/report.js';
import { ContentRejectedError } from '../services/ai-errors.js';
import { pause } from '../with-timeout.js';
import { retryAt } from './busy-wait.js';
import { resolveLocale } from './i18n.js';
import { buyKeyboard } from './keyboards/buy.js';
import { resultFileName } from './result-file-name.js';
import { telegramError } from './telegram-error.js';
import { complianceLine } from './views/compliance.js';
import { type FailureText, failureText } from './views/failures.js';
import { deliveredStyles, outcomeText, withProduct } from './views/photoshoot-outcome.js';

/** Texts by locale (the bot's I18n instance fits). */
export interface Translator {
  t(locale: string, key: string, variables?: Record<string, string | number>): string;
}

/** What the bot shows under a finished photoshoot (its buttons). */
export type ResultMarkup = (result: {
  jobId: number;
  locale: string;
  /** Styles that failed (retry for free when > 0). */
  failed: number;
  /** Names of the styles delivered, by position. */
  delivered: { position: number; name: string }[];
  /**
   * Set when nothing was delivered and the credit was released: only "Try again", which works
   * from this time on (Unix seconds; 0: at once, later when a service was busy).
   */
  tryAgainAt?: number;
}) => InlineKeyboardMarkup | undefined;

/** A wait for the image budget shorter than this is the normal pace, not worth a message. */
const BUDGET_WAIT_SHOWN_MS = 20_000;

/**
 * A photoshoot's run as the seller sees it in Telegram: one progress message (sent once, then
 * edited), the album of previews and the PNG files, and the final text with its buttons, in the
 * seller's language. Deliveries go through Telegram's flood control: a 429 "retry after N" is
 * waited out (at most TELEGRAM_FLOOD_WAIT_MAX_S a time and DELIVERY_FLOOD_WAIT_TOTAL_S in all,
 * ended at once when the run stops) and the call is made again; a seller who blocked the bot
 * stops the run.
 */
export function createTelegramPhotoshootReporter(deps: {
  db: Database;
  api: Api;
  i18n: Translator;
  logger: Logger;
  config: Pick<Config, 'defaultLocale' | 'delivery'>;
  resultMarkup?: ResultMarkup;
}): PhotoshootReporter {
  const { db, api, config, logger } = deps;

  return {
    async noBalanceForNext(draft) {
      const locale = resolveLocale(await sellerLocale(db, draft.userId), config.defaultLocale);
      const t = (key: string) => deps.i18n.t(locale, key);
      const reply_markup = buyKeyboard({ t });
      try {
        await api.sendMessage(draft.chatId, t('intake-next-no-balance'), { reply_markup });
      } catch (err) {
        logger.warn({ err, draft_id: draft.id }, 'could not tell the seller their next photoshoot did not start');
      }
    },
    async open(job, token, hooks): Promise<PhotoshootReport> {
      const locale = resolveLocale(await sellerLocale(db, job.userId), config.defaultLocale);
      const t = (key: string, variables?: Record<string, string | number>) => deps.i18n.t(locale, key, variables);
      let messageId = job.progressMessageId ?? undefined;
      let last = '';
      let chain: Promise<void> = Promise.resolve();
      /** Shows `text` (unchanged text is not sent again); once the run stopped, only a final text. */
      const show = (text: string, markup?: InlineKeyboardMarkup, final = false): Promise<void> => {
        chain = chain.then(async () => {
          if (!final && (await hooks.stopped())) return;
          if (text === last && !markup) return;
          last = text;
          const options = markup ? { reply_markup: markup } : {};
          try {
            if (messageId === undefined) {
              const sent = await api.sendMessage(job.chatId, text, options);
              messageId = sent.message_id;
              await recordProgressMessage(db, job.id, messageId, token);
            } else {
              await api.editMessageText(job.chatId, messageId, text, options);
            }
          } catch (err) {
            if (telegramError(err)?.blocked) hooks.blocked();
            else logger.warn({ err, photoshoot_id: job.id }, 'could not update the progress message');
          }
        });
        return chain;
      };

      /** The final text, with a line naming the styles declined under the image service's content rules. */
      const withDeclined = (text: string, failures: StyleFailure[], retryOffered: boolean) => {
        const declined = failures.filter((f) => f.err instanceof ContentRejectedError).map((f) => f.image.style);
        if (declined.length === 0) return text;
        const line = t('progress-style-declined', { count: declined.length, styles: declined.join(', ') });
        // The free retry renders a declined style in a neutral studio scene.
        return `${text}\n\n${retryOffered ? `${line} ${t('retry-declined-neutral')}` : line}`;
      };

      /**
       * "Try again" under a photoshoot that delivered nothing (credit released), unless only its
       * photo failed; when a service was busy, it works once the service is tried again.
       */
      const tryAgain = (reasons: (FailureText | undefined)[]) => {
        if (reasons.length > 0 && reasons.every((reason) => reason?.photo)) return undefined;
        const waitS = Math.max(0, ...reasons.map((reason) => reason?.retryInSeconds ?? 0));
        return deps.resultMarkup?.({ jobId: job.id, locale, failed: 0, delivered: [], tryAgainAt: retryAt(waitS) });
      };

      return {
        analysing: () => show(t('progress-analysing')),
        generating: (done, total) => show(t('progress-generating', { done, total })),
        waitingForBudget(waitMs) {
          if (waitMs >= BUDGET_WAIT_SHOWN_MS) {
            void show(t('progress-waiting-budget', { minutes: toMinutes(waitMs / 1000) }));
          }
        },
        delivering: () => show(t('progress-delivering')),
        deliver: (ready, run) => deliver(job, ready, run, { t }),
        async finished({ images, ready, delivered, failures, product, settlement }: PhotoshootOutcome) {
          // Nothing delivered because a service was busy: say so, and when to try again.
          const busy = failures.map((f) => failureText(f.err)).find((reason) => reason && !reason.photo);
          const { text, failed } = outcomeText({ t }, { images, ready, delivered, settlement, busy }, job.marketplace);
          const markup =
            delivered > 0
              ? deps.resultMarkup?.({ jobId: job.id, locale, failed, delivered: deliveredStyles(images, ready) })
              : tryAgain(failures.map((f) => failureText(f.err)));
          const named = delivered > 0 ? withProduct(t, text, product?.[locale]) : text;
          // Try again, like the free retry, renders a declined style in the neutral studio scene.
          await show(withDeclined(named, failures, delivered > 0 || markup !== undefined), markup, true);
        },
        async ended({ err, canceled, settlement }) {
          let text: string;
          let markup: InlineKeyboardMarkup | undefined;
          if (canceled) text = t('progress-canceled', { charged: settlement === 'committed' ? 'yes' : 'no' });
          else {
            const reason = failureText(err);
            if (!reason) text = t('progress-failed');
            // Another photo is needed: no button to try this one again.
            else if (reason.photo)
              text = `${t('progress-rejected', { reason: t(reason.key) })}\n\n${t('failure-new-photo')}`;
            else text = t(reason.key, reason.variables);
            if (settlement === 'released') markup = tryAgain([reason]);
          }
          await show(text, markup, true);
        },
      };
    },
  };

  /** One Bot API call of a delivery, through Telegram's flood control (see above). */
  async function floodSafe<T>(call: () => Promise<T>, run: DeliveryRun, waited: { s: number }): Promise<T> {
    for (;;) {
      run.throwIfStopped();
      try {
        return await call();
      } catch (err) {
        const refused = telegramError(err);
        if (refused?.blocked) {
          run.stop('blocked');
          throw err;
        }
        const retryAfterS = refused?.retryAfterS;
        if (
          retryAfterS === undefined ||
          retryAfterS > config.delivery.floodWaitMaxS ||
          waited.s + retryAfterS > config.delivery.floodWaitTotalS
        ) {
          throw err;
        }
        run.log.warn({ retry_after_s: retryAfterS, waited_s: waited.s }, 'Telegram flood control; waiting to deliver');
        waited.s += retryAfterS;
        await pause(retryAfterS * 1000, run.signal);
      }
    }
  }

  /**
   * Sends the previews as an album and the PNGs as files (the kept PNGs, read from the database),
   * recording each step so /history can resend them and a resumed delivery sends only what is
   * missing: preview ids once the album is out, then the file ids (which drops the kept PNG).
   * Returns how many images were delivered.
   */
  async function deliver(
    job: Photoshoot,
    ready: RenderedImage[],
    run: DeliveryRun,
    texts: Parameters<typeof complianceLine>[0],
  ): Promise<number> {
    const chatId = job.chatId;
    const name = (image: RenderedImage) =>
      resultFileName(image.position, image.style, image.compliance?.image.format === 'jpeg' ? 'jpeg' : 'png');
    // A marketplace file carries its checks, in the seller's language.
    const checked = (image: RenderedImage) =>
      image.compliance ? { caption: complianceLine(texts, image.compliance) } : {};
    // Under the seller's photo; a photo deleted since does not fail the delivery (Bot API, ReplyParameters).
    const reply =
      job.sourceMessageId === null
        ? {}
        : { reply_parameters: { message_id: job.sourceMessageId, allow_sending_without_reply: true } };
    const waited = { s: 0 };
    const send = <T>(call: () => Promise<T>) => floodSafe(call, run, waited);
    // grammY types its signal as the abort-controller package's; Node's is the same at run time.
    const signal = run.signal as unknown as Parameters<Api['sendMessage']>[3];
    const previews = new Map(ready.map((image) => [image.id, image.previewFileId]));
    const unpreviewed = ready.filter((image) => image.previewFileId === null);
    let sentPreviews: (string | null)[] = [];
    if (unpreviewed.length === 1) {
      const [only] = unpreviewed as [RenderedImage];
      const photo = await send(() =>
        api.sendPhoto(chatId, new InputFile(only.png, name(only)), { caption: only.style, ...reply }, signal),
      );
      sentPreviews = [photo.photo.at(-1)?.file_id ?? null];
    } else if (unpreviewed.length > 1) {
      const album: InputMediaPhoto[] = unpreviewed.map((image) => ({
        type: 'photo',
        media: new InputFile(image.png, name(image)),
        caption: image.style,
      }));
      const sent = await send(() => api.sendMediaGroup(chatId, album, reply, signal));
      sentPreviews = sent.map((m) => ('photo' in m && m.photo ? (m.photo.at(-1)?.file_id ?? null) : null));
    }
    for (const [index, image] of unpreviewed.entries()) {
      const previewFileId = sentPreviews[index];
      if (!previewFileId) continue;
      previews.set(image.id, previewFileId);
      if (!(await recordPreview(db, image.id, previewFileId, run.token))) run.stop('lost');
    }
    run.throwIfStopped();
    let documents: string[];
    if (ready.length === 1) {
      const [only] = ready as [RenderedImage];
      const file = new InputFile(only.png, name(only));
      const document = await send(() => api.sendDocument(chatId, file, { ...reply, ...checked(only) }, signal));
      documents = [document.document?.file_id ?? ''];
    } else {
      const files: InputMediaDocument[] = ready.map((image) => ({
        type: 'document',
        media: new InputFile(image.png, name(image)),
        ...checked(image),
      }));
      const sent = await send(() => api.sendMediaGroup(chatId, files, reply, signal));
      documents = sent.map((m) => ('document' in m && m.document ? m.document.file_id : ''));
    }
    let count = 0;
    for (const [index, image] of ready.entries()) {
      const resultFileId = documents[index];
      if (!resultFileId) continue;
      const previewFileId = previews.get(image.id) ?? null;
      // Sent is sent: recorded even if the job was just taken over, so it is not sent twice.
      await recordImage(db, image.id, { status: 'done', resultFileId, previewFileId });
      count += 1;
    }
    return count;
  }
}
