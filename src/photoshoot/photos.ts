import type { NormalisedPhoto } from '../services/image-converter.js';

/** Where a job's photo comes from (the bot implements it over Telegram's getFile and download). */
export interface PhotoLoader {
  /** Largest photo accepted, in bytes; intake refuses bigger files before queueing anything. */
  maxBytes: number;
  /** The photo, downloaded and normalised for the models. */
  load(fileId: string, signal?: AbortSignal): Promise<NormalisedPhoto>;
}

/** The photo is over the size limit (Telegram bots cannot download more than 20 MB). */
export class PhotoTooBigError extends Error {
  override name = 'PhotoTooBigError';
}
