/**
 * The rules the real OpenAI API applies to a request, and the error bodies it answers with,
 * for the fake in fake-openai.ts. Each rule names its source; where the exact wording of a
 * message is not documented anywhere we could find, the comment says so.
 */

/** An API error answer: status, the `error` object, optional headers. */
export interface ApiFailure {
  status: number;
  error: { message: string; type: string; param: string | null; code: string | null; [key: string]: unknown };
  headers?: Record<string, string>;
}

const invalid = (param: string | null, message: string, code: string | null = null): ApiFailure => ({
  status: 400,
  error: { message, type: 'invalid_request_error', param, code },
});

// --- Structured outputs, strict mode ---------------------------------------------------------

/**
 * Keywords `strict: true` supports, by type (structured-outputs guide, "Supported schemas"; the
 * same list as CONTRACTS.md). Every other keyword is refused. `title` is not in the guide's list,
 * so it is refused too, although some report the live API tolerating it.
 */
const COMMON = ['type', 'description', 'enum', 'const', 'anyOf', '$ref', '$defs', 'definitions'];
const BY_TYPE: Record<string, string[]> = {
  object: ['properties', 'required', 'additionalProperties'],
  string: ['pattern', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  array: ['items', 'minItems', 'maxItems'],
  boolean: [],
  null: [],
};
/** String formats the guide lists. */
const FORMATS = ['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid'];

/** The context the real messages print: a Python tuple of the path, e.g. ('properties', 'styles'). */
function context(path: string[]): string {
  const items = path.map((p) => `'${p}'`);
  return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
}

type Node = Record<string, unknown>;

/** The first rule `node` breaks, as the message after "In context=...", or undefined. */
function firstViolation(node: Node, path: string[]): string | undefined {
  const types = ([] as unknown[]).concat(node.type ?? []).map(String);
  const allowed = new Set([...COMMON, ...types.flatMap((t) => BY_TYPE[t] ?? [])]);
  for (const key of Object.keys(node)) {
    // "In context=('properties', 'scores', 'items', 'properties', 'value'), 'minimum' is not
    // permitted." (a live 400 quoted in liam-hq/liam PR #1162; the schema name and context come first.)
    if (!allowed.has(key)) return `In context=${context(path)}, '${key}' is not permitted.`;
  }
  if (typeof node.format === 'string' && !FORMATS.includes(node.format)) {
    // Wording not documented: the guide only lists the supported formats.
    return `In context=${context(path)}, '${node.format}' is not a supported format.`;
  }
  if (types.includes('object')) {
    const properties = (node.properties ?? {}) as Record<string, Node>;
    // "In context=(), 'additionalProperties' is required to be supplied and to be false." (live
    // 400s quoted in several public repositories; the guide: "additionalProperties: false must
    // always be set in objects").
    if (node.additionalProperties !== false) {
      return `In context=${context(path)}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const required = Array.isArray(node.required) ? (node.required as string[]) : undefined;
    const missing = Object.keys(properties).filter((k) => !required?.includes(k));
    // "In context=('properties', 'loc'), 'required' is required to be supplied and to be an
    // array including every key in properties. Missing 'city'." (a live 400 quoted publicly).
    if (!required || missing.length > 0) {
      const detail = missing.length > 0 ? ` Missing '${missing[0]}'.` : '';
      return `In context=${context(path)}, 'required' is required to be supplied and to be an array including every key in properties.${detail}`;
    }
    const extra = required.find((k) => !(k in properties));
    // "Extra required key 'X' supplied." (quoted publicly; the surrounding wording is ours).
    if (extra) return `In context=${context(path)}, Extra required key '${extra}' supplied.`;
    for (const [key, child] of Object.entries(properties)) {
      const found = firstViolation(child, [...path, 'properties', key]);
      if (found) return found;
    }
  }
  if (node.items && typeof node.items === 'object') {
    const found = firstViolation(node.items as Node, [...path, 'items']);
    if (found) return found;
  }
  for (const [i, branch] of ((node.anyOf ?? []) as Node[]).entries()) {
    const found = firstViolation(branch, [...path, 'anyOf', String(i)]);
    if (found) return found;
  }
  for (const defs of ['$defs', 'definitions'] as const) {
    for (const [key, child] of Object.entries((node[defs] ?? {}) as Record<string, Node>)) {
      const found = firstViolation(child, [...path, defs, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A chat request's `response_format` checked as the real API does with `strict: true`: the 400
 * body, or undefined when it is accepted. Non-strict formats are not checked (the API treats
 * their schema as a hint).
 */
export function checkResponseFormat(format: unknown): ApiFailure | undefined {
  const f = format as { type?: string; json_schema?: { name?: string; strict?: boolean; schema?: Node } } | undefined;
  if (f?.type !== 'json_schema' || f.json_schema?.strict !== true) return undefined;
  const name = f.json_schema.name ?? '';
  const schema = f.json_schema.schema ?? {};
  const refuse = (detail: string) =>
    invalid('response_format', `Invalid schema for response_format '${name}': ${detail}`);
  // The root must be an object, not anyOf (the guide: "the root level object of a schema must
  // be an object, and not use anyOf"). The exact wording of this message is not documented.
  if (schema.type !== 'object') {
    return refuse(`schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema.type)}"'.`);
  }
  const found = firstViolation(schema, []);
  return found ? refuse(found) : undefined;
}

// --- images.edit / images.generate, gpt-image models ----------------------------------------

/** Allowed values per field (openai-node resources/images.d.ts and the API reference, gpt-image models). */
const IMAGE_VALUES: Record<string, string[]> = {
  size: ['1024x1024', '1024x1536', '1536x1024', 'auto'],
  output_format: ['png', 'jpeg', 'webp'],
  quality: ['low', 'medium', 'high', 'auto'],
  background: ['transparent', 'opaque', 'auto'],
  input_fidelity: ['high', 'low'],
};

/** "Supported values are: 'a', 'b', and 'c'." as the API lists them. */
function listed(values: string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length < 3) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted.at(-1)}`;
}

/** Models that refuse input_fidelity: gpt-image-1-mini (lobehub PR #9920), gpt-image-2 (pydantic-ai #5413). */
const NO_FIDELITY = /^gpt-image-(1-mini|2)/;

/**
 * Models that answer 400 to `background: "transparent"`: DALL·E (the parameter is GPT Image
 * only, openai-node resources/images.d.ts) and, in tests, a model named to stand for gpt-image-2
 * before its transparency preview (openai-python PR #3703 documents the preview).
 */
const NO_TRANSPARENCY = /^(dall-e|gpt-image-no-transparency)/;

/** The image formats images.edit takes for gpt-image models, and its size limit (API reference: "less than 50MB"). */
const IMAGE_MIMES = ['image/jpeg', 'image/png', 'image/webp'];
export const MAX_IMAGE_INPUT_BYTES = 50 * 1024 * 1024;

export interface ImageFile {
  contentType: string | undefined;
  data: Buffer;
}

/** An images request checked as the API does for gpt-image models: the 400 body, or undefined. */
export function checkImageRequest(
  endpoint: 'edits' | 'generations',
  body: Record<string, unknown>,
  images: ImageFile[],
): ApiFailure | undefined {
  for (const [field, values] of Object.entries(IMAGE_VALUES)) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    // "Invalid value: '512x512'. Supported values are: '1024x1024', '1024x1536', '1536x1024',
    // and 'auto'." (a live 400 quoted in pollinations/pollinations #5037).
    if (!values.includes(String(value))) {
      return invalid(
        field,
        `Invalid value: '${String(value)}'. Supported values are: ${listed(values)}.`,
        'invalid_value',
      );
    }
  }
  const model = String(body.model ?? '');
  if (body.input_fidelity !== undefined && NO_FIDELITY.test(model)) {
    // "input_fidelity 'high' is only supported for model gpt-model-1" (sic: the live 400 for
    // gpt-image-1-mini, quoted in lobehub/lobehub PR #9920).
    return invalid(
      'input_fidelity',
      `input_fidelity '${String(body.input_fidelity)}' is only supported for model gpt-model-1`,
    );
  }
  if (body.background === 'transparent' && NO_TRANSPARENCY.test(model)) {
    // The live 400 for a model without transparent backgrounds (gpt-image-2 before its preview
    // of 2026-08-20, Wei-Shaw/sub2api #7150, gaoren002/GPT2Image-Pro #2): code invalid_value;
    // the reports quote no `param`, so none is sent (the client must read the message).
    return invalid(null, 'Transparent background is not supported for this model.', 'invalid_value');
  }
  if (body.background === 'transparent' && body.output_format === 'jpeg') {
    // The reference: transparent needs png or webp. The exact wording is not documented.
    return invalid('background', "Transparent background requires output_format 'png' or 'webp'.");
  }
  const n = body.n === undefined ? 1 : Number(body.n);
  if (!Number.isInteger(n) || n < 1 || n > 10) {
    return invalid('n', `Invalid value: '${String(body.n)}'. Expected an integer between 1 and 10.`);
  }
  if (endpoint === 'generations') return undefined;
  if (images.length === 0)
    return invalid('image', "Missing required parameter: 'image'.", 'missing_required_parameter');
  for (const image of images) {
    // "Invalid file 'image': unsupported mimetype ('image/gif'). Supported file formats are
    // 'image/jpeg', 'image/png', and 'image/webp'." (the live 400 for gpt-image-1).
    if (!IMAGE_MIMES.includes(image.contentType ?? '')) {
      return invalid(
        'image',
        `Invalid file 'image': unsupported mimetype ('${image.contentType ?? 'application/octet-stream'}'). Supported file formats are ${listed(IMAGE_MIMES)}.`,
        'invalid_image_format',
      );
    }
    // The limit is documented ("less than 50MB"); the wording of its error is not.
    if (image.data.length >= MAX_IMAGE_INPUT_BYTES) {
      return invalid('image', "Invalid file 'image': the file must be less than 50MB.", 'image_too_large');
    }
  }
  return undefined;
}

/**
 * Output tokens per image (image-generation guide, "Cost and latency": 1024x1024 low 272,
 * medium 1056, high 4160; 1024x1536 / 1536x1024 408, 1584, 6240).
 */
export function imageOutputTokens(size: string, quality: string): number {
  const square = size === '1024x1024' || size === 'auto';
  const table: Record<string, [number, number]> = { low: [272, 408], medium: [1056, 1584], high: [4160, 6240] };
  const [sq, wide] = table[quality] ?? table.medium ?? [1056, 1584];
  return square ? sq : wide;
}

// --- Account, rate and content failures --------------------------------------------------------

export const ORGANIZATION = 'org-fake0000000000000000000';

/** What an account or content problem answers (messages as the live API words them, sources below). */
export const FAILURES = {
  /** 401 (error-codes guide); the key is shown masked. */
  invalidApiKey: (key = 'sk-test***alue'): ApiFailure => ({
    status: 401,
    error: {
      message: `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  }),
  /** 429 insufficient_quota (error-codes guide): billing, not a rate; retrying does not help. */
  insufficientQuota: (): ApiFailure => ({
    status: 429,
    error: {
      message:
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      type: 'insufficient_quota',
      param: null,
      code: 'insufficient_quota',
    },
  }),
  /** 403 for gpt-image models before organisation verification (quoted in openai-php/client #565). */
  unverified: (model = 'gpt-image-1'): ApiFailure => ({
    status: 403,
    error: {
      message: `Your organization must be verified to use the model \`${model}\`. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization. If you just verified, it can take up to 15 minutes for access to propagate.`,
      type: 'invalid_request_error',
      param: null,
      code: null,
    },
  }),
  /** 400 moderation_blocked on images (live bodies quoted in several public repositories). */
  moderationBlocked: (): ApiFailure => ({
    status: 400,
    error: {
      message:
        'Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID req_fake.',
      type: 'image_generation_user_error',
      param: null,
      code: 'moderation_blocked',
      moderation_details: { moderation_stage: 'input', categories: ['other'] },
    },
  }),
  /**
   * 429 rate_limit_exceeded (rate-limits guide; message as the live API words it). `retryAfter`
   * is the retry-after header as sent: a number of seconds, any string (a malformed value), or
   * null for none.
   */
  rateLimited: (opts: {
    model?: string;
    limit?: number;
    retryAfter?: number | string | null;
    remaining?: number;
  }): ApiFailure => {
    const limit = opts.limit ?? 5;
    const wait = typeof opts.retryAfter === 'number' ? opts.retryAfter : 12;
    const headers: Record<string, string> = {
      'x-ratelimit-limit-requests': String(limit),
      'x-ratelimit-remaining-requests': String(opts.remaining ?? 0),
      'x-ratelimit-reset-requests': duration(wait),
    };
    if (opts.retryAfter !== null && opts.retryAfter !== undefined) headers['retry-after'] = String(opts.retryAfter);
    return {
      status: 429,
      headers,
      error: {
        message: `Rate limit reached for ${opts.model ?? 'gpt-image-1'} in organization ${ORGANIZATION} on images per minute (IPM): Limit ${limit}, Used ${limit}, Requested 1. Please try again in ${wait}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    };
  },
};

/** A reset time as the x-ratelimit-reset-* headers write it: "12s", "1m0s", "6m0s", "250ms". */
export function duration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const s = Math.ceil(seconds);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}
