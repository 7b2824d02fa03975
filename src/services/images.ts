import type OpenAI from 'openai';
import { toFile } from 'openai';
import { UpstreamError } from './ai-errors.js';
import { type AspectRatio, renderSize } from './aspect-ratio.js';
import { type ImageConverter, ImageRejectedError, type NormalisedPhoto } from './image-converter.js';
import type { AiPolicy } from './resilience.js';

/**
 * Renders the seller's product in one style: images.edit with the normalised photo and the
 * prompt, WebP at the model size nearest the ratio, then cropped to the exact ratio and
 * converted to PNG on the bounded converter. Returns the PNG.
 */
export function createImageService(deps: {
  openai: OpenAI;
  policy: AiPolicy;
  model: string;
  converter: ImageConverter;
}) {
  const { openai, policy, model, converter } = deps;

  return {
    /** `cancel` aborts the request (the seller cancelled): it then fails with AiCanceledError. */
    async generate(photo: NormalisedPhoto, prompt: string, ratio: AspectRatio, cancel?: AbortSignal): Promise<Buffer> {
      const size = renderSize(ratio);
      const webp = await policy.execute(async (signal) => {
        const extension = photo.mime === 'image/png' ? 'png' : 'jpg';
        const image = await toFile(photo.data, `product.${extension}`, { type: photo.mime });
        const result = await openai.images.edit(
          {
            model,
            image,
            prompt,
            n: 1,
            size: `${size.model.width}x${size.model.height}` as OpenAI.ImageEditParams['size'],
            output_format: 'webp',
          },
          { signal },
        );
        const b64 = result.data?.[0]?.b64_json;
        if (!b64) throw new UpstreamError('images', 'the answer held no image');
        return Buffer.from(b64, 'base64');
      }, cancel);
      try {
        return await converter.webpToPng(webp, size.exact);
      } catch (err) {
        if (err instanceof ImageRejectedError) {
          throw new UpstreamError('images', 'the generated image could not be read', undefined, { cause: err });
        }
        throw err;
      }
    },
  };
}

export type ImageService = ReturnType<typeof createImageService>;
