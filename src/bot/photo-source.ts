import type { Api } from 'grammy';
import sharp, { type Metadata } from 'sharp';
import { type PhotoLoader, PhotoTooBigError } from '../photoshoot/photos.js';
import {
  ACCEPTED_FORMATS,
  type ImageConverter,
  ImageRejectedError,
  type NormalisedPhoto,
} from '../services/image-converter.js';
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
 * Whether the file ends where its format says it ends, read off a few bytes (no decoding): a
 * JPEG's end-of-image marker after its last start-of-scan (entropy-coded data never holds
 * FF D9 or FF DA: a 0xFF there is stuffed as FF 00), a PNG's IEND chunk, a WebP's RIFF length.
 */
export function isTruncated(data: Buffer, format: string | undefined): boolean {
  if (format === 'jpeg')
    return data.lastIndexOf(Buffer.from([0xff, 0xd9])) < data.lastIndexOf(Buffer.from([0xff, 0xda]));
  if (format === 'png') return data.lastIndexOf('IEND', undefined, 'latin1') < 0;
  if (format === 'webp') return data.length < 12 || data.readUInt32LE(4) + 8 > data.length;
  return false;
}

/** The file begins with the signature of a JPEG, PNG or WebP. */
const looksLikeImage = (data: Buffer) =>
  (data[0] === 0xff && data[1] === 0xd8) ||
  data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) ||
  (data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP');

/**
 * A seller's photo, fetched from Telegram and normalised for the models: getFile, a bounded
 * download (the URL holds the bot token and is never logged), then the converter's checks.
 * `probe` is the cheap check at intake: the same download, then only the header is read.
 */
export function createPhotoSource(deps: {
  api: Api;
  /** The download URL of a Telegram file path. */
  fileUrl: (filePath: string) => string;
  converter: Pick<ImageConverter, 'normalise'>;
  maxBytes: number;
  downloadTimeoutMs?: number;
}) {
  const { api, converter, maxBytes } = deps;

  async function download(fileId: string, signal?: AbortSignal): Promise<Buffer> {
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
    return data;
  }

  return {
    /** Largest photo accepted, in bytes; intake refuses bigger files before queueing anything. */
    maxBytes,
    async load(fileId: string, signal?: AbortSignal): Promise<NormalisedPhoto> {
      return converter.normalise(await download(fileId, signal));
    },
    /**
     * The file's header (sharp's metadata, no pixel decoded), or ImageRejectedError: not an
     * image, a format we do not take, or a file that is cut short. Other errors (Telegram or the
     * network failing) are ours, not the photo's.
     */
    async probe(fileId: string, signal?: AbortSignal): Promise<Metadata> {
      const data = await download(fileId, signal);
      let meta: Metadata;
      try {
        meta = await sharp(data, { limitInputPixels: false }).metadata();
      } catch (err) {
        // An image's signature with a header that does not decode is a damaged image, not another kind of file.
        if (looksLikeImage(data))
          throw new ImageRejectedError('corrupt', 'The image header is damaged', { cause: err });
        throw new ImageRejectedError('not_an_image', 'The file is not an image we can read', { cause: err });
      }
      if (!ACCEPTED_FORMATS.includes(meta.format as (typeof ACCEPTED_FORMATS)[number])) {
        throw new ImageRejectedError('unsupported_format', `Unsupported image format: ${meta.format ?? 'unknown'}`);
      }
      if (!meta.width || !meta.height || isTruncated(data, meta.format)) {
        throw new ImageRejectedError('corrupt', 'The image is damaged or incomplete');
      }
      return meta;
    },
  };
}

export type PhotoSource = PhotoLoader & Pick<ReturnType<typeof createPhotoSource>, 'probe'>;
