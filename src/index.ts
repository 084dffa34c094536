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
  listModels,
  modelsDirectory,
  type PullOptions,
  pullModel,
  resolveModelFile,
} from './models/model-files.js';
export { chatFormatFor, renderChatPrompt } from './models/providers/llama-chat-format.js';
export { disposeLlamaRuntime } from './models/providers/llama-runtime.js';
export { initWorkspace, openWorkspace, type Workspace, WorkspaceStore } from './store/workspace.js';
