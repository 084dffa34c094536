import type { ChatModel } from '../core/chat-model.js';
import { defaultConfig } from '../core/config.js';
import { withCallPipeline } from './call-pipeline.js';
import { parseModelReference, providerFor } from './provider-registry.js';
import type { CreateModelOptions } from './providers/provider.js';

export type { CreateModelOptions } from './providers/provider.js';

/**
 * The one way stages get a model: parse the reference, let its provider build the model, wrap it in
 * the call pipeline (cache, accounting, limiter, retries, timeout, key redaction).
 */
export async function createModel(
  referenceText: string,
  options: CreateModelOptions = {},
): Promise<ChatModel> {
  const config = options.config ?? defaultConfig();
  const reference = parseModelReference(referenceText);
  const { model, pipeline } = await providerFor(reference).create(reference, {
    ...options,
    config,
    env: options.env ?? process.env,
  });
  return withCallPipeline(model, {
    store: options.store,
    cache: config.cache.enabled,
    prices: config.prices,
    ...pipeline,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
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
