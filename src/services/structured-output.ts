import type OpenAI from 'openai';
import { z } from 'zod';
import { ContentRejectedError, type Upstream, UpstreamError } from './ai-errors.js';
import type { AiUsageReport } from './usage.js';

type JsonSchema = Record<string, unknown>;

/**
 * The keywords `strict: true` accepts, by schema type (OpenAI structured-outputs guide,
 * "Supported schemas"). Anything else, such as the minLength/maxLength/default that zod emits
 * for `.min()`, `.max()` and `.default()`, can be refused with 400 "'<keyword>' is not
 * permitted" (openai-node PR #1988), so it is left out of what is sent and zod checks it
 * locally after parsing.
 */
const STRICT_KEYWORDS: Record<string, readonly string[]> = {
  any: ['type', 'description', 'enum', 'const', 'anyOf', '$ref'],
  object: ['properties', 'required', 'additionalProperties'],
  string: ['pattern', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  array: ['items', 'minItems', 'maxItems'],
};

/** String formats strict mode knows (same guide); another format is dropped, not sent. */
const STRICT_FORMATS = ['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid'];

const mapValues = (record: unknown, f: (v: JsonSchema) => JsonSchema) =>
  Object.fromEntries(Object.entries(record as Record<string, JsonSchema>).map(([k, v]) => [k, f(v)]));

/** One schema node reduced to the strict subset; every object closed and every property required. */
function toStrict(node: JsonSchema): JsonSchema {
  const types = ([] as unknown[]).concat(node.type ?? []).map(String);
  const allowed = new Set([...(STRICT_KEYWORDS.any ?? []), ...types.flatMap((t) => STRICT_KEYWORDS[t] ?? [])]);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!allowed.has(key)) continue;
    if (key === 'format' && !STRICT_FORMATS.includes(String(value))) continue;
    if (key === 'properties') out[key] = mapValues(value, toStrict);
    else if (key === 'items') out[key] = toStrict(value as JsonSchema);
    else if (key === 'anyOf') out[key] = (value as JsonSchema[]).map(toStrict);
    else out[key] = value;
  }
  if (types.includes('object')) {
    out.properties ??= {};
    out.required = Object.keys(out.properties as object);
    out.additionalProperties = false;
  }
  return out;
}

/** The JSON schema sent for `schema`: zod's output in the strict subset (definitions included). */
export function strictJsonSchema(schema: z.ZodType): JsonSchema {
  const { $defs, ...root } = z.toJSONSchema(schema) as JsonSchema;
  return { ...toStrict(root), ...($defs ? { $defs: mapValues($defs, toStrict) } : {}) };
}

/** A strict JSON-schema response format for chat completions, from a zod schema. */
export function jsonSchemaFormat(name: string, schema: z.ZodType) {
  return { type: 'json_schema' as const, json_schema: { name, strict: true, schema: strictJsonSchema(schema) } };
}

/** What a chat answer consumed, from its `usage` (absent: reported as zero, never guessed). */
export function chatUsage(
  upstream: Upstream,
  model: string,
  completion: Pick<OpenAI.Chat.Completions.ChatCompletion, 'usage'>,
  images = 0,
  seconds?: number,
): AiUsageReport {
  return {
    upstream,
    model,
    images,
    inputTokens: completion.usage?.prompt_tokens ?? 0,
    outputTokens: completion.usage?.completion_tokens ?? 0,
    ...(seconds !== undefined && { seconds }),
  };
}

/** The assistant's structured answer, validated; a refusal or a malformed answer is a typed error. */
export function parseStructured<T>(
  upstream: Upstream,
  completion: OpenAI.Chat.Completions.ChatCompletion,
  schema: z.ZodType<T>,
): T {
  const message = completion.choices[0]?.message;
  if (message?.refusal) throw new ContentRejectedError(upstream, message.refusal, { kind: 'refusal' });
  let json: unknown;
  try {
    json = JSON.parse(message?.content ?? '');
  } catch {
    throw new UpstreamError(upstream, 'the answer was not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new UpstreamError(upstream, `the answer did not match the schema: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
