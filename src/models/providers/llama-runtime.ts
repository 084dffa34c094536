import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { getLlama, type Llama, LlamaLogLevel, type LlamaModel } from 'node-llama-cpp';
import { ModelFileError } from '../../core/errors.js';
import { readGgufSummary } from '../gguf-info.js';

/**
 * One llama.cpp runtime per process and one loaded copy of each GGUF: loading costs seconds and
 * hundreds of MB, so every `ChatModel` on the same file shares the weights (contexts stay separate).
 */
export interface LlamaRuntimeOptions {
  gpu: 'auto' | 'cuda' | 'vulkan' | 'metal' | 'off';
  /** 0 = one thread per available core. */
  threads: number;
}

let runtime: { options: LlamaRuntimeOptions; llama: Promise<Llama> } | undefined;
const loadedModels = new Map<string, Promise<LlamaModel>>();

/**
 * The thread count matters enormously on small machines: node-llama-cpp's CPU default is
 * max(cores, 4), and 4 spinning threads on 2 cores made decoding ~700x slower here. Tailor caps
 * threads at the cores this process may use.
 */
export function resolveThreads(requested: number): number {
  const cores = availableParallelism();
  return requested > 0 ? requested : cores;
}

export function getLlamaRuntime(options: LlamaRuntimeOptions): Promise<Llama> {
  if (!runtime) {
    const maxThreads = resolveThreads(options.threads);
    const llama = getLlama({
      gpu: options.gpu === 'off' ? false : options.gpu,
      maxThreads,
      logLevel: LlamaLogLevel.error,
      // Building llama.cpp from source needs a compiler and the internet; the prebuilt binaries ship
      // in npm packages, so never fall back to a build at run time.
      build: 'never',
      progressLogs: false,
    });
    runtime = { options, llama };
  }
  return runtime.llama;
}

export async function loadLlamaModel(path: string, options: LlamaRuntimeOptions): Promise<LlamaModel> {
  const cached = loadedModels.get(path);
  if (cached) return cached;
  const loading = (async () => {
    await readGgufSummary(path); // typed errors for missing, non-GGUF and truncated files
    const llama = await getLlamaRuntime(options);
    try {
      return await llama.loadModel({ modelPath: path });
    } catch (error) {
      throw new ModelFileError(`llama.cpp could not load ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  })();
  loadedModels.set(path, loading);
  loading.catch(() => loadedModels.delete(path));
  return loading;
}

/**
 * Free a LoRA adapter no context uses any more. node-llama-cpp keeps every adapter it loaded (keyed by
 * path) for as long as the base model stays loaded; GRPO loads a new ~20 MB adapter after every update,
 * so without this a long run grows by that much per step. Close the contexts that used it first.
 */
export async function releaseLoraAdapter(modelPath: string, adapterPath: string): Promise<void> {
  const model = await loadedModels.get(modelPath)?.catch(() => undefined);
  // Internal to node-llama-cpp 3.x (pinned): the model's adapter cache.
  const cache = (
    model as unknown as { _loraAdapters?: Map<string, { dispose(): Promise<void> }> } | undefined
  )?._loraAdapters;
  const key = resolve(adapterPath);
  const adapter = cache?.get(key);
  if (!cache || !adapter) return;
  cache.delete(key);
  await adapter.dispose();
}

/** Unload every model (tests and the CLI call this before exiting so native memory is freed). */
export async function disposeLlamaRuntime(): Promise<void> {
  const models = [...loadedModels.values()];
  loadedModels.clear();
  await Promise.all(models.map(async (model) => (await model.catch(() => undefined))?.dispose()));
  const current = runtime;
  runtime = undefined;
  if (current) await (await current.llama.catch(() => undefined))?.dispose();
}
