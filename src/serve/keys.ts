import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { TailorError } from '../core/errors.js';
import type { WorkspaceStore } from '../store/workspace.js';

/**
 * API keys for `tailor serve`. Only a SHA-256 hash is stored (plus a short prefix so a person can
 * tell keys apart); the key itself is shown once, at creation. Scopes: `inference` (chat
 * completions, models), `feedback` (POST /v1/feedback), `admin` (everything).
 */
export const scopes = ['inference', 'feedback', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  /** Whether this key's traffic is captured (when capture is on for the server). */
  capture: boolean;
  createdAt: string;
  revokedAt: string | undefined;
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
  store.database
    .prepare(
      'INSERT INTO api_keys (id, name, hash, prefix, scopes, capture, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      key.id,
      key.name,
      hashOf(secret),
      key.prefix,
      key.scopes.join(','),
      key.capture ? 1 : 0,
      key.createdAt,
    );
  return { key, secret };
}

interface Row {
  id: string;
  name: string;
  prefix: string;
  scopes: string;
  capture: number;
  created_at: string;
  revoked_at: string | null;
}

const fromRow = (row: Row): ApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes.split(',') as Scope[],
  capture: row.capture === 1,
  createdAt: row.created_at,
  revokedAt: row.revoked_at ?? undefined,
});

export function listApiKeys(store: WorkspaceStore): ApiKey[] {
  return (store.database.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as Row[]).map(fromRow);
}

/** Revoke by id or name; revoked keys stay listed (with the time) so traffic keeps its attribution. */
export function revokeApiKey(store: WorkspaceStore, idOrName: string): ApiKey {
  const row = store.database
    .prepare('SELECT * FROM api_keys WHERE (id = ? OR name = ?) AND revoked_at IS NULL')
    .get(idOrName, idOrName) as Row | undefined;
  if (!row) throw new TailorError('not-found', `No active API key with id or name "${idOrName}"`);
  const revokedAt = new Date().toISOString();
  store.database.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(revokedAt, row.id);
  return { ...fromRow(row), revokedAt };
}

/** The active key a bearer secret belongs to, or undefined (unknown or revoked). */
export function verifyApiKey(store: WorkspaceStore, secret: string): ApiKey | undefined {
  const row = store.database
    .prepare('SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL')
    .get(hashOf(secret)) as Row | undefined;
  return row ? fromRow(row) : undefined;
}

export function allows(key: ApiKey, scope: Scope): boolean {
  return key.scopes.includes('admin') || key.scopes.includes(scope);
}
