import OpenAI, { toFile } from 'openai';
import { ContentRejectedError, UpstreamError } from './ai-errors.js';
import { type AspectRatio, renderSize } from './aspect-ratio.js';
import type { ComplianceSummary } from './image-compliance.js';
import { type ImageConverter, ImageRejectedError, type NormalisedPhoto } from './image-converter.js';
import type { MarketplacePreset } from './marketplace-presets.js';
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
 * A 400 refusing the transparent background: named by `param` as the API does for an invalid
 * value, or, where a gateway leaves `param` out, by its message.
 */
const refusesTransparency = (err: unknown) =>
  err instanceof OpenAI.BadRequestError && (err.param === 'background' || /transparent background/i.test(err.message));

/** A marketplace file and its checks. */
export interface MarketplaceRender {
  file: Buffer;
  format: 'jpeg' | 'png';
  compliance: ComplianceSummary;
}

/** Renders of one marketplace image at most: the first, and once more when it fails a rule. */
const MARKETPLACE_RENDERS = 2;

const unusable = (err: ImageRejectedError) =>
  new UpstreamError('images', `the generated image could not be used: ${err.message}`, undefined, { cause: err });

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
  /** Told how each marketplace file ended (metrics). */
  onMarketplaceFile?: (preset: string, result: 'passed' | 'rerendered' | 'failed') => void;
}) {
  const { openai, policy, model, converter, onUsage } = deps;
  const quality = deps.quality ?? 'medium';
  const fidelity = acceptsInputFidelity(model) ? { input_fidelity: deps.inputFidelity ?? 'high' } : {};
  /**
   * Set once the model refused `background: "transparent"` (400 on that parameter: "Transparent
   * background is not supported for this model.", as gpt-image-2 answered before its preview,
   * Wei-Shaw/sub2api #7150): later renders ask for white and are snapped instead.
   */
  let transparencyRefused = false;

  async function viaImagesApi(
    photo: NormalisedPhoto,
    prompt: string,
    ratio: AspectRatio,
    signal: AbortSignal,
    transparent = false,
  ): Promise<Answer> {
    const { model: size } = renderSize(ratio);
    const extension = photo.mime === 'image/png' ? 'png' : 'jpg';
    const image = await toFile(photo.data, `product.${extension}`, { type: photo.mime });
    let result: OpenAI.ImagesResponse;
    try {
      result = await openai.images.edit(
        {
          model,
          image,
          prompt,
          n: 1,
          size: `${size.width}x${size.height}` as OpenAI.ImageEditParams['size'],
          // WebP keeps an alpha channel: the reference allows transparency with png or webp only.
          output_format: 'webp',
          quality,
          ...fidelity,
          ...(transparent && { background: 'transparent' as const }),
        },
        { signal },
      );
    } catch (err) {
      if (transparent && refusesTransparency(err)) {
        transparencyRefused = true;
        return viaImagesApi(photo, prompt, ratio, signal);
      }
      throw err;
    }
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
    _transparent?: boolean,
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

  /** One render through the policy (breaker, retries, budget), its usage told; the image's bytes. */
  const rendered = (
    photo: NormalisedPhoto,
    prompt: string,
    ratio: AspectRatio,
    transparent: boolean,
    cancel?: AbortSignal,
  ) =>
    policy.execute(async (signal) => {
      const started = performance.now();
      const answer = await render(photo, prompt, ratio, signal, transparent);
      onUsage?.({ ...answer.usage, seconds: secondsSince(started) });
      if (answer.failure) throw answer.failure;
      if (!answer.data?.length) throw notAnImage('the image was empty');
      return answer.data;
    }, cancel);

  return {
    /** `cancel` aborts the request (the seller cancelled): it then fails with AiCanceledError. */
    async generate(photo: NormalisedPhoto, prompt: string, ratio: AspectRatio, cancel?: AbortSignal): Promise<Buffer> {
      const data = await rendered(photo, prompt, ratio, false, cancel);
      try {
        return await converter.renderedToPng(data, ratio);
      } catch (err) {
        throw err instanceof ImageRejectedError ? unusable(err) : err;
      }
    },

    /**
     * The product rendered for a marketplace and made into its file (converter.forMarketplace):
     * white-background presets ask images.edit for a transparent backdrop (the chat backend has
     * none: its white is snapped). A file that fails a rule, or a cut-out with no product, is
     * rendered once more; a second failing file is returned with its report (the seller is
     * told which rule), a second unusable render fails as UpstreamError.
     */
    async generateFor(
      photo: NormalisedPhoto,
      prompt: string,
      ratio: AspectRatio,
      preset: MarketplacePreset,
      cancel?: AbortSignal,
    ): Promise<MarketplaceRender> {
      let failing: MarketplaceRender | undefined;
      for (let attempt = 1; attempt <= MARKETPLACE_RENDERS; attempt++) {
        const transparent = preset.whiteBackground !== null && deps.api !== 'chat' && !transparencyRefused;
        const data = await rendered(photo, prompt, ratio, transparent, cancel);
        const rerendered = attempt > 1;
        try {
          const made = await converter.forMarketplace(data, preset, ratio);
          const { file, format, report, upscaled } = made;
          const compliance = { ...report, preset: preset.key, upscaled, rendered: made.rendered, rerendered };
          if (report.ok) {
            deps.onMarketplaceFile?.(preset.key, rerendered ? 'rerendered' : 'passed');
            return { file, format, compliance };
          }
          failing = { file, format, compliance };
        } catch (err) {
          if (!(err instanceof ImageRejectedError)) throw err;
          // A second render we cannot use: the first one's file (paid for, off a rule) is still delivered.
          if (attempt === MARKETPLACE_RENDERS && !failing) throw unusable(err);
        }
      }
      if (!failing) throw notAnImage('no render could be used');
      deps.onMarketplaceFile?.(preset.key, 'failed');
      return { ...failing, compliance: { ...failing.compliance, rerendered: true } };
    },
  };
}

export type ImageService = ReturnType<typeof createImageService>;
