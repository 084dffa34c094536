import type { SqliteDatabase } from './database.js';

/**
 * A stored API key, without its hash. Which scopes exist and what they allow belongs to src/serve,
 * which also hashes secrets; the store only keeps the scope names it was given.
 */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  /** Whether this key's traffic is captured (when capture is on for the server). */
  capture: boolean;
  createdAt: string;
  revokedAt: string | undefined;
}

/** `api_keys`: keys by id, name and secret hash; revoked keys stay, with the time. */
export class ApiKeyRepository {
  readonly #database: SqliteDatabase;
  readonly #findActiveByHash;

  constructor(database: SqliteDatabase) {
    this.#database = database;
    // Checked on every served request.
    this.#findActiveByHash = database.prepare('SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL');
  }

  add(key: ApiKeyRecord, hash: string): void {
    this.#database
      .prepare(
        'INSERT INTO api_keys (id, name, hash, prefix, scopes, capture, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(key.id, key.name, hash, key.prefix, key.scopes.join(','), key.capture ? 1 : 0, key.createdAt);
  }

  /** Every key, revoked ones included, oldest first. */
  list(): ApiKeyRecord[] {
    return (this.#database.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as ApiKeyRow[]).map(
      fromRow,
    );
  }

  /** The key not yet revoked whose id or name this is. */
  findActive(idOrName: string): ApiKeyRecord | undefined {
    const row = this.#database
      .prepare('SELECT * FROM api_keys WHERE (id = ? OR name = ?) AND revoked_at IS NULL')
      .get(idOrName, idOrName) as ApiKeyRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** The key not yet revoked whose secret hashes to `hash`. */
  findActiveByHash(hash: string): ApiKeyRecord | undefined {
    const row = this.#findActiveByHash.get(hash) as ApiKeyRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  revoke(id: string, revokedAt: string): void {
    this.#database.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(revokedAt, id);
  }
}

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: string;
  capture: number;
  created_at: string;
  revoked_at: string | null;
}

const fromRow = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes.split(','),
  capture: row.capture === 1,
  createdAt: row.created_at,
  revokedAt: row.revoked_at ?? undefined,
});
