import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultWorkerPython, TrainingWorker } from '../src/train/worker-client.js';

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

/** Runs a Python peer (a TRL script) in the worker's venv; it writes its result as JSON to `out`. */
export function runPythonPeer<T>(script: string, args: string[], out: string): T {
  execFileSync(defaultWorkerPython(), [script, ...args, '--out', out], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TOKENIZERS_PARALLELISM: 'false' },
  });
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}

/** A training worker on the GGUF with a fresh LoRA, as both benches' Tailor side starts one. */
export async function startBenchWorker(options: {
  gguf: string;
  rank: number;
  alpha: number;
  threads: number;
  activationCheckpointing?: boolean;
}): Promise<TrainingWorker> {
  const worker = await TrainingWorker.start();
  await worker.create({
    base: { gguf: options.gguf },
    lora: { rank: options.rank, alpha: options.alpha },
    seed: 0,
    threads: options.threads,
    cache_dir: workerCacheDirectory,
    ...(options.activationCheckpointing ? { gradient_checkpointing: true } : {}),
  });
  return worker;
}
