import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultWorkerPython } from '../train/worker-client.js';

/**
 * A tiny random llama (2 layers, hidden 32, vocabulary 96) in a Hugging Face folder, written by the
 * worker's own helper: fast tests of the training loop without the real model.
 */
export function writeTinyHfModel(seed = 0): string {
  const folder = join(mkdtempSync(join(tmpdir(), 'tailor-tiny-')), 'llama');
  execFileSync(defaultWorkerPython(), ['-m', 'tailor_worker.tiny_model', folder, '--seed', String(seed)], {
    cwd: join(import.meta.dirname, '..', '..', 'worker'),
    stdio: 'ignore',
  });
  return folder;
}

/** Synthetic SFT examples over the tiny vocabulary: a prompt (weight 0) and a completion (weight 1). */
export function tinyExamples(count: number, seed = 1) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state;
  };
  return Array.from({ length: count }, (_, index) => {
    const promptLength = 3 + (next() % 4);
    const completionLength = 2 + (next() % 5);
    const tokens = [1, ...Array.from({ length: promptLength + completionLength }, () => 3 + (next() % 90))];
    const weights = tokens.map((_, position) => (position > promptLength ? 1 : 0));
    return { id: `tiny-${index}`, tokens, weights, promptTokens: promptLength + 1 };
  });
}
