import type { SqliteDatabase } from './database.js';

/** A person who uses the web app. `passwordHash` is undefined until they accept an invite. */
export interface UserRecord {
  name: string;
  role: string;
  passwordHash: string | undefined;
  createdAt: string;
  createdBy: string;
}

export interface SessionRecord {
  userName: string;
  csrfToken: string;
  expiresAt: string;
}

/**
 * `users`, `invites` and `sessions`. Invite and session tokens are stored only as hashes (src/serve's
 * people.ts makes and hashes them); a database copy gives nobody a way in.
 */
export class PeopleRepository {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  addUser(user: Omit<UserRecord, 'createdAt' | 'passwordHash'>): UserRecord {
    const createdAt = new Date().toISOString();
    this.#database
      .prepare(
        'INSERT INTO users (name, role, password_hash, created_at, created_by) VALUES (?, ?, NULL, ?, ?)',
      )
      .run(user.name, user.role, createdAt, user.createdBy);
    return { ...user, passwordHash: undefined, createdAt };
  }

  user(name: string): UserRecord | undefined {
    const row = this.#database.prepare('SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return row ? fromUserRow(row) : undefined;
  }

  users(): UserRecord[] {
    return (this.#database.prepare('SELECT * FROM users ORDER BY name').all() as UserRow[]).map(fromUserRow);
  }

  setPassword(name: string, passwordHash: string): void {
    this.#database.prepare('UPDATE users SET password_hash = ? WHERE name = ?').run(passwordHash, name);
  }

  setRole(name: string, role: string): void {
    this.#database.prepare('UPDATE users SET role = ? WHERE name = ?').run(role, name);
  }

  addInvite(tokenHash: string, userName: string, expiresAt: string): void {
    this.#database
      .prepare('INSERT INTO invites (token_hash, user_name, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(tokenHash, userName, new Date().toISOString(), expiresAt);
  }

  /** The unused, unexpired invite with this token hash, marked used in the same statement. */
  redeemInvite(tokenHash: string, now: string): string | undefined {
    const row = this.#database
      .prepare(
        `UPDATE invites SET used_at = @now WHERE token_hash = @tokenHash AND used_at IS NULL AND expires_at > @now
         RETURNING user_name`,
      )
      .get({ tokenHash, now }) as { user_name: string } | undefined;
    return row?.user_name;
  }

  addSession(tokenHash: string, session: SessionRecord): void {
    this.#database
      .prepare(
        'INSERT INTO sessions (token_hash, user_name, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(tokenHash, session.userName, session.csrfToken, new Date().toISOString(), session.expiresAt);
  }

  session(tokenHash: string, now: string): SessionRecord | undefined {
    const row = this.#database
      .prepare('SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?')
      .get(tokenHash, now) as { user_name: string; csrf_token: string; expires_at: string } | undefined;
    return row
      ? { userName: row.user_name, csrfToken: row.csrf_token, expiresAt: row.expires_at }
      : undefined;
  }

  removeSession(tokenHash: string): void {
    this.#database.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  /** Signs a person out everywhere (a new password, a changed role). */
  removeSessionsOf(userName: string): void {
    this.#database.prepare('DELETE FROM sessions WHERE user_name = ?').run(userName);
  }
}

interface UserRow {
  name: string;
  role: string;
  password_hash: string | null;
  created_at: string;
  created_by: string;
}

function fromUserRow(row: UserRow): UserRecord {
  return {
    name: row.name,
    role: row.role,
    passwordHash: row.password_hash ?? undefined,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}
