import type OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import type { AutoParseableResponseFormat } from 'openai/lib/parser';
import { z } from 'zod';
import { ContentRejectedError, type Upstream, UpstreamError } from './ai-errors.js';
import type { AiUsageReport } from './usage.js';

type JsonSchema = Record<string, unknown>;

/**
 * The keywords `strict: true` accepts, by schema type (OpenAI structured-outputs guide,
 * "Supported schemas"). The SDK's zodResponseFormat closes every object and requires every
 * property, but sends zod's other keywords as they are, `$schema`, `minLength`, `maxLength`
 * and `default` included, on purpose (openai-node PR #1988: it will not strip constraints);
 * strict mode can refuse those with 400 "'<keyword>' is not permitted". So they are left out
 * of what is sent, and zod checks them locally after parsing.
 */
const STRICT_KEYWORDS: Record<string, readonly string[]> = {
  any: ['type', 'description', 'enum', 'const', 'anyOf', '$ref', '$defs', 'definitions'],
  object: ['properties', 'required', 'additionalProperties'],
  string: ['pattern', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  array: ['items', 'minItems', 'maxItems'],
};

/** String formats strict mode knows (same guide); another format is dropped, not sent. */
const STRICT_FORMATS = ['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid'];

/** Keywords whose value is a map of schemas. */
const SCHEMA_MAPS = ['properties', '$defs', 'definitions'];

const mapValues = (record: unknown, f: (v: JsonSchema) => JsonSchema) =>
  Object.fromEntries(Object.entries(record as Record<string, JsonSchema>).map(([k, v]) => [k, f(v)]));

/** One schema node, and every node under it, without the keywords strict mode refuses. */
function withoutRefusedKeywords(node: JsonSchema): JsonSchema {
  const types = ([] as unknown[]).concat(node.type ?? []).map(String);
  const allowed = new Set([...(STRICT_KEYWORDS.any ?? []), ...types.flatMap((t) => STRICT_KEYWORDS[t] ?? [])]);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!allowed.has(key)) continue;
    if (key === 'format' && !STRICT_FORMATS.includes(String(value))) continue;
    if (SCHEMA_MAPS.includes(key)) out[key] = mapValues(value, withoutRefusedKeywords);
    else if (key === 'items') out[key] = withoutRefusedKeywords(value as JsonSchema);
    else if (key === 'anyOf') out[key] = (value as JsonSchema[]).map(withoutRefusedKeywords);
    else out[key] = value;
  }
  return out;
}

/** A strict response format built by the SDK from a zod schema, carrying that schema's parser. */
export type StructuredFormat<T> = AutoParseableResponseFormat<T> & {
  json_schema: { name: string; strict: true; schema: JsonSchema };
};

/**
 * A strict JSON-schema response format for chat completions, from a zod schema: the SDK's
 * zodResponseFormat (zod 4's JSON schema, objects closed, its parser attached), with the schema
 * sent narrowed to the strict subset.
 */
export function jsonSchemaFormat<S extends z.ZodType>(name: string, schema: S): StructuredFormat<z.output<S>> {
  const format = zodResponseFormat(schema, name) as StructuredFormat<z.output<S>>;
  // Replaced in place: the parser is a hidden property of `format` that a copy would lose.
  format.json_schema.schema = withoutRefusedKeywords(format.json_schema.schema ?? {});
  return format;
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

/**
 * The assistant's structured answer, parsed and validated by the format's own parser; a refusal
 * or a malformed answer is a typed error. Not `chat.completions.parse()`: it throws from inside
 * the call, so an answer that fails validation would leave no completion to read the billed
 * usage from, and it turns a `length` or `content_filter` finish into the SDK's own errors.
 */
export function parseStructured<T>(
  upstream: Upstream,
  completion: OpenAI.Chat.Completions.ChatCompletion,
  format: StructuredFormat<T>,
): T {
  const message = completion.choices[0]?.message;
  if (message?.refusal) throw new ContentRejectedError(upstream, message.refusal, { kind: 'refusal' });
  try {
    return format.$parseRaw(message?.content ?? '');
  } catch (err) {
    if (err instanceof SyntaxError) throw new UpstreamError(upstream, 'the answer was not JSON');
    if (err instanceof z.ZodError) {
      throw new UpstreamError(upstream, `the answer did not match the schema: ${z.prettifyError(err)}`);
    }
    throw err;
  }
}
