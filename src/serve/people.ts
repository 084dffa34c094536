import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { ConfigError, TailorError } from '../core/errors.js';
import type { UserRecord } from '../store/people-repository.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { type Role, roleSchema, type User, userNameSchema } from './app-schema.js';

/**
 * People of the web app: users with a role, invites, passwords and sessions.
 *
 * - An admin (or `tailor users add`) creates a person with a role; they get an invite link, valid for
 *   a week and usable once, on which they choose their password. Only hashes of invite and session
 *   tokens are stored.
 * - Passwords are hashed with scrypt (N=2^15, r=8, p=1, a 16-byte salt), compared in constant time.
 * - A session is a random token in an httpOnly, SameSite=Strict cookie, valid for 12 hours, with its
 *   own CSRF token that every state-changing request sends back in a header.
 */

export const sessionCookie = 'tailor_session';
export const sessionHours = 12;
export const inviteDays = 7;

export class PeopleError extends TailorError {
  constructor(message: string, options: { hint?: string } = {}) {
    super('people', message, options);
  }
}

const scryptParameters = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, scryptParameters);
  return `scrypt$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export function passwordMatches(password: string, stored: string | undefined): boolean {
  const [scheme, salt, key] = (stored ?? '').split('$');
  if (scheme !== 'scrypt' || !salt || !key) {
    // Same work either way, so a missing user or password is not told apart by timing.
    scryptSync(password, 'no-such-user', 32, scryptParameters);
    return false;
  }
  const expected = Buffer.from(key, 'base64url');
  const actual = scryptSync(password, Buffer.from(salt, 'base64url'), expected.length, scryptParameters);
  return timingSafeEqual(actual, expected);
}

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

export function toUser(record: UserRecord): User {
  return {
    name: record.name,
    role: roleSchema.parse(record.role),
    active: record.passwordHash !== undefined,
    createdAt: record.createdAt,
  };
}

export interface Invite {
  user: User;
  token: string;
  expiresAt: string;
}

/** A new person with a role, and their invite. */
export function addUser(store: WorkspaceStore, name: string, role: Role, createdBy: string): Invite {
  const parsed = userNameSchema.safeParse(name);
  if (!parsed.success) throw new ConfigError(`user name "${name}": ${parsed.error.issues[0]?.message}`);
  if (store.people.user(parsed.data))
    throw new PeopleError(`a user named "${parsed.data}" already exists`, {
      hint: 'Send them a new link with `tailor users invite <name>`.',
    });
  return store.transaction(() => {
    store.people.addUser({ name: parsed.data, role, createdBy });
    return invite(store, parsed.data);
  });
}

/** A fresh invite link for an existing person (a lost link, or a password reset). */
export function invite(store: WorkspaceStore, name: string): Invite {
  const user = store.people.user(name);
  if (!user)
    throw new PeopleError(`no user named "${name}"`, { hint: 'List them with `tailor users list`.' });
  const token = newToken();
  const expiresAt = new Date(Date.now() + inviteDays * 24 * 3600 * 1000).toISOString();
  store.people.addInvite(tokenHash(token), name, expiresAt);
  return { user: toUser(user), token, expiresAt };
}

export const inviteUrl = (origin: string, token: string) => `${origin.replace(/\/$/, '')}/#/invite/${token}`;

export interface Session {
  token: string;
  csrfToken: string;
  user: User;
}

/** Sign-in with a name and password; undefined for a wrong name, a wrong password or no password yet. */
export function signIn(store: WorkspaceStore, name: string, password: string): Session | undefined {
  const user = store.people.user(name);
  if (!passwordMatches(password, user?.passwordHash) || !user) return undefined;
  return startSession(store, user);
}

/** The invite sets the password (ending every other session of that person) and signs them in. */
export function acceptInvite(store: WorkspaceStore, token: string, password: string): Session | undefined {
  return store.transaction(() => {
    const name = store.people.redeemInvite(tokenHash(token), new Date().toISOString());
    if (!name) return undefined;
    store.people.setPassword(name, hashPassword(password));
    store.people.removeSessionsOf(name);
    return startSession(store, store.people.user(name)!);
  });
}

function startSession(store: WorkspaceStore, user: UserRecord): Session {
  const token = newToken();
  const csrfToken = newToken();
  const expiresAt = new Date(Date.now() + sessionHours * 3600 * 1000).toISOString();
  store.people.addSession(tokenHash(token), { userName: user.name, csrfToken, expiresAt });
  return { token, csrfToken, user: toUser(user) };
}

/** The session a cookie token names, if it is valid and its person still exists. */
export function sessionFor(
  store: WorkspaceStore,
  token: string | undefined,
): Omit<Session, 'token'> | undefined {
  if (!token) return undefined;
  const session = store.people.session(tokenHash(token), new Date().toISOString());
  const user = session ? store.people.user(session.userName) : undefined;
  return session && user ? { csrfToken: session.csrfToken, user: toUser(user) } : undefined;
}

export function signOut(store: WorkspaceStore, token: string | undefined): void {
  if (token) store.people.removeSession(tokenHash(token));
}

/** Constant-time comparison of the CSRF header with the session's token. */
export function csrfMatches(header: string | undefined, expected: string): boolean {
  if (!header) return false;
  const a = Buffer.from(header);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
