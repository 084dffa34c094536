import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ModelFileError, ModelReferenceError } from '../../core/errors.js';
import { findCatalogEntry } from '../catalog.js';
import { readGgufSummary } from '../gguf-info.js';
import { resolveModelFile } from '../model-files.js';
import { createLlamaModel, type LoraAdapterReference } from './llama-chat-model.js';
import type { ModelProvider, ProviderContext } from './provider.js';

/**
 * Local GGUF models on llama.cpp: `llama:<catalog name | path | specialist>[+lora:<path>[@scale]]...`.
 * The decoding itself is in llama-chat-model.ts; this file turns a reference into the files to load.
 */
export interface LlamaModelReference {
  provider: 'llama';
  model: string;
  adapters: LoraAdapterReference[];
}

export const llamaProvider: ModelProvider<LlamaModelReference> = {
  name: 'llama',
  parse: parseLlamaReference,
  format: formatLlamaReference,
  async create(reference, context) {
    const { config } = context;
    const { id, modelPath, adapters } = await resolveLlamaReference(reference, context);
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
    return {
      model,
      // One limiter per loaded model and adapters, as wide as its context's sequences; a local call
      // fails for reasons a retry does not fix, and costs nothing unless the price table says so.
      pipeline: {
        concurrency: config.llama.parallel,
        limiterKey: id,
        timeoutMs: 30 * 60_000,
        maxRetries: 0,
        freeByDefault: true,
        secrets: [],
      },
    };
  },
};

function parseLlamaReference(body: string, original: string): LlamaModelReference {
  const [model, ...adapterParts] = body.split('+');
  if (!model) throw new ModelReferenceError(`Model reference "${original}" names no model`);
  const adapters = adapterParts.map((part) => {
    if (!part.startsWith('lora:')) {
      throw new ModelReferenceError(`Expected "+lora:<path>[@scale]" in "${original}", got "+${part}"`);
    }
    const adapterBody = part.slice('lora:'.length);
    const at = adapterBody.lastIndexOf('@');
    const path = at > 0 ? adapterBody.slice(0, at) : adapterBody;
    const scale = at > 0 ? Number(adapterBody.slice(at + 1)) : 1;
    if (!path) throw new ModelReferenceError(`LoRA adapter path is empty in "${original}"`);
    if (!Number.isFinite(scale)) {
      throw new ModelReferenceError(
        `LoRA scale "${adapterBody.slice(at + 1)}" in "${original}" is not a number`,
      );
    }
    return { path, scale };
  });
  return { provider: 'llama', model, adapters };
}

function formatLlamaReference(reference: LlamaModelReference): string {
  return [
    `llama:${reference.model}`,
    ...reference.adapters.map((adapter) =>
      adapter.scale === 1 ? `lora:${adapter.path}` : `lora:${adapter.path}@${adapter.scale}`,
    ),
  ].join('+');
}

/**
 * Catalog names stay as typed (they name fixed, checksummed files); paths become absolute so the
 * model id, and with it the cache key, names the exact weights.
 */
async function resolveLlamaReference(givenReference: LlamaModelReference, context: ProviderContext) {
  let reference = givenReference;
  // A specialist trained in this workspace (`name`, `name@v3`, `name@prod`): its base plus its
  // adapter (then any adapters given).
  const local = findCatalogEntry(reference.model) || existsSync(reference.model);
  const specialist = local ? undefined : context.store?.training.specialistAt(reference.model);
  const at = reference.model.lastIndexOf('@');
  if (!local && !specialist && at > 0 && context.store?.training.specialist(reference.model.slice(0, at))) {
    const name = reference.model.slice(0, at);
    const versions = context.store.training
      .specialists()
      .filter((entry) => entry.name === name)
      .map((entry) => `v${entry.version}`);
    const aliases = context.store.training.aliases(name).map((entry) => `${entry.alias} → v${entry.version}`);
    throw new ModelReferenceError(
      `${name} has no version or alias "${reference.model.slice(at + 1)}": versions ${versions.join(', ')}; aliases ${aliases.join(', ') || 'none'}`,
    );
  }
  if (specialist) {
    reference = {
      ...reference,
      model: specialist.base,
      adapters: [{ path: specialist.adapterPath, scale: 1 }, ...reference.adapters],
    };
  }
  const modelPath = await resolveModelFile(reference.model, {
    pull: context.pull ?? true,
    ...(context.onProgress ? { onProgress: context.onProgress } : {}),
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
  const id = formatLlamaReference({ provider: 'llama', model: canonicalModel, adapters });
  return { id, modelPath, adapters };
}
