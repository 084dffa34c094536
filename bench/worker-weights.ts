import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the training worker keeps the float32 weights it dequantises from a GGUF. */
export const workerCacheDirectory = join(homedir(), '.cache', 'tailor', 'worker');

/**
 * The newest float32 copy of SmolLM2-135M-Instruct Q4_1 in the worker's cache: the peers (TRL) load
 * these, so both sides of a bench train the very same weights. Run the worker once first.
 */
export function dequantisedSmolLM2(): string {
  const newest = readdirSync(workerCacheDirectory)
    .filter((name) => name.startsWith('SmolLM2-135M-Instruct.Q4_1-') && !name.includes('.tmp'))
    .map((name) => join(workerCacheDirectory, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!newest)
    throw new Error(`no dequantised SmolLM2 in ${workerCacheDirectory}: run the worker on it first`);
  return newest;
}
