import type { ChatModel } from '../../core/chat-model.js';
import type { TailorConfig } from '../../core/config.js';
import type { WorkspaceStore } from '../../store/workspace.js';
import type { CallPipelineOptions } from '../call-pipeline.js';
import type { ProgressListener } from '../pull/progress.js';

/**
 * What a provider is: the prefix it owns in model references, how it reads and writes what follows
 * the prefix, and how it builds a `ChatModel` from a parsed reference. Each provider is one file in
 * this folder exporting one `ModelProvider`; src/models/provider-registry.ts lists them.
 */
export interface ModelProvider<Reference extends { provider: string; model: string }> {
  /** The prefix in model references: `llama` in `llama:smollm2-135m-instruct`. */
  readonly name: Reference['provider'];
  /** Read what follows `name:`; `original` is the whole reference, for error messages. */
  parse(body: string, original: string): Reference;
  /** The canonical text of a reference: `parse` of it gives the reference back. */
  format(reference: Reference): string;
  /** Build the model, and say how the call pipeline around it must behave. */
  create(reference: Reference, context: ProviderContext): Promise<ProviderModel>;
}

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

/** `createModel`'s options with the defaults filled in. */
export interface ProviderContext extends CreateModelOptions {
  config: TailorConfig;
  env: Record<string, string | undefined>;
}

/** The part of the call pipeline that depends on the provider; createModel adds cache, store and prices. */
export type ProviderPipeline = Pick<
  CallPipelineOptions,
  'concurrency' | 'limiterKey' | 'timeoutMs' | 'maxRetries' | 'freeByDefault' | 'secrets'
>;

export interface ProviderModel {
  model: ChatModel;
  pipeline: ProviderPipeline;
}
