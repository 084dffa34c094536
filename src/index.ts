/**
 * Tailor as a library. Stages import from their own folders; applications import from here.
 */

export * from './core/chat-model.js';
export * from './core/config.js';
export * from './core/errors.js';
export * from './core/model-reference.js';
export { type CatalogEntry, catalog, findCatalogEntry } from './models/catalog.js';
export { type CreateModelOptions, createModel } from './models/create-model.js';
export { type GgufSummary, readGgufSummary } from './models/gguf-info.js';
export {
  chatFormatFor,
  disposeLlamaRuntime,
  type LoraAdapterReference,
  renderChatPrompt,
} from './models/llama-cpp.js';
export {
  listModels,
  modelsDirectory,
  type PullOptions,
  pullModel,
  resolveModelFile,
} from './models/model-files.js';
export {
  formatModelReference,
  type ModelReference,
  parseModelReference,
} from './models/provider-registry.js';
export { initWorkspace, openWorkspace, type Workspace, WorkspaceStore } from './store/workspace.js';
