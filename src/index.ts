/**
 * Tailor as a library. Stages import from their own folders; applications (the CLI aside, e.g. the
 * examples' recipes) import from here.
 */

// Terminal output as the `tailor` command prints it, for programs that print the same way.
export { printJson, printTable, reportError } from './cli/output.js';
export { ProgressBar } from './cli/progress.js';
export * from './common/format.js';
export { escapeHtml, htmlPage, reportStyle } from './common/html.js';
export { JsonlError, parseJsonLines, readJsonl, toJsonl } from './common/jsonl.js';
export { bootstrapMean, type Estimate } from './common/statistics.js';
export { linearScale, linePath, svgElement } from './common/svg.js';
export * from './core/chat-model.js';
export * from './core/config.js';
export * from './core/errors.js';
export * from './core/model-reference.js';
export * from './core/train-config.js';
export {
  type CuratedExample,
  type CurateOptions,
  type Curation,
  CurationError,
  curate,
  type DropReason,
} from './data/curate.js';
export { datasetJsonl, writeDataset } from './data/dataset-file.js';
export {
  type CurateStepOptions,
  curateDataset,
  type DedupStepOptions,
  decontaminateDataset,
  dedupDataset,
  EmptyDatasetError,
  type StepContext,
  type StepResult,
} from './data/dataset-steps.js';
export {
  type DatasetOperation,
  type DatasetVersion,
  type DroppedExample,
  datasetVersionId,
  listDatasetVersions,
  type ResolvedDataset,
  readDataCard,
  resolveDataset,
  type SaveDatasetVersionOptions,
  saveDatasetVersion,
  taskWithTrainingData,
} from './data/dataset-version.js';
export { type Comparison, comparePaired, type PairedExample } from './evals/compare.js';
export { economicsRows, type RunEconomics, runEconomics } from './evals/economics.js';
export {
  type EvalRunOptions,
  type EvalSummary,
  type ExampleResult,
  type GraderSummary,
  loadRunResults,
  runEval,
} from './evals/runner.js';
export { priceFor } from './models/call-pipeline.js';
export { type CatalogEntry, catalog, findCatalogEntry } from './models/catalog.js';
export { type CreateModelOptions, createModel, type ModelPool, modelPool } from './models/create-model.js';
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
export { writeFileAtomic } from './store/atomic-file.js';
export { initWorkspace, openWorkspace, type Workspace, WorkspaceStore } from './store/workspace.js';
export {
  DatasetError,
  type EvalRecord,
  loadDataset,
  type RecordChecks,
  readOutputs,
  taskChecks,
} from './task/dataset.js';
export { type Grade, type GradeContext, type Grader, GraderError, parseJson } from './task/graders/index.js';
export { type GraderOutcome, gradeOutput } from './task/grading.js';
export { type JudgeFor, loadTask, parseTask, type Task, type TaskGrader, withSplits } from './task/task.js';
export type { TrainingMethod } from './train/method.js';
export { type MethodRequest, methodNamed, trainingMethods } from './train/methods/index.js';
export {
  type TrainSpecialistOptions,
  type TrainSpecialistResult,
  trainSpecialist,
} from './train/specialist.js';
