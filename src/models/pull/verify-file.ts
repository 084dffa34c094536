import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Size first (instant), then the hash: a truncated file fails fast with a clear reason. */
export async function checkFile(
  path: string,
  expected: { sizeBytes: number; sha256: string },
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const { size } = await stat(path);
  if (size !== expected.sizeBytes) {
    return { ok: false, reason: `size is ${size} bytes, expected ${expected.sizeBytes}` };
  }
  const actual = await sha256File(path);
  if (actual !== expected.sha256)
    return { ok: false, reason: `SHA-256 is ${actual}, expected ${expected.sha256}` };
  return { ok: true };
}
