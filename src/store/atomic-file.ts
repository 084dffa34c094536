import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A temp path next to `target`, so the final rename stays on one filesystem and is atomic. */
export function temporaryPathFor(target: string): string {
  return join(dirname(target), `.${randomBytes(6).toString('hex')}.tmp-${target.split('/').pop()}`);
}

/**
 * Write a file so that readers see either the old content or the whole new content, never a half:
 * write a temp file beside it, fsync, rename over the target.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  mkdirSync(dirname(target), { recursive: true });
  const temporary = temporaryPathFor(target);
  try {
    const descriptor = openSync(temporary, 'w');
    try {
      writeSync(descriptor, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
