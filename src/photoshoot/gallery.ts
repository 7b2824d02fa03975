import type { Database } from '../db/client.js';
import { saveGalleryExample } from '../db/gallery.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AiServices } from '../services/ai.js';
import type { AspectRatio } from '../services/aspect-ratio.js';
import type { NormalisedPhoto } from '../services/image-converter.js';
import { imagePrompt } from '../services/prompts.js';
import { type CatalogueStyle, catalogueScene } from '../services/style-catalogue.js';
import type { ProductAnalysis } from '../services/vision.js';
import type { PhotoLoader } from './photos.js';

/** The examples are squares: they sit side by side in an album. */
const GALLERY_RATIO: AspectRatio = '1:1';
/** Examples rendered at once (a photoshoot renders its 4 at once too); the image budget paces them. */
const GALLERY_CONCURRENCY = 4;

/** How a build reports (the bot implements it over Telegram, in the admin's chat). */
export interface GalleryReporter {
  /** `done` of `total` examples finished (made or failed). */
  progress(done: number, total: number): Promise<void>;
  /** Shows the example to the admin; resolves with the file id sellers are later sent. */
  publish(style: CatalogueStyle, png: Buffer): Promise<string>;
}

export interface GalleryRequest {
  /** The sample product's photo (a Telegram file id) and its unique id (the analysis cache key). */
  fileId: string;
  fileUniqueId?: string;
  styles: readonly CatalogueStyle[];
  /** The admin's user id, recorded with each example. */
  builtBy: number | null;
  reporter: GalleryReporter;
}

/** What a build came to: the styles made and those that failed (kept for the next run), or why none started. */
export type GalleryOutcome =
  | { kind: 'built'; made: CatalogueStyle[]; failed: { style: CatalogueStyle; reason: string }[] }
  /** The photo could not be downloaded or used, or the product not analysed: no image was asked for. */
  | { kind: 'not-started'; stage: 'photo' | 'analysis'; reason: string }
  | { kind: 'stopped'; made: CatalogueStyle[] }
  | { kind: 'busy' };

/**
 * Makes the style gallery's examples on a sample product with the photoshoot's own pipeline:
 * the photo downloaded and normalised, analysed once, then one image per style through the image
 * service (its breaker, retries and the fleet-wide image budget) and the converter. Each example
 * is stored as soon as it is shown, so a failed style costs only itself and a later run makes
 * only what is missing. It runs outside any update, on the pool; one build at a time here.
 */
export function createGalleryBuilder(deps: {
  db: Database;
  photos: PhotoLoader;
  ai: Pick<AiServices, 'vision' | 'images'>;
  logger: Logger;
  /** Aborted at shutdown: the build stops; what it stored stays. */
  signal?: AbortSignal;
}) {
  const { db, photos, ai, logger } = deps;
  let running = false;

  async function run(request: GalleryRequest): Promise<GalleryOutcome> {
    const { styles, reporter } = request;
    const signal = deps.signal;
    let photo: NormalisedPhoto;
    let analysis: ProductAnalysis;
    try {
      photo = await photos.load(request.fileId, signal);
    } catch (err) {
      return { kind: 'not-started', stage: 'photo', reason: describeError(err) };
    }
    try {
      analysis = await ai.vision.analyse(photo, request.fileUniqueId);
    } catch (err) {
      return { kind: 'not-started', stage: 'analysis', reason: describeError(err) };
    }
    const made: CatalogueStyle[] = [];
    const failed: { style: CatalogueStyle; reason: string }[] = [];
    let next = 0;
    const renderNext = async (): Promise<void> => {
      for (let style = styles[next++]; style && !signal?.aborted; style = styles[next++]) {
        try {
          const prompt = imagePrompt({ name: style.name.en, scene: catalogueScene(style) }, analysis, GALLERY_RATIO);
          const png = await ai.images.generate(photo, prompt, GALLERY_RATIO, signal);
          const fileId = await reporter.publish(style, png);
          await saveGalleryExample(db, { styleKey: style.key, fileId, builtBy: request.builtBy });
          made.push(style);
        } catch (err) {
          if (signal?.aborted) return;
          logger.warn({ err, style: style.key }, 'gallery example failed');
          failed.push({ style, reason: describeError(err) });
        }
        await reporter.progress(made.length + failed.length, styles.length).catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: Math.min(GALLERY_CONCURRENCY, styles.length) }, renderNext));
    if (signal?.aborted) return { kind: 'stopped', made };
    return { kind: 'built', made, failed };
  }

  return {
    /** True while a build runs in this process (a second one is refused, not run twice). */
    get running(): boolean {
      return running;
    },
    /** Builds the examples of `request.styles`; never throws. */
    async build(request: GalleryRequest): Promise<GalleryOutcome> {
      if (running) return { kind: 'busy' };
      running = true;
      try {
        return await run(request);
      } finally {
        running = false;
      }
    },
  };
}

export type GalleryBuilder = ReturnType<typeof createGalleryBuilder>;
