import { PhotoTooBigError } from '../../photoshoot/photos.js';
import { ImageRejectedError } from '../../services/image-converter.js';

/** The locale key that tells a seller what is wrong with their photo, if that is what failed. */
export function photoProblemKey(err: unknown): string | undefined {
  if (err instanceof PhotoTooBigError) return 'photo-too-big';
  if (err instanceof ImageRejectedError) return `photo-${err.reason.replaceAll('_', '-')}`;
  return undefined;
}
