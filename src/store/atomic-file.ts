import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TailorError } from '../core/errors.js';

/** A temp path next to `target`, so the final rename stays on one filesystem and is atomic. */
export function temporaryPathFor(target: string): string {
  return join(dirname(target), `.${randomBytes(6).toString('hex')}.tmp-${target.split('/').pop()}`);
}

/**
 * Write a file so that readers see either the old content or the whole new content, never a half:
 * write a temp file beside it, fsync, rename over the target.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const temporary = temporaryPathFor(target);
  try {
    mkdirSync(dirname(target), { recursive: true });
    const descriptor = openSync(temporary, 'w');
    try {
      writeSync(descriptor, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, target);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Its folder may not exist or not be a folder: then there is no temp file either.
    }
    throw cannotWrite(target, error);
  }
}

/** The everyday reasons a file cannot be written are the user's to fix: say which file and why. */
function cannotWrite(target: string, error: unknown): unknown {
  const reasons: Record<string, string> = {
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of its path is a file, not a folder',
    EEXIST: 'a part of its path is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the filesystem is read-only',
    ENOSPC: 'the disk is full',
  };
  const reason = reasons[(error as { code?: string }).code ?? ''];
  if (!reason) return error;
  return new TailorError('output-unwritable', `cannot write ${target}: ${reason}`, {
    cause: error,
    hint: 'Choose another path; nothing was written.',
  });
}
