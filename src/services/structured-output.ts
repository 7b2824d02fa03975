import type OpenAI from 'openai';
import { z } from 'zod';
import { ContentRejectedError, type Upstream, UpstreamError } from './ai-errors.js';

/** A strict JSON-schema response format for chat completions, from a zod schema. */
export function jsonSchemaFormat(name: string, schema: z.ZodType) {
  const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { type: 'json_schema' as const, json_schema: { name, strict: true, schema: jsonSchema } };
}

/** The assistant's structured answer, validated; a refusal or a malformed answer is a typed error. */
export function parseStructured<T>(
  upstream: Upstream,
  completion: OpenAI.Chat.Completions.ChatCompletion,
  schema: z.ZodType<T>,
): T {
  const message = completion.choices[0]?.message;
  if (message?.refusal) throw new ContentRejectedError(upstream, message.refusal);
  let json: unknown;
  try {
    json = JSON.parse(message?.content ?? '');
  } catch {
    throw new UpstreamError(upstream, 'the answer was not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new UpstreamError(upstream, `the answer did not match the schema: ${parsed.error.message}`);
  return parsed.data;
}
