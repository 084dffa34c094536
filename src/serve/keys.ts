import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { TailorError } from '../core/errors.js';
import type { ApiKeyRecord } from '../store/api-key-repository.js';
import type { WorkspaceStore } from '../store/workspace.js';

/**
 * API keys for `tailor serve`. Only a SHA-256 hash is stored (plus a short prefix so a person can
 * tell keys apart); the key itself is shown once, at creation. Scopes: `inference` (chat
 * completions, models), `feedback` (POST /v1/feedback), `admin` (everything).
 */
export const scopes = ['inference', 'feedback', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export interface ApiKey extends ApiKeyRecord {
  scopes: Scope[];
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function createApiKey(
  store: WorkspaceStore,
  options: { name: string; scopes: Scope[]; capture?: boolean },
): { key: ApiKey; secret: string } {
  const unknown = options.scopes.filter((scope) => !scopes.includes(scope));
  if (unknown.length > 0 || options.scopes.length === 0)
    throw new TailorError(
      'usage',
      `scopes must be some of ${scopes.join(', ')}; got ${options.scopes.join(', ') || 'none'}`,
    );
  // A name is how `keys revoke <name>` finds a key: two active keys of one name would make it
  // revoke one, report success, and leave the other working.
  if (store.apiKeys.findActive(options.name))
    throw new TailorError('usage', `An active API key is already named "${options.name}"`, {
      hint: `Choose another name, or revoke it first: tailor keys revoke ${options.name}`,
    });
  const secret = `tk_${randomBytes(24).toString('base64url')}`;
  const key: ApiKey = {
    id: randomUUID(),
    name: options.name,
    prefix: secret.slice(0, 7),
    scopes: [...new Set(options.scopes)],
    capture: options.capture ?? true,
    createdAt: new Date().toISOString(),
    revokedAt: undefined,
  };
  store.apiKeys.add(key, hashOf(secret));
  return { key, secret };
}

// Only createApiKey writes keys, and it checks their scopes first.
const fromRecord = (record: ApiKeyRecord): ApiKey => ({ ...record, scopes: record.scopes as Scope[] });

export function listApiKeys(store: WorkspaceStore): ApiKey[] {
  return store.apiKeys.list().map(fromRecord);
}

/** Revoke by id or name; revoked keys stay listed (with the time) so traffic keeps its attribution. */
export function revokeApiKey(store: WorkspaceStore, idOrName: string): ApiKey {
  const record = store.apiKeys.findActive(idOrName);
  if (!record) throw new TailorError('not-found', `No active API key with id or name "${idOrName}"`);
  const revokedAt = new Date().toISOString();
  store.apiKeys.revoke(record.id, revokedAt);
  return { ...fromRecord(record), revokedAt };
}

/** The active key a bearer secret belongs to, or undefined (unknown or revoked). */
export function verifyApiKey(store: WorkspaceStore, secret: string): ApiKey | undefined {
  const record = store.apiKeys.findActiveByHash(hashOf(secret));
  return record ? fromRecord(record) : undefined;
}

export function allows(key: ApiKey, scope: Scope): boolean {
  return key.scopes.includes('admin') || key.scopes.includes(scope);
}
