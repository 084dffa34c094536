import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initWorkspace, openWorkspace } from './workspace.js';

const directory = () => mkdtempSync(join(tmpdir(), 'tailor-ws-'));

describe('model calls', () => {
  it('stores cached responses and call records', () => {
    const root = directory();
    initWorkspace(root);
    const { store, close } = openWorkspace(root);
    store.modelCalls.cacheResponse('k', 'llama:x', { text: 'hi' });
    expect(store.modelCalls.cachedResponse('k')).toEqual({ text: 'hi' });
    expect(store.modelCalls.cachedResponse('missing')).toBeUndefined();
    store.modelCalls.record({
      model: 'llama:x',
      provider: 'llama',
      inputTokens: 3,
      outputTokens: 4,
      latencyMs: 5,
      costUsd: 0,
      cached: false,
    });
    expect(store.modelCalls.usageByModel()).toEqual([
      { model: 'llama:x', calls: 1, cachedCalls: 0, inputTokens: 3, outputTokens: 4, costUsd: 0 },
    ]);
    // A cache hit is counted as a call but decoded nothing.
    store.modelCalls.record({
      model: 'llama:x',
      provider: 'llama',
      inputTokens: 3,
      outputTokens: 4,
      latencyMs: 0,
      costUsd: 0,
      cached: true,
    });
    expect(store.modelCalls.decodedOutputTokens()).toBe(4);
    close();
  });
});
