import { isDatabaseBusy } from '../../db/failures.js';
import { PhotoTooBigError } from '../../photoshoot/photos.js';
import { AiUnavailableError } from '../../services/ai-errors.js';
import { ConverterBusyError, ImageRejectedError } from '../../services/image-converter.js';

/** The locale key that tells a seller what is wrong with their photo, if that is what failed. */
export function photoProblemKey(err: unknown): string | undefined {
  if (err instanceof PhotoTooBigError) return 'photo-too-big';
  if (err instanceof ImageRejectedError) return `photo-${err.reason.replaceAll('_', '-')}`;
  return undefined;
}

/** A failure put to the seller: a locale key and its variables. */
export interface FailureText {
  key: string;
  variables?: Record<string, string | number>;
  /** The photo itself is the problem (another photo helps, trying again does not). */
  photo?: boolean;
  /** A service is busy for this long: trying again helps after it. */
  retryInSeconds?: number;
}

/**
 * The one mapping of a failure to what the seller is told, for the failures that have words of
 * their own: an AI service out for a while (with the seconds until it is tried again), our image
 * converter or database full for a moment, a photo we cannot use. Undefined: say the generic text.
 */
export function failureText(err: unknown): FailureText | undefined {
  if (err instanceof AiUnavailableError) {
    const seconds = err.retryInSeconds;
    return { key: 'progress-busy', variables: { seconds }, retryInSeconds: seconds };
  }
  if (err instanceof ConverterBusyError || isDatabaseBusy(err)) return { key: 'error-busy' };
  const photo = photoProblemKey(err);
  return photo ? { key: photo, photo: true } : undefined;
}
