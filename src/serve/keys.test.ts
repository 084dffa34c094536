import { describe, expect, it } from 'vitest';
import { temporaryStore } from '../test-support/temporary-store.js';
import { createApiKey, listApiKeys, revokeApiKey, verifyApiKey } from './keys.js';

describe('API key names', () => {
  it('are unique among active keys, so revoking by name revokes the only key of that name', () => {
    const store = temporaryStore();
    const first = createApiKey(store, { name: 'app', scopes: ['inference'] });
    expect(() => createApiKey(store, { name: 'app', scopes: ['inference'] })).toThrow(
      'An active API key is already named "app"',
    );
    expect(listApiKeys(store)).toHaveLength(1);
    revokeApiKey(store, 'app');
    expect(verifyApiKey(store, first.secret)).toBeUndefined();
    // A revoked key's name is free again.
    const second = createApiKey(store, { name: 'app', scopes: ['inference'] });
    expect(verifyApiKey(store, second.secret)?.id).toBe(second.key.id);
  });
});
