import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config.js';
import { temporaryStore } from '../test-support/temporary-store.js';
import { createApiKey } from './keys.js';
import { createServerApp, KeyRateLimiter } from './server.js';

describe('per-key rate limits', () => {
  it('lets a key burst to its minute, then one request per 60/limit seconds', () => {
    let now = 0;
    const limiter = new KeyRateLimiter(3, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(limiter.take('a')).toBe(20); // one token back every 20 s
    expect(limiter.take('b')).toBeUndefined(); // another key has its own bucket
    now = 19_000;
    expect(limiter.take('a')).toBe(1);
    now = 20_000;
    expect(limiter.take('a')).toBeUndefined();
    expect(new KeyRateLimiter(undefined).take('a')).toBeUndefined();
  });

  it('answers 429 with Retry-After and an OpenAI body past the limit, per key', async () => {
    const store = temporaryStore();
    const config = defaultConfig();
    config.serve.rateLimit.requestsPerMinute = 2;
    const app = createServerApp({
      config,
      store,
      modelFor: () => Promise.reject(new Error('no model here')),
    });
    const busy = createApiKey(store, { name: 'busy', scopes: ['inference'] }).secret;
    const calm = createApiKey(store, { name: 'calm', scopes: ['inference'] }).secret;
    const models = (secret: string) =>
      app.request('http://127.0.0.1/v1/models', { headers: { authorization: `Bearer ${secret}` } });
    expect((await models(busy)).status).toBe(200);
    expect((await models(busy)).status).toBe(200);
    const limited = await models(busy);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: unknown }).error).toMatchObject({
      code: 'rate_limit_exceeded',
    });
    expect((await models(calm)).status).toBe(200);
  });
});
