import { userInfo } from 'node:os';
import { ConfigError } from '../core/errors.js';
import type { AliasEvent } from '../store/training-repository.js';
import type { WorkspaceStore } from '../store/workspace.js';

/**
 * Specialist versions and the aliases clients call. Every version stays addressable as
 * `llama:<name>@v<n>`; an alias (`<name>@prod`, `<name>@candidate`) is a pointer that only
 * `promoteSpecialist` and `rollbackSpecialist` move, each move logged with who, when, why and the
 * gate report it rests on. Training a new version never moves an alias: nothing ships silently.
 */
export const aliasPattern = /^[a-z][a-z0-9_-]*$/;

export interface AliasMove {
  name: string;
  alias: string;
  reason: string;
  /** Who moved it (default: the OS user). */
  actor?: string | undefined;
  /** The gate report (or other file) the move rests on. */
  report?: string | undefined;
}

export function promoteSpecialist(store: WorkspaceStore, move: AliasMove & { version: number }): AliasEvent {
  checkAlias(move.alias);
  const specialist = store.training.specialist(move.name, move.version);
  if (!specialist) {
    const versions = store.training
      .specialists()
      .filter((entry) => entry.name === move.name)
      .map((entry) => `v${entry.version}`);
    throw new ConfigError(
      versions.length === 0
        ? `No specialist "${move.name}" in this workspace`
        : `${move.name} has no version ${move.version} (it has ${versions.join(', ')})`,
    );
  }
  return store.training.moveAlias({
    name: move.name,
    alias: move.alias,
    action: 'promote',
    toVersion: move.version,
    actor: actorOf(move),
    reason: requiredReason(move.reason),
    report: move.report ?? null,
  });
}

/** Point the alias back at the version it pointed at before its last move. */
export function rollbackSpecialist(store: WorkspaceStore, move: AliasMove): AliasEvent {
  checkAlias(move.alias);
  const current = store.training.alias(move.name, move.alias);
  if (!current) throw new ConfigError(`${move.name}@${move.alias} does not exist: nothing to roll back`);
  const last = store.training.aliasEvents({ name: move.name, alias: move.alias })[0];
  if (last?.fromVersion === null || last?.fromVersion === undefined)
    throw new ConfigError(
      `${move.name}@${move.alias} has pointed at v${current.version} since it was created: there is no earlier version to roll back to`,
      {
        hint: `Promote a version instead: tailor models promote ${move.name} <version> --alias ${move.alias}`,
      },
    );
  return store.training.moveAlias({
    name: move.name,
    alias: move.alias,
    action: 'rollback',
    toVersion: last.fromVersion,
    actor: actorOf(move),
    reason: requiredReason(move.reason),
    report: move.report ?? null,
  });
}

function checkAlias(alias: string): void {
  if (!aliasPattern.test(alias) || /^v\d+$/.test(alias))
    throw new ConfigError(
      `alias "${alias}" must be lower-case letters, digits, '-' or '_', starting with a letter, and not v<number> (that names a version)`,
    );
}

function requiredReason(reason: string): string {
  if (reason.trim() === '') throw new ConfigError('say why: --reason "<text>" is recorded in the audit log');
  return reason.trim();
}

function actorOf(move: AliasMove): string {
  if (move.actor) return move.actor;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
