import type { Api } from 'grammy';
import { type PhotoLoader, PhotoTooBigError } from '../photoshoot/photos.js';
import type { ImageConverter, NormalisedPhoto } from '../services/image-converter.js';
import { telegramError } from './telegram-error.js';

/**
 * Telegram lets bots download files of at most 20 MB; getFile answers a bigger one with
 * 400 "Bad Request: file is too big" (Bot API, getFile; tdlib/telegram-bot-api#51).
 */
const isFileTooBig = (err: unknown) => {
  const refused = telegramError(err);
  return refused?.code === 400 && /file is too big/i.test(refused.description);
};

/**
 * A seller's photo, fetched from Telegram and normalised for the models: getFile, a bounded
 * download (the URL holds the bot token and is never logged), then the converter's checks.
 */
export function createPhotoSource(deps: {
  api: Api;
  /** The download URL of a Telegram file path. */
  fileUrl: (filePath: string) => string;
  converter: Pick<ImageConverter, 'normalise'>;
  maxBytes: number;
  downloadTimeoutMs?: number;
}): PhotoLoader {
  const { api, converter, maxBytes } = deps;
  return {
    /** Largest photo accepted, in bytes; intake refuses bigger files before queueing anything. */
    maxBytes,
    async load(fileId: string, signal?: AbortSignal): Promise<NormalisedPhoto> {
      const file = await api.getFile(fileId, signal as Parameters<Api['getFile']>[1]).catch((err: unknown) => {
        if (isFileTooBig(err))
          throw new PhotoTooBigError('Telegram refused the download: file is too big', { cause: err });
        throw err;
      });
      if (!file.file_path) throw new Error('Telegram returned no file path');
      if ((file.file_size ?? 0) > maxBytes) throw new PhotoTooBigError(`The photo is larger than ${maxBytes} bytes`);
      const timeout = AbortSignal.timeout(deps.downloadTimeoutMs ?? 60_000);
      const response = await fetch(deps.fileUrl(file.file_path), {
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (!response.ok) throw new Error(`Photo download failed with HTTP ${response.status}`);
      const data = Buffer.from(await response.arrayBuffer());
      if (data.length > maxBytes) throw new PhotoTooBigError(`The photo is larger than ${maxBytes} bytes`);
      return converter.normalise(data);
    },
  };
}

export type PhotoSource = PhotoLoader;
