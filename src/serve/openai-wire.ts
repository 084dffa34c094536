import { z } from 'zod';
import type {
  ChatMessage,
  FinishReason,
  GenerateOptions,
  GenerateResult,
  JsonSchema,
} from '../core/chat-model.js';
import { compileJsonSchema } from '../task/graders/json-schema.js';

/**
 * OpenAI's chat-completions wire format: the request schema Tailor accepts, the error body it
 * returns, and the response and stream-chunk builders. Kept apart from the server so the format can
 * be read (and checked against OpenAI's reference) in one place.
 */
const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]),
});

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  max_tokens: z.int().positive().optional(),
  max_completion_tokens: z.int().positive().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  seed: z.int().nullable().optional(),
  n: z.int().min(1).max(16).optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  response_format: z
    .discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text') }),
      z.looseObject({ type: z.literal('json_object') }),
      z.looseObject({
        type: z.literal('json_schema'),
        json_schema: z.looseObject({
          name: z.string(),
          schema: z.record(z.string(), z.unknown()).optional(),
        }),
      }),
    ])
    .optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export interface WireError {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
}

export function wireError(
  status: number,
  message: string,
  options: { type?: string; param?: string | null; code?: string | null } = {},
): WireError {
  const type =
    options.type ??
    (status === 401
      ? 'authentication_error'
      : status === 403
        ? 'permission_error'
        : status === 404
          ? 'not_found_error'
          : status === 429
            ? 'rate_limit_error'
            : status >= 500
              ? 'server_error'
              : 'invalid_request_error');
  return {
    status,
    body: { error: { message, type, param: options.param ?? null, code: options.code ?? null } },
  };
}

/** A zod failure as OpenAI reports it: the first problem, its parameter path. */
export function requestError(error: z.ZodError): WireError {
  const issue = error.issues[0]!;
  const param = issue.path.join('.');
  return wireError(
    400,
    `Invalid value for '${param || 'body'}': ${issue.message.replace(/^Invalid input: /, '')}`,
    {
      param: param || null,
      code: 'invalid_value',
    },
  );
}

export function toMessages(request: ChatRequest): ChatMessage[] {
  return request.messages.map((entry) => ({
    role: entry.role === 'developer' ? 'system' : entry.role,
    content:
      typeof entry.content === 'string' ? entry.content : entry.content.map((part) => part.text).join(''),
  }));
}

export function toOptions(request: ChatRequest, signal: AbortSignal): GenerateOptions {
  const format = request.response_format;
  const jsonSchema =
    format?.type === 'json_schema'
      ? (format.json_schema.schema ?? { type: 'object' })
      : format?.type === 'json_object'
        ? { type: 'object' }
        : undefined;
  const stop = request.stop === null || request.stop === undefined ? undefined : [request.stop].flat();
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  return {
    // OpenAI's default temperature is 1.
    temperature: request.temperature ?? 1,
    ...(request.top_p !== undefined ? { topP: request.top_p } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(stop ? { stop } : {}),
    ...(request.seed !== null && request.seed !== undefined ? { seed: request.seed } : {}),
    ...(request.n && request.n > 1 ? { samples: request.n } : {}),
    ...(jsonSchema ? { jsonSchema } : {}),
    signal,
  };
}

export function finishReason(reason: FinishReason): 'stop' | 'length' {
  return reason === 'length' ? 'length' : 'stop';
}

export function completionBody(id: string, model: string, created: number, result: GenerateResult) {
  return {
    id,
    object: 'chat.completion' as const,
    created,
    model,
    choices: result.samples.map((sample, index) => ({
      index,
      message: { role: 'assistant' as const, content: sample.text, refusal: null },
      logprobs: null,
      finish_reason: finishReason(sample.finishReason),
    })),
    usage: usageBody(result),
    system_fingerprint: null,
  };
}

export function usageBody(result: GenerateResult) {
  return {
    prompt_tokens: result.usage.inputTokens,
    completion_tokens: result.usage.outputTokens,
    total_tokens: result.usage.inputTokens + result.usage.outputTokens,
  };
}

export function chunkBody(
  id: string,
  model: string,
  created: number,
  delta: { role?: 'assistant'; content?: string },
  finish: 'stop' | 'length' | null,
) {
  return {
    id,
    object: 'chat.completion.chunk' as const,
    created,
    model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  };
}

/**
 * Limits on a `response_format` JSON schema, which becomes a grammar every decoded token is checked
 * against: deep or huge schemas cost memory and time in the grammar builder before the first token,
 * so they are refused up front, like OpenAI's structured outputs refuse them.
 */
export const responseSchemaLimits = { depth: 64, enumValues: 1000, properties: 1000 };

/** Why a response schema is refused (400), or undefined when it may be decoded against. */
export function responseSchemaProblem(schema: unknown): string | undefined {
  let properties = 0;
  let enumValues = 0;
  let tooDeep = false;
  let remoteRef: string | undefined;
  // Iterative, so that a schema nested thousands of levels deep cannot overflow this stack either.
  const stack: { value: unknown; depth: number }[] = [{ value: schema, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > responseSchemaLimits.depth) {
      tooDeep = true;
      break;
    }
    if (!Array.isArray(value)) {
      const node = value as Record<string, unknown>;
      if (Array.isArray(node.enum)) enumValues += node.enum.length;
      if (node.properties && typeof node.properties === 'object')
        properties += Object.keys(node.properties).length;
      if (typeof node.$ref === 'string' && !node.$ref.startsWith('#')) remoteRef = node.$ref;
    }
    for (const child of Object.values(value)) stack.push({ value: child, depth: depth + 1 });
  }
  if (tooDeep) return `the schema nests deeper than ${responseSchemaLimits.depth} levels`;
  if (enumValues > responseSchemaLimits.enumValues)
    return `the schema has ${enumValues} enum values; at most ${responseSchemaLimits.enumValues} are allowed`;
  if (properties > responseSchemaLimits.properties)
    return `the schema has ${properties} properties; at most ${responseSchemaLimits.properties} are allowed`;
  if (remoteRef) return `the schema refers to ${remoteRef}; only local references (#/...) are allowed`;
  try {
    compileJsonSchema(schema as JsonSchema);
  } catch (error) {
    return `the schema is not a valid JSON Schema: ${(error as Error).message}`;
  }
  return undefined;
}
