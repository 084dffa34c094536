import { createHash } from 'node:crypto';
import type {
  ChatMessage,
  ChatModel,
  GenerateOptions,
  GenerateResult,
  StreamEvent,
} from '../core/chat-model.js';
import { streamFromResult } from '../core/chat-model.js';
import type { PriceTable } from '../core/config.js';
import { ProviderError, ProviderTimeoutError, TailorError } from '../core/errors.js';
import type { WorkspaceStore } from '../store/workspace.js';

/**
 * What happens around every model call, as layers that each take a `ChatModel` and return one:
 *
 *   accounting → cache → concurrency limit → retries → timeout → provider
 *
 * The cache sits outside the limiter so a hit costs no slot, no retry and no money; accounting sits
 * outside the cache so hits are logged too (as cached calls at cost 0) and usage reports are complete.
 */
export interface CallPipelineOptions {
  /** Response cache and call log; without a store there is no cache and no log. */
  store?: WorkspaceStore;
  cache: boolean;
  /** Calls in flight at once for this limiter key. */
  concurrency: number;
  /** Calls sharing a key share the limit (e.g. every model behind one API key). */
  limiterKey: string;
  timeoutMs: number;
  maxRetries: number;
  prices: PriceTable;
  /** Local models cost nothing unless the price table says otherwise. */
  freeByDefault: boolean;
  /** Secret values (API keys) to scrub from any error message that escapes. */
  secrets: string[];
  /** Injected in tests to avoid real waiting. */
  sleep?: (milliseconds: number) => Promise<void>;
}

export function withCallPipeline(model: ChatModel, options: CallPipelineOptions): ChatModel {
  let wrapped = withTimeout(model, options.timeoutMs);
  wrapped = withRetries(wrapped, options.maxRetries, options.sleep ?? sleep);
  wrapped = withConcurrencyLimit(wrapped, limiterFor(options.limiterKey, options.concurrency));
  if (options.cache && options.store) wrapped = withCache(wrapped, options.store);
  wrapped = withAccounting(wrapped, options);
  return withRedaction(wrapped, options.secrets);
}

/** A call is cached only when repeating it must give the same answer: greedy, or seeded. */
export function isCacheable(options: GenerateOptions): boolean {
  if (options.cache === false) return false;
  return options.temperature === 0 || options.seed !== undefined;
}

export function cacheKey(modelId: string, messages: ChatMessage[], options: GenerateOptions): string {
  const { signal: _signal, cache: _cache, ...semantic } = options;
  const canonical = JSON.stringify({ model: modelId, messages, options: sortKeys(semantic) });
  return createHash('sha256').update(canonical).digest('hex');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, entry]) => entry !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, entry]) => [key, sortKeys(entry)]),
    );
  }
  return value;
}

function withCache(model: ChatModel, store: WorkspaceStore): ChatModel {
  const lookup = (messages: ChatMessage[], options: GenerateOptions) => {
    if (!isCacheable(options)) return { key: undefined, hit: undefined };
    const key = cacheKey(model.id, messages, options);
    const hit = store.modelCalls.cachedResponse(key) as GenerateResult | undefined;
    return { key, hit: hit ? { ...hit, cached: true, latencyMs: 0, costUsd: 0 } : undefined };
  };
  return {
    ...model,
    async generate(messages, options = {}) {
      const { key, hit } = lookup(messages, options);
      if (hit) return hit;
      const result = await model.generate(messages, options);
      if (key && result.samples.every((sample) => sample.finishReason !== 'abort')) {
        store.modelCalls.cacheResponse(key, model.id, result);
      }
      return result;
    },
    async *stream(messages, options = {}) {
      const { key, hit } = lookup(messages, options);
      if (hit) {
        yield* streamFromResult(Promise.resolve(hit));
        return;
      }
      for await (const event of model.stream(messages, options)) {
        if (event.type === 'finish' && key && event.result.finishReason !== 'abort') {
          store.modelCalls.cacheResponse(key, model.id, event.result);
        }
        yield event;
      }
    },
  };
}

/** Price per call from the table: exact reference first, then the longest matching `prefix*` key. */
export function priceFor(
  prices: PriceTable,
  modelId: string,
): { inputPerMillion: number; outputPerMillion: number } | undefined {
  if (prices[modelId]) return prices[modelId];
  let best: { length: number; price: { inputPerMillion: number; outputPerMillion: number } } | undefined;
  for (const [key, price] of Object.entries(prices)) {
    if (!key.endsWith('*')) continue;
    const prefix = key.slice(0, -1);
    if (modelId.startsWith(prefix) && (!best || prefix.length > best.length))
      best = { length: prefix.length, price };
  }
  return best?.price;
}

function withAccounting(model: ChatModel, options: CallPipelineOptions): ChatModel {
  const price = priceFor(options.prices, model.id);
  const settle = (result: GenerateResult): GenerateResult => {
    const costUsd = result.cached
      ? 0
      : price
        ? (result.usage.inputTokens * price.inputPerMillion +
            result.usage.outputTokens * price.outputPerMillion) /
          1e6
        : options.freeByDefault
          ? 0
          : null;
    const settled = { ...result, costUsd };
    options.store?.modelCalls.record({
      model: model.id,
      provider: model.provider,
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      latencyMs: result.latencyMs,
      costUsd,
      cached: result.cached,
    });
    return settled;
  };
  return {
    ...model,
    generate: async (messages, callOptions) => settle(await model.generate(messages, callOptions)),
    async *stream(messages, callOptions) {
      for await (const event of model.stream(messages, callOptions)) {
        yield event.type === 'finish' ? { type: 'finish', result: settle(event.result) } : event;
      }
    },
  };
}

/** A counting semaphore; waiters are served in arrival order. */
export class Limiter {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(readonly concurrency: number) {}

  async acquire(): Promise<() => void> {
    if (this.#active >= this.concurrency)
      await new Promise<void>((resolveTurn) => this.#waiting.push(resolveTurn));
    else this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    };
  }
}

const limiters = new Map<string, Limiter>();

function limiterFor(key: string, concurrency: number): Limiter {
  let limiter = limiters.get(key);
  if (!limiter || limiter.concurrency !== concurrency) {
    limiter = new Limiter(concurrency);
    limiters.set(key, limiter);
  }
  return limiter;
}

function withConcurrencyLimit(model: ChatModel, limiter: Limiter): ChatModel {
  return {
    ...model,
    async generate(messages, options) {
      const release = await limiter.acquire();
      try {
        return await model.generate(messages, options);
      } finally {
        release();
      }
    },
    async *stream(messages, options) {
      const release = await limiter.acquire();
      try {
        yield* model.stream(messages, options);
      } finally {
        release();
      }
    },
  };
}

/** Retry retryable failures (429, 5xx, timeouts, dropped connections) with exponential backoff and jitter. */
function withRetries(
  model: ChatModel,
  maxRetries: number,
  wait: (milliseconds: number) => Promise<void>,
): ChatModel {
  const delayFor = (attempt: number, error: unknown) => {
    const retryAfter = (error as { retryAfterMs?: number }).retryAfterMs;
    if (retryAfter !== undefined) return Math.min(retryAfter, 60_000);
    return Math.min(30_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
  };
  const retryable = (error: unknown) => error instanceof ProviderError && error.isRetryable;
  return {
    ...model,
    async generate(messages, options = {}) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await model.generate(messages, options);
        } catch (error) {
          if (!retryable(error) || attempt >= maxRetries || options.signal?.aborted) throw error;
          await wait(delayFor(attempt, error));
        }
      }
    },
    async *stream(messages, options = {}) {
      // Only a stream that failed before its first event is retried; a half-delivered one is not.
      for (let attempt = 0; ; attempt++) {
        let started = false;
        try {
          for await (const event of model.stream(messages, options)) {
            started = true;
            yield event;
          }
          return;
        } catch (error) {
          if (started || !retryable(error) || attempt >= maxRetries || options.signal?.aborted) throw error;
          await wait(delayFor(attempt, error));
        }
      }
    },
  };
}

function withTimeout(model: ChatModel, timeoutMs: number): ChatModel {
  const arm = (options: GenerateOptions) => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new ProviderTimeoutError(model.provider, timeoutMs)),
      timeoutMs,
    );
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const disarm = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const timedOut = () => controller.signal.reason instanceof ProviderTimeoutError;
    return { signal: controller.signal, disarm, timedOut };
  };
  return {
    ...model,
    async generate(messages, options = {}) {
      const { signal, disarm, timedOut } = arm(options);
      try {
        const result = await Promise.race([
          model.generate(messages, { ...options, signal }),
          new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => timedOut() && reject(signal.reason), { once: true }),
          ),
        ]);
        if (timedOut()) throw signal.reason;
        return result;
      } catch (error) {
        if (timedOut()) throw signal.reason;
        throw error;
      } finally {
        disarm();
      }
    },
    async *stream(messages, options = {}) {
      const { signal, disarm, timedOut } = arm(options);
      try {
        yield* model.stream(messages, { ...options, signal });
        if (timedOut()) throw signal.reason;
      } catch (error) {
        if (timedOut()) throw signal.reason;
        throw error;
      } finally {
        disarm();
      }
    },
  };
}

/** Last line of defence: no API key leaves Tailor inside an error message. */
function withRedaction(model: ChatModel, secrets: string[]): ChatModel {
  const present = secrets.filter((secret) => secret.length >= 4);
  if (present.length === 0) return model;
  const scrub = (error: unknown): unknown => {
    if (!(error instanceof Error)) return error;
    let message = error.message;
    for (const secret of present) message = message.split(secret).join('***');
    if (message === error.message) return error;
    if (error instanceof TailorError) {
      Object.defineProperty(error, 'message', { value: message });
      return error;
    }
    return new Error(message);
  };
  return {
    ...model,
    async generate(messages, options) {
      try {
        return await model.generate(messages, options);
      } catch (error) {
        throw scrub(error);
      }
    },
    async *stream(messages, options): AsyncIterable<StreamEvent> {
      try {
        yield* model.stream(messages, options);
      } catch (error) {
        throw scrub(error);
      }
    },
  };
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, milliseconds));
}
