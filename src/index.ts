/**
 * Tailor as a library. Stages import from their own folders; applications import from here.
 */

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
export * from './spec/chat-model.js';
export * from './spec/config.js';
export * from './spec/errors.js';
export * from './spec/model-reference.js';
export { initWorkspace, openWorkspace, type Workspace, WorkspaceStore } from './store/workspace.js';
