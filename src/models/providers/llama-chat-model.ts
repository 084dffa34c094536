import { randomInt } from 'node:crypto';
import {
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  LlamaGrammarEvaluationState,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { DuplicateKeyDetector } from '../../common/json-duplicate-keys.js';
import type {
  ChatMessage,
  ChatModel,
  FinishReason,
  GenerateOptions,
  GenerateResult,
  JsonSchema,
  Sample,
  StreamEvent,
  TokenLogprob,
} from '../../core/chat-model.js';
import { ProviderError } from '../../core/errors.js';
import { checkBatchOrderInternals, sequenceOrderedBatches } from './llama-batch-order.js';
import {
  type ChatFormat,
  chatFormatFor,
  type RenderedPrompt,
  renderChatPrompt,
} from './llama-chat-format.js';
import { forLlamaGrammar } from './llama-json-schema.js';
import { type LlamaRuntimeOptions, loadLlamaModel, resolveThreads } from './llama-runtime.js';
import { serializeSampling } from './llama-sampling-fix.js';

export interface LoraAdapterReference {
  path: string;
  scale: number;
}

export interface LlamaModelOptions extends LlamaRuntimeOptions {
  /** Canonical reference, used as the result's `model`. */
  id: string;
  /** Resolved path of the base GGUF. */
  modelPath: string;
  /** LoRA adapters (GGUF) with scales; write each new adapter version to a new file (llama.cpp caches by path). */
  adapters: LoraAdapterReference[];
  /** Context window per sequence. */
  contextSize: number;
  /** Sequences decoded together; also the number of calls served at once. */
  parallel: number;
  /** `maxTokens` when a call sets none. */
  defaultMaxTokens: number;
}

interface LlamaState {
  model: LlamaModel;
  context: LlamaContext;
  format: ChatFormat;
  pool: SequencePool;
}

/**
 * A local GGUF model served by llama.cpp. Concurrent calls (and the samples of one call) run on
 * separate sequences of one context and are decoded together in shared batches, which is where the
 * throughput of parallel sampling comes from. Results are reproducible: with the same seed a call
 * returns the same text whether it ran alone or beside others (checked by the integration tests).
 */
export function createLlamaModel(options: LlamaModelOptions): ChatModel {
  let state: Promise<LlamaState> | undefined;
  const grammars = new Map<string, Promise<LlamaGrammar>>();

  const ready = (): Promise<LlamaState> => {
    state ??= (async () => {
      const model = await loadLlamaModel(options.modelPath, options);
      const threads = resolveThreads(options.threads);
      let created: LlamaContext | undefined;
      const context = await model.createContext({
        sequences: options.parallel,
        batching: { itemPrioritizationStrategy: sequenceOrderedBatches(() => created) },
        contextSize: options.contextSize,
        threads,
        // Flash attention is faster on CPU here and, with sampling serialised, makes a sequence's
        // output independent of what the other sequences in the batch are doing.
        flashAttention: true,
        ...(options.adapters.length > 0
          ? {
              lora: {
                adapters: options.adapters.map((adapter) => ({
                  filePath: adapter.path,
                  scale: adapter.scale,
                })),
              },
            }
          : {}),
      });
      created = context;
      checkBatchOrderInternals(context);
      serializeSampling(context);
      return {
        model,
        context,
        format: chatFormatFor(model),
        pool: new SequencePool(context, options.parallel),
      };
    })();
    state.catch(() => {
      state = undefined;
    });
    return state;
  };

  const grammarFor = (llamaState: LlamaState, schema: JsonSchema): Promise<LlamaGrammar> => {
    const key = JSON.stringify(schema);
    let grammar = grammars.get(key);
    if (!grammar) {
      grammar = llamaState.model.llama.createGrammarForJsonSchema(
        forLlamaGrammar(schema) as never,
      ) as Promise<LlamaGrammar>;
      grammars.set(key, grammar);
      grammar.catch(() => grammars.delete(key));
    }
    return grammar;
  };

  async function run(
    messages: ChatMessage[],
    callOptions: GenerateOptions,
    onText?: (text: string) => void,
  ): Promise<GenerateResult> {
    const started = performance.now();
    const llamaState = await ready();
    const prompt = renderChatPrompt(llamaState.model, llamaState.format, messages);
    const contextSize = llamaState.context.contextSize;
    if (prompt.tokens.length >= contextSize) {
      throw new ProviderError(
        'llama',
        `Prompt is ${prompt.tokens.length} tokens, the context holds ${contextSize} per sequence`,
        { code: 'context-overflow', hint: 'Raise llama.contextSize in tailor.yaml or shorten the prompt.' },
      );
    }
    const requestedMaxTokens = callOptions.maxTokens ?? options.defaultMaxTokens;
    const maxTokens = Math.min(requestedMaxTokens, contextSize - prompt.tokens.length);
    const sampleCount = callOptions.samples ?? 1;
    const temperature = callOptions.temperature ?? 0.7;
    const baseSeed = callOptions.seed ?? randomInt(2 ** 31);
    const grammar = callOptions.jsonSchema ? await grammarFor(llamaState, callOptions.jsonSchema) : undefined;
    const warnings: string[] = [];
    if (!llamaState.format.fromGguf) warnings.push('GGUF has no chat template; used a guessed chat format');

    const samples = await Promise.all(
      Array.from({ length: sampleCount }, async (_, index) => {
        const sequence = await llamaState.pool.acquire();
        try {
          return await sampleOnce(llamaState, sequence, prompt, {
            maxTokens,
            temperature,
            topP: callOptions.topP ?? 1,
            topK: callOptions.topK ?? 40,
            seed: baseSeed + index,
            stop: callOptions.stop ?? [],
            grammar,
            logprobs: callOptions.logprobs === true || (callOptions.topLogprobs ?? 0) > 0,
            topLogprobs: callOptions.topLogprobs ?? 0,
            signal: callOptions.signal,
            onText: index === 0 ? onText : undefined,
          });
        } finally {
          llamaState.pool.release(sequence);
        }
      }),
    );
    for (const [index, sample] of samples.entries())
      if (sample.repeatedKey !== undefined)
        warnings.push(`sample ${index} stopped where it repeated the key "${sample.repeatedKey}"`);
    const first = samples[0]!;
    return {
      model: options.id,
      text: first.text,
      finishReason: first.finishReason,
      samples: samples.map(({ repeatedKey: _repeated, ...sample }) => sample),
      usage: {
        inputTokens: prompt.tokens.length,
        outputTokens: samples.reduce((sum, sample) => sum + sample.outputTokens, 0),
      },
      latencyMs: performance.now() - started,
      costUsd: null,
      cached: false,
      warnings,
    };
  }

  return {
    id: options.id,
    provider: 'llama',
    generate: (messages, callOptions = {}) => run(messages, callOptions),
    stream: (messages, callOptions = {}) => streamWith(messages, callOptions, run),
    async close() {
      const current = state;
      state = undefined;
      if (current) await (await current.catch(() => undefined))?.context.dispose();
    },
  };
}

interface SampleSettings {
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
  stop: string[];
  grammar: LlamaGrammar | undefined;
  logprobs: boolean;
  topLogprobs: number;
  signal: AbortSignal | undefined;
  onText: ((text: string) => void) | undefined;
}

async function sampleOnce(
  llamaState: LlamaState,
  sequence: LlamaContextSequence,
  prompt: RenderedPrompt,
  settings: SampleSettings,
): Promise<Sample & { repeatedKey?: string }> {
  const { model } = llamaState;
  // Each call starts from an empty sequence: reusing another call's KV prefix would make results depend
  // on call order, and the tests promise that they do not.
  await sequence.clearHistory();
  const grammar = settings.grammar;
  const stops = [
    ...settings.stop,
    ...(grammar ? grammar.stopGenerationTriggers.map((text) => text.toString()) : []),
  ];
  const generated: Token[] = [];
  const logprobs: TokenLogprob[] = [];
  let text = '';
  let emitted = 0;
  let finishReason: FinishReason = 'stop';
  // A grammar allows free-form keys (additionalProperties) to repeat; a small model can loop on one
  // until the token cap. The first repeat ends the sample: what follows would be discarded by
  // JSON.parse anyway, and the json-schema grader fails the output for it.
  const duplicates = grammar ? new DuplicateKeyDetector() : undefined;
  let scanned = 0;
  let repeatedKey: string | undefined;

  const iterator = sequence.evaluateWithMetadata(
    prompt.tokens,
    { confidence: settings.logprobs, probabilities: settings.topLogprobs > 0 },
    {
      temperature: settings.temperature,
      // "No limit" goes to node-llama-cpp as null, which leaves the filter out of llama.cpp's sampler
      // chain: it turns top-k 0 into a top-k over the whole vocabulary, sorting every logit for every
      // token, which made sampling at temperature 1 several times slower than greedy (bench/grpo).
      topP: (settings.topP < 1 ? settings.topP : null) as number,
      topK: (settings.topK > 0 ? settings.topK : null) as number,
      seed: settings.seed,
      grammarEvaluationState: grammar ? new LlamaGrammarEvaluationState({ model, grammar }) : undefined,
    },
  );
  for await (const output of iterator) {
    if (settings.signal?.aborted) {
      finishReason = 'abort';
      break;
    }
    generated.push(output.token);
    if (endsWithSequence(generated, prompt.stopTokenSequences)) break;
    if (settings.logprobs) logprobs.push(toLogprob(model, output, settings.topLogprobs));
    text = model.detokenize(generated);
    const stopFound = firstStop(text, stops);
    if (stopFound) {
      text = text.slice(0, stopFound.at);
      // A JSON grammar's own trigger (blank lines after the object) is a natural end, not a user stop.
      finishReason = settings.stop.includes(stopFound.stop) ? 'stop-sequence' : 'stop';
      break;
    }
    if (duplicates && text.length > scanned) {
      const found = duplicates.push(text.slice(scanned));
      scanned = text.length;
      if (found) {
        repeatedKey = found.key;
        break;
      }
    }
    if (settings.onText) {
      const safe = safeLength(text, stops);
      if (safe > emitted) {
        settings.onText(text.slice(emitted, safe));
        emitted = safe;
      }
    }
    if (generated.length >= settings.maxTokens) {
      finishReason = 'length';
      break;
    }
  }
  if (grammar?.trimWhitespaceSuffix) text = text.trimEnd();
  if (settings.onText && text.length > emitted) settings.onText(text.slice(emitted));
  return {
    text,
    finishReason,
    outputTokens: generated.length,
    ...(settings.logprobs ? { logprobs } : {}),
    ...(repeatedKey !== undefined ? { repeatedKey } : {}),
  };
}

function toLogprob(
  model: LlamaModel,
  output: { token: Token; confidence?: number; probabilities?: Map<Token, number> },
  topLogprobs: number,
): TokenLogprob {
  const probability = output.confidence ?? output.probabilities?.get(output.token) ?? 0;
  const entry: TokenLogprob = {
    token: model.detokenize([output.token], true),
    logprob: Math.log(probability),
  };
  if (topLogprobs > 0 && output.probabilities) {
    entry.top = [...output.probabilities.entries()].slice(0, topLogprobs).map(([token, p]) => ({
      token: model.detokenize([token], true),
      logprob: Math.log(p),
    }));
  }
  return entry;
}

function endsWithSequence(tokens: Token[], sequences: Token[][]): boolean {
  return sequences.some(
    (sequence) =>
      sequence.length <= tokens.length &&
      sequence.every((token, index) => tokens[tokens.length - sequence.length + index] === token),
  );
}

function firstStop(text: string, stops: string[]): { at: number; stop: string } | undefined {
  let first: { at: number; stop: string } | undefined;
  for (const stop of stops) {
    if (stop.length === 0) continue;
    const at = text.indexOf(stop);
    if (at >= 0 && (first === undefined || at < first.at)) first = { at, stop };
  }
  return first;
}

/**
 * How much of `text` can be streamed now: hold back a trailing partial UTF-8 character and any suffix
 * that could still grow into a stop string.
 */
export function safeLength(text: string, stops: string[]): number {
  let end = text.length;
  while (end > 0 && text[end - 1] === '\uFFFD') end--;
  let holdBack = 0;
  for (const stop of stops) {
    for (let length = Math.min(stop.length - 1, end); length > holdBack; length--) {
      if (text.endsWith(stop.slice(0, length), end)) {
        holdBack = length;
        break;
      }
    }
  }
  return end - holdBack;
}

/** Turn a callback-style generation into an async iterable of stream events. */
export async function* streamWith(
  messages: ChatMessage[],
  options: GenerateOptions,
  run: (
    messages: ChatMessage[],
    options: GenerateOptions,
    onText: (text: string) => void,
  ) => Promise<GenerateResult>,
): AsyncIterable<StreamEvent> {
  if ((options.samples ?? 1) > 1)
    throw new ProviderError('llama', 'stream() produces one sample; use generate() for several');
  const pending: string[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  let result: GenerateResult | undefined;
  run(messages, options, (text) => {
    pending.push(text);
    wake?.();
  }).then(
    (value) => {
      result = value;
      done = true;
      wake?.();
    },
    (error: unknown) => {
      failure = error;
      done = true;
      wake?.();
    },
  );
  while (true) {
    if (pending.length > 0) {
      yield { type: 'text', text: pending.shift()! };
      continue;
    }
    if (done) break;
    await new Promise<void>((resolveWake) => {
      wake = resolveWake;
    });
    wake = undefined;
  }
  if (failure !== undefined) throw failure;
  yield { type: 'finish', result: result! };
}

/** Hands out the context's sequences; callers beyond `size` wait their turn in order. */
class SequencePool {
  readonly #context: LlamaContext;
  readonly #free: LlamaContextSequence[] = [];
  readonly #waiting: ((sequence: LlamaContextSequence) => void)[] = [];
  #created = 0;

  constructor(
    context: LlamaContext,
    readonly size: number,
  ) {
    this.#context = context;
  }

  acquire(): Promise<LlamaContextSequence> {
    const free = this.#free.pop();
    if (free) return Promise.resolve(free);
    if (this.#created < this.size) {
      this.#created++;
      return Promise.resolve(this.#context.getSequence());
    }
    return new Promise((resolveSequence) => this.#waiting.push(resolveSequence));
  }

  release(sequence: LlamaContextSequence): void {
    const next = this.#waiting.shift();
    if (next) next(sequence);
    else this.#free.push(sequence);
  }
}
