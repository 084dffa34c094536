import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ChatModel } from '../core/chat-model.js';
import { defaultConfig, type TailorConfig } from '../core/config.js';
import { ModelFileError } from '../core/errors.js';
import { formatModelReference, type ModelReference, parseModelReference } from '../core/model-reference.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { withCallPipeline } from './call-pipeline.js';
import { findCatalogEntry } from './catalog.js';
import { readGgufSummary } from './gguf-info.js';
import { resolveModelFile } from './model-files.js';
import { createAnthropicModel } from './providers/anthropic.js';
import { createLlamaModel } from './providers/llama.js';
import { createOpenAIModel } from './providers/openai.js';
import type { ProgressListener } from './pull/progress.js';

export interface CreateModelOptions {
  config?: TailorConfig;
  /** Enables the response cache and the call log. */
  store?: WorkspaceStore;
  /** Pull catalog models that are not on disk yet (default true). */
  pull?: boolean;
  onProgress?: ProgressListener;
  /** Where API keys are read from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Custom fetch for the API providers (proxies, tests). */
  fetch?: typeof fetch;
  /** Injected in tests: how the retry layer waits. */
  sleep?: (milliseconds: number) => Promise<void>;
}

/**
 * The one way stages get a model: parse the reference, build the provider, wrap it in the call
 * pipeline (cache, accounting, limiter, retries, timeout, key redaction).
 */
export async function createModel(
  referenceText: string,
  options: CreateModelOptions = {},
): Promise<ChatModel> {
  const config = options.config ?? defaultConfig();
  const env = options.env ?? process.env;
  const reference = parseModelReference(referenceText);
  const cache = config.cache.enabled;

  if (reference.provider === 'llama') {
    const { id, modelPath, adapters } = await resolveLlamaReference(reference, options);
    const model = createLlamaModel({
      id,
      modelPath,
      adapters,
      gpu: config.llama.gpu,
      threads: config.llama.threads,
      contextSize: config.llama.contextSize,
      parallel: config.llama.parallel,
      defaultMaxTokens: config.llama.maxTokens,
    });
    return withCallPipeline(model, {
      store: options.store,
      cache,
      concurrency: config.llama.parallel,
      limiterKey: id,
      timeoutMs: 30 * 60_000,
      maxRetries: 0,
      prices: config.prices,
      freeByDefault: true,
      secrets: [],
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
  }

  const settings = config.providers[reference.provider];
  const apiKey = settings.apiKey ?? env[settings.apiKeyEnv];
  const baseURL =
    reference.provider === 'openai' ? (reference.baseURL ?? settings.baseURL) : settings.baseURL;
  const id = formatModelReference(reference);
  const model =
    reference.provider === 'openai'
      ? createOpenAIModel({
          id,
          model: reference.model,
          apiKeyEnv: settings.apiKeyEnv,
          ...(baseURL ? { baseURL } : {}),
          ...(apiKey ? { apiKey } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        })
      : createAnthropicModel({
          id,
          model: reference.model,
          apiKeyEnv: settings.apiKeyEnv,
          defaultMaxTokens: config.llama.maxTokens,
          ...(baseURL ? { baseURL } : {}),
          ...(apiKey ? { apiKey } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
  return withCallPipeline(model, {
    store: options.store,
    cache,
    concurrency: settings.concurrency,
    limiterKey: `${reference.provider}:${baseURL ?? 'default'}`,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    prices: config.prices,
    freeByDefault: false,
    secrets: apiKey ? [apiKey] : [],
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
}

/**
 * Catalog names stay as typed (they name fixed, checksummed files); paths become absolute so the
 * model id, and with it the cache key, names the exact weights.
 */
async function resolveLlamaReference(
  givenReference: Extract<ModelReference, { provider: 'llama' }>,
  options: CreateModelOptions,
) {
  let reference = givenReference;
  // A specialist trained in this workspace: its base plus its adapter (then any adapters given).
  const specialist =
    findCatalogEntry(reference.model) || existsSync(reference.model)
      ? undefined
      : options.store?.specialist(reference.model);
  if (specialist) {
    reference = {
      ...reference,
      model: specialist.base,
      adapters: [{ path: specialist.adapterPath, scale: 1 }, ...reference.adapters],
    };
  }
  const modelPath = await resolveModelFile(reference.model, {
    pull: options.pull ?? true,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const summary = await readGgufSummary(modelPath);
  if (summary.type === 'adapter') {
    throw new ModelFileError(`${modelPath} is a LoRA adapter, not a base model`, {
      hint: 'Give the base model first: llama:<base>+lora:<adapter>',
    });
  }
  const adapters = await Promise.all(
    reference.adapters.map(async (adapter) => {
      const path = resolve(adapter.path);
      const adapterSummary = await readGgufSummary(path);
      if (adapterSummary.type !== 'adapter') {
        throw new ModelFileError(
          `${path} is not a LoRA adapter GGUF (general.type is "${adapterSummary.type}")`,
        );
      }
      if (adapterSummary.architecture !== summary.architecture) {
        throw new ModelFileError(
          `Adapter ${path} is for ${adapterSummary.architecture}, the base model is ${summary.architecture}`,
        );
      }
      return { path, scale: adapter.scale };
    }),
  );
  const canonicalModel = findCatalogEntry(reference.model)?.name ?? modelPath;
  const id = formatModelReference({ provider: 'llama', model: canonicalModel, adapters });
  return { id, modelPath, adapters };
}

/**
 * Models opened on demand, one per reference, closed together: what a command needs when the model
 * under test and its judges may name the same model (it is then loaded once).
 */
export interface ModelPool {
  get(reference: string): Promise<ChatModel>;
  closeAll(): Promise<void>;
}

export function modelPool(options: CreateModelOptions): ModelPool {
  const models = new Map<string, Promise<ChatModel>>();
  return {
    get(reference) {
      let model = models.get(reference);
      if (!model) {
        model = createModel(reference, options);
        models.set(reference, model);
      }
      return model;
    },
    async closeAll() {
      const opened = [...models.values()];
      models.clear();
      await Promise.all(opened.map(async (model) => (await model.catch(() => undefined))?.close()));
    },
  };
}
