import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatModel } from '../core/chat-model.js';
import { createModel } from '../models/create-model.js';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { createApiKey } from './keys.js';
import { type RunningServer, startServer } from './server.js';

// A bounded load test on 127.0.0.1 against the real default model: a soak of 120 requests kept
// within capacity (2 decoding, 4 queued) has no error and no memory growth; a burst beyond capacity
// gets 429 with Retry-After for what does not fit, and 200 for the rest; the server is idle and
// healthy after. Bounded in requests, with one-token answers so it ends in seconds.
let workspace: Workspace;
let server: RunningServer;
let secret: string;
const models = new Map<string, Promise<ChatModel>>();

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'tailor-load-'));
  writeFileSync(
    join(root, 'tailor.yaml'),
    'version: 1\nllama:\n  parallel: 2\n  contextSize: 256\nserve:\n  maxQueue: 4\n',
  );
  workspace = openWorkspace(root);
  secret = createApiKey(workspace.store, { name: 'load', scopes: ['inference'] }).secret;
  server = await startServer({
    config: workspace.config,
    store: workspace.store,
    port: 0,
    modelFor: (reference) => {
      if (!models.has(reference))
        models.set(reference, createModel(reference, { config: workspace.config, store: workspace.store }));
      return models.get(reference)!;
    },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await Promise.all([...models.values()].map(async (model) => (await model).close()));
  workspace?.close();
  await disposeLlamaRuntime();
});

const ask = (index: number) =>
  fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({
      model: 'smollm2-135m-instruct',
      messages: [{ role: 'user', content: `Request ${index}. Answer with one word.` }],
      max_tokens: 1,
      temperature: 0,
    }),
  }).then(async (response) => ({
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: await response.text(),
  }));

/** `total` requests, `concurrency` in flight at a time. */
async function soak(total: number, concurrency: number) {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const index = next++;
        statuses.push((await ask(index)).status);
      }
    }),
  );
  return statuses;
}

describe('tailor serve under load', () => {
  it('soaks 120 requests within capacity without an error or memory growth, refuses a burst beyond it with 429', {
    timeout: 300_000,
  }, async () => {
    await soak(10, 4); // warm: the model is loaded and the allocator settled
    const rssBefore = process.memoryUsage().rss;
    const statuses = await soak(120, 6); // 2 decoding + 4 queued: exactly the capacity
    const rssAfter = process.memoryUsage().rss;
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(statuses).toHaveLength(120);
    // Flat: growth under 64 MiB over 120 requests (a leak of one context or KV cache per request
    // would be far more).
    expect(rssAfter - rssBefore).toBeLessThan(64 * 1024 * 1024);

    const burst = await Promise.all(Array.from({ length: 24 }, (_, index) => ask(1000 + index)));
    const refused = burst.filter((response) => response.status === 429);
    expect(burst.filter((response) => response.status !== 200 && response.status !== 429)).toEqual([]);
    // What fits (2 decoding, 4 waiting, and whatever finishes meanwhile) is answered; the rest is 429.
    expect(refused.length).toBeGreaterThan(0);
    expect(burst.filter((response) => response.status === 200).length).toBeGreaterThanOrEqual(6);
    for (const response of refused) {
      expect(response.retryAfter).toBe('1');
      expect(JSON.parse(response.body).error.message).toMatch(/busy/);
    }

    const health = (await (await fetch(`${server.url}/healthz`)).json()) as {
      inFlight: number;
      queued: number;
    };
    expect(health).toEqual({ status: 'ok', inFlight: 0, queued: 0 });
    expect((await ask(5000)).status).toBe(200);
    expect(workspace.store.integrityCheck()).toEqual(['ok']);
  });
});
