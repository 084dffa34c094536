import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatModel, GenerateOptions, GenerateResult } from '../core/chat-model.js';
import { streamFromResult } from '../core/chat-model.js';
import { ProviderError, ProviderTimeoutError } from '../core/errors.js';
import { initWorkspace, openWorkspace } from '../store/workspace.js';
import { generateResult } from '../test-support/generate-result.js';
import { cacheKey, isCacheable, Limiter, priceFor, withCallPipeline } from './call-pipeline.js';

// These tests exercise the wrappers' own logic (retry policy, limits, cache, cost) with a scripted
// provider; the real providers have their own tests against the real model and real sockets.
function scriptedModel(
  script: (call: number, options: GenerateOptions) => Promise<GenerateResult> | GenerateResult,
) {
  let calls = 0;
  const model: ChatModel & { calls: () => number } = {
    id: 'openai:test-model',
    provider: 'openai',
    calls: () => calls,
    generate: async (_messages, options = {}) => script(++calls, options),
    stream: (messages, options) => streamFromResult(model.generate(messages, options)),
    close: async () => {},
  };
  return model;
}

const reply = (text: string): GenerateResult => generateResult(text);

const baseOptions = {
  cache: true,
  concurrency: 2,
  limiterKey: 'test',
  timeoutMs: 1000,
  maxRetries: 3,
  prices: {},
  freeByDefault: false,
  secrets: [],
  sleep: async () => {},
};

describe('call pipeline', () => {
  it('retries retryable errors only, up to maxRetries', async () => {
    const flaky = scriptedModel((call) => {
      if (call < 3) throw new ProviderError('openai', 'rate limited', { isRetryable: true, status: 429 });
      return reply('ok');
    });
    const model = withCallPipeline(flaky, { ...baseOptions, limiterKey: 'retry-1' });
    expect((await model.generate([{ role: 'user', content: 'x' }])).text).toBe('ok');
    expect(flaky.calls()).toBe(3);

    const bad = scriptedModel(() => {
      throw new ProviderError('openai', 'bad request', { isRetryable: false, status: 400 });
    });
    await expect(
      withCallPipeline(bad, { ...baseOptions, limiterKey: 'retry-2' }).generate([]),
    ).rejects.toThrow('bad request');
    expect(bad.calls()).toBe(1);

    const down = scriptedModel(() => {
      throw new ProviderError('openai', 'server error', { isRetryable: true, status: 503 });
    });
    await expect(
      withCallPipeline(down, { ...baseOptions, limiterKey: 'retry-3' }).generate([]),
    ).rejects.toThrow('server error');
    expect(down.calls()).toBe(4);
  });

  it('times out slow calls with a retryable typed error', async () => {
    const slow = scriptedModel(
      () => new Promise((resolveLater) => setTimeout(() => resolveLater(reply('late')), 500)),
    );
    const model = withCallPipeline(slow, {
      ...baseOptions,
      timeoutMs: 50,
      maxRetries: 1,
      limiterKey: 'timeout',
    });
    const error = await model.generate([]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderTimeoutError);
    expect((error as ProviderTimeoutError).isRetryable).toBe(true);
    expect(slow.calls()).toBe(2);
  });

  it('never runs more calls at once than the limit', async () => {
    let active = 0;
    let peak = 0;
    const busy = scriptedModel(async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolveLater) => setTimeout(resolveLater, 20));
      active--;
      return reply('done');
    });
    const model = withCallPipeline(busy, { ...baseOptions, concurrency: 3, limiterKey: 'limit' });
    await Promise.all(Array.from({ length: 10 }, () => model.generate([])));
    expect(peak).toBe(3);
    const limiter = new Limiter(1);
    const release = await limiter.acquire();
    let second = false;
    const waiting = limiter.acquire().then(() => (second = true));
    await new Promise((resolveLater) => setTimeout(resolveLater, 5));
    expect(second).toBe(false);
    release();
    await waiting;
    expect(second).toBe(true);
  });

  it('caches reproducible calls in the workspace and logs every call with its cost', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-pipeline-'));
    initWorkspace(root);
    const workspace = openWorkspace(root);
    const counted = scriptedModel((call) => reply(`answer ${call}`));
    const model = withCallPipeline(counted, {
      ...baseOptions,
      limiterKey: 'cache',
      store: workspace.store,
      prices: { 'openai:test*': { inputPerMillion: 2, outputPerMillion: 10 } },
    });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const first = await model.generate(messages, { temperature: 0 });
    expect(first.cached).toBe(false);
    expect(first.costUsd).toBeCloseTo((1000 * 2 + 20 * 10) / 1e6, 12);
    const second = await model.generate(messages, { temperature: 0 });
    expect(second).toMatchObject({ text: 'answer 1', cached: true, costUsd: 0 });
    expect((await model.generate(messages, { temperature: 0, cache: false })).text).toBe('answer 2');
    expect((await model.generate(messages, { temperature: 0.7 })).text).toBe('answer 3');
    expect((await model.generate(messages, { temperature: 0.7 })).text).toBe('answer 4');
    expect(counted.calls()).toBe(4);
    expect(workspace.store.modelCalls.usageByModel()).toEqual([
      expect.objectContaining({ model: 'openai:test-model', calls: 5, cachedCalls: 1, inputTokens: 5000 }),
    ]);
    workspace.close();
  });

  it('decides cacheability and keys from what changes the answer', () => {
    expect(isCacheable({ temperature: 0 })).toBe(true);
    expect(isCacheable({ temperature: 0.9, seed: 1 })).toBe(true);
    expect(isCacheable({ temperature: 0.9 })).toBe(false);
    expect(isCacheable({ temperature: 0, cache: false })).toBe(false);
    const messages = [{ role: 'user' as const, content: 'a' }];
    expect(cacheKey('m', messages, { temperature: 0, maxTokens: 5 })).toBe(
      cacheKey('m', messages, { maxTokens: 5, temperature: 0, signal: new AbortController().signal }),
    );
    expect(cacheKey('m', messages, { temperature: 0 })).not.toBe(
      cacheKey('m2', messages, { temperature: 0 }),
    );
  });

  it('prices by exact reference first, then the longest prefix', () => {
    const prices = {
      'openai:gpt-4.1*': { inputPerMillion: 2, outputPerMillion: 8 },
      'openai:gpt-4.1-mini*': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
      'openai:gpt-4.1-mini-2025': { inputPerMillion: 0.1, outputPerMillion: 0.2 },
    };
    expect(priceFor(prices, 'openai:gpt-4.1-mini')?.inputPerMillion).toBe(0.4);
    expect(priceFor(prices, 'openai:gpt-4.1')?.inputPerMillion).toBe(2);
    expect(priceFor(prices, 'openai:gpt-4.1-mini-2025')?.inputPerMillion).toBe(0.1);
    expect(priceFor(prices, 'anthropic:claude')).toBeUndefined();
  });

  it('scrubs secrets from errors', async () => {
    const leaky = scriptedModel(() => {
      throw new ProviderError('openai', 'invalid key sk-secret-123 for org', { status: 401 });
    });
    const model = withCallPipeline(leaky, {
      ...baseOptions,
      limiterKey: 'secret',
      secrets: ['sk-secret-123'],
    });
    const error = await model.generate([]).catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toBe('invalid key *** for org');
  });
});
