/**
 * The llama.cpp façade: everything outside src/models that touches llama.cpp itself imports from here,
 * never from providers/. Stages that only need a model call `createModel('llama:…')` instead; this is
 * for training and benchmarks, which work below the `ChatModel` level:
 *
 *   loadLlamaModel       load a base GGUF once per process (shared weights; tokenizer on `.tokenizer`)
 *   createLlamaModel     a raw ChatModel (no cache, no limiter) on a base plus LoRA adapters: GRPO's sampler
 *   releaseLoraAdapter   free an adapter no context uses any more
 *   chatFormatFor        the GGUF's own chat template …
 *   renderChatPrompt     … and the prompt rendering with it, so training formats exactly as serving does
 *   resolveThreads       the thread count Tailor uses for a `threads` setting (0 = one per core)
 *   serializeSampling    the parallel-sampling fix, for benchmarks that build their own contexts
 *   disposeLlamaRuntime  unload every model and the runtime before the process exits
 */
export type { LlamaModel, Token } from 'node-llama-cpp';
export {
  type ChatFormat,
  chatFormatFor,
  type RenderedPrompt,
  renderChatPrompt,
} from './providers/llama-chat-format.js';
export {
  createLlamaModel,
  type LlamaModelOptions,
  type LoraAdapterReference,
} from './providers/llama-chat-model.js';
export {
  disposeLlamaRuntime,
  type LlamaRuntimeOptions,
  loadLlamaModel,
  releaseLoraAdapter,
  resolveThreads,
} from './providers/llama-runtime.js';
export { serializeSampling } from './providers/llama-sampling-fix.js';
