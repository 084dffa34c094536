/**
 * The model interface every stage talks to. It is deliberately small: a model generates or streams a
 * reply to chat messages. Providers (llama.cpp, OpenAI-compatible, Anthropic, …) implement it, and the
 * call pipeline (cache, limiter, retries, accounting) wraps it without changing its shape.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** A JSON Schema object (draft 2020-12 subset that grammar-constrained decoders and vendors accept). */
export type JsonSchema = { [key: string]: unknown };

export interface GenerateOptions {
  /** Upper bound on generated tokens per sample. Default 512. */
  maxTokens?: number;
  /** 0 means greedy decoding. Default 0.7 for local models, the vendor's default for APIs. */
  temperature?: number;
  topP?: number;
  /**
   * Sample only among the k most likely tokens. Local models default to 40: sampling from the full
   * vocabulary makes llama.cpp sort every candidate at every step (several times slower). Set 0 for the
   * exact full distribution (RL that needs sampler log-probabilities to match the learner's).
   * Anthropic and OpenAI-compatible servers receive it; OpenAI's own API has no top-k and ignores it.
   */
  topK?: number;
  /**
   * Makes sampling reproducible. Sample `i` of a multi-sample call uses `seed + i`, so the same call
   * with the same seed returns the same samples whether they ran in parallel or one after another.
   */
  seed?: number;
  /** Stop before any of these strings; the stop string is not part of the text. */
  stop?: string[];
  /** Constrain the output to JSON matching this schema (a grammar locally, structured outputs remotely). */
  jsonSchema?: JsonSchema;
  /** Number of independent samples. Default 1. */
  samples?: number;
  /** Return the log-probability of each generated token. */
  logprobs?: boolean;
  /** With `logprobs`, also return this many most likely alternatives per position. */
  topLogprobs?: number;
  /** Read and write the response cache. Default true; the cache only applies to reproducible calls. */
  cache?: boolean;
  signal?: AbortSignal;
}

/** Why a sample ended: the model finished, hit `maxTokens`, produced a `stop` string, or was aborted. */
export type FinishReason = 'stop' | 'length' | 'stop-sequence' | 'abort';

export interface TokenLogprob {
  token: string;
  /** Natural log of the probability under the sampling distribution. */
  logprob: number;
  top?: { token: string; logprob: number }[];
}

export interface Sample {
  text: string;
  finishReason: FinishReason;
  outputTokens: number;
  logprobs?: TokenLogprob[];
}

export interface Usage {
  /** Prompt tokens, counted once per call even when several samples share the prompt. */
  inputTokens: number;
  /** Generated tokens summed over all samples. */
  outputTokens: number;
}

export interface GenerateResult {
  /** The model reference that produced this result. */
  model: string;
  /** Text of the first sample; the common single-sample case reads only this. */
  text: string;
  finishReason: FinishReason;
  samples: Sample[];
  usage: Usage;
  /** Wall-clock time of the call as the caller saw it (near zero when served from the cache). */
  latencyMs: number;
  /** USD, from the price table; null when the model has no price (local models cost 0). */
  costUsd: number | null;
  cached: boolean;
  /** Settings the provider ignored (e.g. `seed` on Anthropic), so callers can see them. */
  warnings: string[];
}

export type StreamEvent = { type: 'text'; text: string } | { type: 'finish'; result: GenerateResult };

export interface ChatModel {
  /** The canonical model reference, e.g. `llama:smollm2-135m-instruct`. */
  readonly id: string;
  /** The provider's name as registered in src/models/provider-registry.ts (`llama`, `openai`, …). */
  readonly provider: string;
  generate(messages: ChatMessage[], options?: GenerateOptions): Promise<GenerateResult>;
  /** Streams text deltas of a single sample, then one `finish` event with the full result. */
  stream(messages: ChatMessage[], options?: GenerateOptions): AsyncIterable<StreamEvent>;
  /** Frees native memory or connections. Safe to call twice. */
  close(): Promise<void>;
}

/** Helper for providers that only implement `generate`, or wrappers that pass a stream through. */
export async function* streamFromResult(result: Promise<GenerateResult>): AsyncIterable<StreamEvent> {
  const finished = await result;
  if (finished.text.length > 0) yield { type: 'text', text: finished.text };
  yield { type: 'finish', result: finished };
}
