import { describe, expect, it } from 'vitest';
import { temporaryStore } from '../test-support/temporary-store.js';
import type { ApiKeyRecord } from './api-key-repository.js';

const key = (id: string, name: string, createdAt: string): ApiKeyRecord => ({
  id,
  name,
  prefix: 'tk_abcd',
  scopes: ['inference', 'feedback'],
  capture: false,
  createdAt,
  revokedAt: undefined,
});

describe('API keys', () => {
  it('finds active keys by id, name or hash, and keeps revoked ones listed', () => {
    const store = temporaryStore();
    const app = key('id-1', 'app', '2025-01-01T00:00:00Z');
    const old = key('id-2', 'old', '2025-01-02T00:00:00Z');
    store.apiKeys.add(old, 'hash-old');
    store.apiKeys.add(app, 'hash-app');
    expect(store.apiKeys.findActive('app')).toEqual(app);
    expect(store.apiKeys.findActive('id-1')).toEqual(app);
    expect(store.apiKeys.findActiveByHash('hash-app')).toEqual(app);
    store.apiKeys.revoke('id-2', '2025-02-01T00:00:00Z');
    expect(store.apiKeys.findActive('old')).toBeUndefined();
    expect(store.apiKeys.findActiveByHash('hash-old')).toBeUndefined();
    expect(store.apiKeys.findActiveByHash('unknown')).toBeUndefined();
    expect(store.apiKeys.list()).toEqual([app, { ...old, revokedAt: '2025-02-01T00:00:00Z' }]);
    store.close();
  });
});
