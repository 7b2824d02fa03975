import type OpenAI from 'openai';
import { toFile } from 'openai';
import { ContentRejectedError, UpstreamError } from './ai-errors.js';
import { type AspectRatio, renderSize } from './aspect-ratio.js';
import { type ImageConverter, ImageRejectedError, type NormalisedPhoto } from './image-converter.js';
import type { AiPolicy } from './resilience.js';
import { chatUsage } from './structured-output.js';
import { type AiUsageReport, secondsSince, type UsageSink } from './usage.js';

/** Which API renders images: OpenAI's images.edit, or chat completions with image output (OpenRouter). */
export type ImageApi = 'images' | 'chat';
export type ImageQuality = 'low' | 'medium' | 'high' | 'auto';
export type InputFidelity = 'high' | 'low';

/**
 * Models that take `input_fidelity` (images.edit): gpt-image-1 and gpt-image-1.5 and their dated
 * snapshots. gpt-image-1-mini answers 400 for it (lobehub PR #9920), gpt-image-2 too
 * (pydantic-ai #5413), dall-e-2 does not know it; other providers' models are not sent it.
 */
export function acceptsInputFidelity(model: string): boolean {
  return /^gpt-image-1(\.5)?(-\d{4}-\d{2}-\d{2})?$/.test(model);
}

/** One answer: what it cost, and its image bytes or why it has none. */
interface Answer {
  usage: AiUsageReport;
  data?: Buffer;
  failure?: Error;
}

/** A chat answer's message as OpenRouter sends it; the SDK's types have no `images`. */
interface ImageMessage {
  content?: string | null;
  refusal?: string | null;
  images?: { image_url?: { url?: string } }[];
}

const notAnImage = (why: string) => new UpstreamError('images', why);

const DATA_URL = /^data:image\/(?:png|jpeg|webp);base64,(.+)$/s;

/**
 * Renders the seller's product in one style and returns a PNG of exactly the ratio: the model
 * renders at its size nearest the ratio, the render is checked (a broken answer is an
 * UpstreamError, never a crash) and padded out to the exact ratio on the bounded converter.
 *
 * Two backends: `images` (default) is OpenAI's images.edit with the normalised photo, quality
 * and input fidelity sent explicitly; `chat` is chat completions with `modalities: ["image",
 * "text"]`, as OpenRouter serves Gemini image models, the photo sent as a data URL.
 */
export function createImageService(deps: {
  openai: OpenAI;
  policy: AiPolicy;
  model: string;
  converter: ImageConverter;
  api?: ImageApi;
  quality?: ImageQuality;
  inputFidelity?: InputFidelity;
  /** Told what every answer consumed, including one whose image turns out unusable (it was billed). */
  onUsage?: UsageSink;
}) {
  const { openai, policy, model, converter, onUsage } = deps;
  const quality = deps.quality ?? 'medium';
  const fidelity = acceptsInputFidelity(model) ? { input_fidelity: deps.inputFidelity ?? 'high' } : {};

  async function viaImagesApi(
    photo: NormalisedPhoto,
    prompt: string,
    ratio: AspectRatio,
    signal: AbortSignal,
  ): Promise<Answer> {
    const { model: size } = renderSize(ratio);
    const extension = photo.mime === 'image/png' ? 'png' : 'jpg';
    const image = await toFile(photo.data, `product.${extension}`, { type: photo.mime });
    const result = await openai.images.edit(
      {
        model,
        image,
        prompt,
        n: 1,
        size: `${size.width}x${size.height}` as OpenAI.ImageEditParams['size'],
        output_format: 'webp',
        quality,
        ...fidelity,
      },
      { signal },
    );
    const usage: AiUsageReport = {
      upstream: 'images',
      model,
      images: result.data?.length ?? 0,
      inputTokens: result.usage?.input_tokens ?? 0,
      outputTokens: result.usage?.output_tokens ?? 0,
    };
    const b64 = result.data?.[0]?.b64_json;
    return b64
      ? { usage, data: Buffer.from(b64, 'base64') }
      : { usage, failure: notAnImage('the answer held no image') };
  }

  async function viaChat(
    photo: NormalisedPhoto,
    prompt: string,
    ratio: AspectRatio,
    signal: AbortSignal,
  ): Promise<Answer> {
    const request = {
      model,
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: prompt },
            {
              type: 'image_url' as const,
              image_url: { url: `data:${photo.mime};base64,${photo.data.toString('base64')}` },
            },
          ],
        },
      ],
      // OpenRouter's image output; neither field is in the SDK's types.
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: ratio },
    };
    const completion = await openai.chat.completions.create(
      request as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming,
      { signal },
    );
    const choice = completion.choices[0];
    const message = choice?.message as ImageMessage | undefined;
    const url = message?.images?.[0]?.image_url?.url;
    const usage = chatUsage('images', model, completion, url ? 1 : 0);
    if (url) {
      const b64 = DATA_URL.exec(url)?.[1];
      return b64 ? { usage, data: Buffer.from(b64, 'base64') } : { usage, failure: notAnImage('not a data URL') };
    }
    // No image: a model that declines answers in words (or a filter ends the answer).
    const said = (message?.refusal || message?.content || '').trim().slice(0, 300);
    if (choice?.finish_reason === 'content_filter') {
      return { usage, failure: new ContentRejectedError('images', said || 'content filter', { kind: 'moderation' }) };
    }
    if (said) return { usage, failure: new ContentRejectedError('images', said, { kind: 'refusal' }) };
    return { usage, failure: notAnImage('the answer held no image') };
  }

  const render = deps.api === 'chat' ? viaChat : viaImagesApi;

  return {
    /** `cancel` aborts the request (the seller cancelled): it then fails with AiCanceledError. */
    async generate(photo: NormalisedPhoto, prompt: string, ratio: AspectRatio, cancel?: AbortSignal): Promise<Buffer> {
      const data = await policy.execute(async (signal) => {
        const started = performance.now();
        const answer = await render(photo, prompt, ratio, signal);
        onUsage?.({ ...answer.usage, seconds: secondsSince(started) });
        if (answer.failure) throw answer.failure;
        if (!answer.data?.length) throw notAnImage('the image was empty');
        return answer.data;
      }, cancel);
      try {
        return await converter.renderedToPng(data, ratio);
      } catch (err) {
        if (err instanceof ImageRejectedError) {
          throw new UpstreamError('images', `the generated image could not be used: ${err.message}`, undefined, {
            cause: err,
          });
        }
        throw err;
      }
    },
  };
}

export type ImageService = ReturnType<typeof createImageService>;
