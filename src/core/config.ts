import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { loopSchema } from './loop-config.js';
import { taskSchema } from './task-config.js';
import { trainSchema } from './train-config.js';

/**
 * `tailor.yaml`: the workspace configuration, validated once here by one composed schema (the task's
 * section from task-config.ts, training's from train-config.ts). Every later stage reads the typed
 * `TailorConfig`, never raw YAML. Unknown keys are errors, because a typo silently ignored
 * (`concurency: 2`) is worse than a failed start.
 */

const apiProviderSchema = (defaults: { apiKeyEnv: string; concurrency: number }) =>
  z
    .strictObject({
      /** Name of the environment variable holding the key. Keys are never written to the store or logs. */
      apiKeyEnv: z.string().default(defaults.apiKeyEnv),
      /** A literal key; prefer `apiKeyEnv`. Allowed for local endpoints that want any non-empty key. */
      apiKey: z.string().optional(),
      baseURL: z.url().optional(),
      concurrency: z.int().positive().default(defaults.concurrency),
      timeoutMs: z.int().positive().default(120_000),
      maxRetries: z.int().min(0).max(10).default(4),
    })
    .prefault({});

const priceSchema = z.strictObject({
  /** USD per million prompt tokens. */
  inputPerMillion: z.number().min(0),
  /** USD per million generated tokens. */
  outputPerMillion: z.number().min(0),
});

export const configSchema = z.strictObject({
  version: z.literal(1).default(1),
  /** The model `tailor chat` and later stages use when none is given. */
  defaultModel: z.string().default('llama:smollm2-135m-instruct'),
  llama: z
    .strictObject({
      /** CPU threads for llama.cpp; 0 means one per available core. */
      threads: z.int().min(0).default(0),
      /** Context window per parallel sequence, in tokens. */
      contextSize: z.int().min(256).default(2048),
      /** Sequences decoded together in one context (batched): more throughput for concurrent calls. */
      parallel: z.int().min(1).max(64).default(8),
      gpu: z.enum(['auto', 'cuda', 'vulkan', 'metal', 'off']).default('auto'),
      /** Default `maxTokens` when a call does not set one. */
      maxTokens: z.int().positive().default(512),
    })
    .prefault({}),
  providers: z
    .strictObject({
      openai: apiProviderSchema({ apiKeyEnv: 'OPENAI_API_KEY', concurrency: 8 }),
      anthropic: apiProviderSchema({ apiKeyEnv: 'ANTHROPIC_API_KEY', concurrency: 4 }),
    })
    .prefault({}),
  cache: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  /**
   * Prices by model reference; a key ending in `*` matches a prefix (`openai:gpt-4.1*`). Local llama
   * models cost 0 unless priced here (e.g. to charge for the machine's time).
   */
  prices: z.record(z.string(), priceSchema).default({}),
  /** The task definition (prompt, input/output schemas, data, graders); see task-config.ts. */
  task: taskSchema.optional(),
  /** `tailor serve`: the OpenAI-compatible endpoint. */
  serve: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8787),
      /** Requests waiting for a slot beyond the ones being decoded; more get 429 with Retry-After. */
      maxQueue: z.int().min(0).default(32),
      requestTimeoutMs: z.int().positive().default(120_000),
      /** Request bodies larger than this are refused with 413 before they are read whole or stored. */
      maxBodyBytes: z.int().positive().default(1_048_576),
      /** Per API key: requests beyond this many a minute get 429 with Retry-After (default: no limit). */
      rateLimit: z.strictObject({ requestsPerMinute: z.int().positive().optional() }).prefault({}),
      /**
       * Rollouts of a candidate behind the model clients call: `canary` answers a share of the
       * requests with the candidate; `shadow` also runs the candidate on a share of them in the
       * background (the client gets the model's own answer), its answer captured beside prod's.
       */
      rollouts: z
        .array(
          z.strictObject({
            model: z.string().min(1),
            candidate: z.string().min(1),
            mode: z.enum(['canary', 'shadow']),
            share: z.number().min(0).max(1),
          }),
        )
        .default([]),
      /** Store every request and response in the workspace (a key can opt out). */
      capture: z.boolean().default(true),
      /** Field paths replaced by "[redacted]" in captured traffic, e.g. `request.messages.*.content`. */
      redact: z.array(z.string()).default([]),
      /**
       * Gateway mode: models answered by an upstream OpenAI-compatible endpoint (the incumbent), the
       * request passed through with only `model` rewritten, the traffic captured. See src/serve/gateway.ts.
       */
      upstreams: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            baseUrl: z.url({ protocol: /^https?$/ }),
            model: z.string().min(1).optional(),
            apiKeyEnv: z
              .string()
              .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
              .optional(),
          }),
        )
        .default([]),
    })
    .prefault({}),
  /** Training settings per method (`train.sft: {...}`); see train-config.ts. */
  train: trainSchema,
  /** `tailor loop`: retrain from traffic, gate, promote; see loop-config.ts. */
  loop: loopSchema.optional(),
});

export type TailorConfig = z.infer<typeof configSchema>;
export type PriceTable = TailorConfig['prices'];

export function defaultConfig(): TailorConfig {
  return configSchema.parse({});
}

/** Parse and validate config text; errors name the file, the line, the key path and what was expected. */
export function parseConfig(text: string, file: string): TailorConfig {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new ConfigError(`${file}:${line}:${col}: invalid YAML: ${first.message.split('\n')[0]}`);
  }
  let raw: unknown;
  try {
    // toJS expands aliases; the yaml library refuses a document whose aliases expand without bound
    // (an "alias bomb") rather than filling memory, and that refusal is the file's fault, not ours.
    raw = document.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    throw new ConfigError(`${file}: invalid YAML: ${(error as Error).message}`, {
      hint: 'YAML aliases (*name) may be used a few times, not nested into an exponential expansion.',
    });
  }
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    const node = document.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const parentNode = document.getIn(path.slice(0, -1), true) as
      | { range?: [number, number, number] }
      | undefined;
    // An unknown key is best pointed at by its own line, not by the first line of its map.
    const keyNode =
      issue.code === 'unrecognized_keys'
        ? (
            node as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined
          )?.items?.find((item) => issue.keys.includes(String(item.key?.value)))?.key
        : undefined;
    const offset = keyNode?.range?.[0] ?? node?.range?.[0] ?? parentNode?.range?.[0];
    const where = offset === undefined ? file : `${file}:${lineCounter.linePos(offset).line}`;
    const key = path.length > 0 ? path.join('.') : '(top level)';
    return `${where}: ${key}: ${describeIssue(issue)}`;
  });
  throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  return issue.message.replace(/^Invalid input: /, '');
}

export function loadConfig(file: string): TailorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
      hint: 'Run `tailor init` to create a workspace here, or pass --workspace <dir>.',
    });
  }
  return parseConfig(text, file);
}
