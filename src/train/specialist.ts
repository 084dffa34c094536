import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TrainingError } from '../core/errors.js';
import { findCatalogEntry } from '../models/catalog.js';
import { createLlamaModel, loadLlamaModel, releaseLoraAdapter, resolveThreads } from '../models/llama-cpp.js';
import { resolveModelFile } from '../models/model-files.js';
import { parseModelReference } from '../models/provider-registry.js';
import type { ProgressListener } from '../models/pull/progress.js';
import type { SpecialistRecord, Workspace } from '../store/workspace.js';
import type { Task } from '../task/task.js';
import { createChatTokenizer } from './chat-tokens.js';
import { assertConsistent, type ConsistencyReport, checkConsistency } from './consistency.js';
import { fileSha256, type MethodStepEvent } from './method.js';
import { type MethodRequest, methodFor } from './methods/index.js';
import { claimRun, releaseRun } from './run-owner.js';
import type { FailedTrainingRunResult, TrainingRunResult } from './run-result.js';
import { guardTestSplit } from './test-split-guard.js';
import type { LoopEvent, LoopResult } from './training-loop.js';
import { TrainingWorker } from './worker-client.js';

/**
 * Train a specialist end to end: the method's data (never the test split), tokenised with the serving
 * template; the method's loop on the worker; the llama.cpp consistency check; the adapter registered
 * in the workspace so `llama:<name>` serves it everywhere a model reference is accepted. What differs
 * between methods is the method object's (method.ts); nothing here asks which method it is.
 */
export interface TrainSpecialistOptions {
  workspace: Workspace;
  task: Task;
  /** Specialist name; also the run id unless `runId` says otherwise. */
  name: string;
  /** The training run's id (default: the name): a new version of a specialist under its own run. */
  runId?: string;
  /** A llama model reference for the base (`llama:smollm2-135m-instruct` or a GGUF path). */
  base: string;
  method: MethodRequest;
  trainSplit?: string;
  validationSplit?: string;
  /** Use only the first N training examples. */
  limit?: number;
  resume?: boolean;
  threads?: number;
  /** Sequences compared by the consistency check. */
  consistencyExamples?: number;
  onEvent?: (event: LoopEvent | MethodStepEvent | { type: 'stage'; stage: string; detail?: string }) => void;
  onTransfer?: ProgressListener;
}

export interface TrainSpecialistResult {
  specialist: SpecialistRecord;
  training: LoopResult;
  consistency: ConsistencyReport;
  runDirectory: string;
}

export async function trainSpecialist(options: TrainSpecialistOptions): Promise<TrainSpecialistResult> {
  const { workspace, task, method: request } = options;
  const method = methodFor(request);
  const config = request.config;
  const emit = options.onEvent ?? (() => {});
  const trainSplit = options.trainSplit ?? 'train';
  const validationSplit = options.validationSplit ?? 'validation';
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(options.name)) {
    throw new TrainingError(
      'invalid-name',
      `specialist name "${options.name}" must be letters, digits, '.', '_' or '-'`,
    );
  }

  // ---- data: never the test split, and nothing that overlaps it ----
  guardTestSplit(task, [trainSplit, validationSplit], []);
  const data = method.prepare(request, { task, trainSplit, validationSplit, limit: options.limit });
  guardTestSplit(task, [trainSplit, validationSplit], data.records);

  // ---- the base: the GGUF llama.cpp serves; the worker trains on the same file ----
  const reference = parseModelReference(options.base);
  if (reference.provider !== 'llama' || reference.adapters.length > 0) {
    throw new TrainingError(
      'unsupported-base',
      `train on a local GGUF base (llama:<name or path>), not ${options.base}`,
    );
  }
  const basePath = await resolveModelFile(reference.model, {
    pull: true,
    ...(options.onTransfer ? { onProgress: options.onTransfer } : {}),
  });
  const baseName = findCatalogEntry(reference.model)?.name ?? basePath;
  const threads = resolveThreads(options.threads ?? 0);

  emit({ type: 'stage', stage: 'tokenize', detail: data.summary });
  const llamaModel = await loadLlamaModel(basePath, { gpu: 'off', threads });
  const inputs = data.tokenize(createChatTokenizer(llamaModel));

  // Continuing a specialist: same base, and its LoRA shape (the adapter is loaded into it).
  const parent = data.initFrom ? workspace.store.training.specialist(data.initFrom) : undefined;
  if (data.initFrom) {
    if (!parent) throw new TrainingError('not-found', `no specialist "${data.initFrom}" to start from`);
    if (parent.basePath !== basePath) {
      throw new TrainingError(
        'base-mismatch',
        `specialist "${parent.name}" was trained on ${parent.base}, not ${baseName}`,
        { hint: `Pass --base ${parent.basePath}` },
      );
    }
  }
  const lora = (parent?.lineage.config as { lora?: typeof config.lora } | undefined)?.lora ?? config.lora;

  emit({ type: 'stage', stage: 'load-base', detail: basePath });
  const worker = await TrainingWorker.start();
  // Recorded as running only once nothing can fail before the try below marks it finished or failed.
  const runId = options.runId ?? options.name;
  const runDirectory = join(workspace.paths.dataDirectory, 'runs', runId);
  try {
    claimRun({ id: runId, runDirectory });
  } catch (error) {
    await worker.close();
    throw error;
  }
  workspace.store.training.startRun({ id: runId, method: method.name, base: baseName, runDirectory, config });
  try {
    await worker.create({
      base: { gguf: basePath },
      lora,
      seed: config.seed,
      threads,
      cache_dir: join(homedir(), '.cache', 'tailor', 'worker'),
      gradient_checkpointing: config.activationCheckpointing,
    });
    if (parent) await worker.load(adapterDirectoryOf(parent));
    const { training, lineage } = await inputs.run({
      runDirectory,
      worker,
      resume: options.resume ?? false,
      onEvent: emit,
      sampler: {
        open: (adapterFile, { contextSize, parallel, maxTokens }) =>
          createLlamaModel({
            id: `llama:${baseName}+lora:${adapterFile}`,
            modelPath: basePath,
            adapters: [{ path: adapterFile, scale: 1 }],
            contextSize,
            parallel,
            defaultMaxTokens: maxTokens,
            gpu: 'off',
            threads,
          }),
        release: (adapterFile) => releaseLoraAdapter(basePath, adapterFile),
      },
    });

    // The worker must hold the weights being exported before the two engines are compared.
    if (training.adapterDirectory.endsWith('best')) await worker.load(training.adapterDirectory);
    emit({ type: 'stage', stage: 'consistency-check' });
    const adapterFile = join(training.adapterDirectory, 'adapter.gguf');
    const consistency = await checkConsistency({
      basePath,
      adapterPath: adapterFile,
      sequences: inputs.checkSequences
        .slice(0, options.consistencyExamples ?? 4)
        .map(({ tokens, weights }) => ({ tokens, weights })),
      worker,
      threads,
    });
    assertConsistent(consistency);

    // Every version gets its own file: llama.cpp caches adapters by path.
    const modelsDirectory = join(workspace.paths.dataDirectory, 'models', options.name);
    mkdirSync(modelsDirectory, { recursive: true });
    const splitData = (split: string, examples: number) => {
      const path = task.data[split];
      return path ? { path, examples, sha256: fileSha256(path) } : null;
    };
    const specialist = workspace.store.training.registerSpecialist(
      {
        name: options.name,
        base: baseName,
        basePath,
        adapterPath: '',
        trainingRun: runId,
        lineage: {
          method: method.name,
          base: baseName,
          ...lineage,
          data: {
            train: splitData(trainSplit, data.examples.train),
            validation: splitData(validationSplit, data.examples.validation),
          },
          config,
          metrics: {
            steps: training.steps,
            firstValidationLoss: training.firstValidationLoss ?? null,
            bestValidationLoss: training.bestValidationLoss ?? null,
            validationMetric: training.validationMetric,
          },
          consistency,
          runDirectory,
          adapterDirectory: training.adapterDirectory,
        },
      },
      (version) => {
        const target = join(modelsDirectory, `v${version}.gguf`);
        const temporary = `${target}.tmp`;
        copyFileSync(adapterFile, temporary);
        renameSync(temporary, target);
        return target;
      },
    );
    const result: TrainingRunResult = {
      training,
      consistency,
      specialist: `${specialist.name} v${specialist.version}`,
    };
    workspace.store.training.finishRun(runId, 'finished', result);
    return { specialist, training, consistency, runDirectory };
  } catch (error) {
    const failure: FailedTrainingRunResult = { error: (error as Error).message };
    workspace.store.training.finishRun(runId, 'failed', failure);
    throw error;
  } finally {
    releaseRun(runDirectory);
    await worker.close();
  }
}

/**
 * The checkpoint folder holding a specialist's adapter weights. Specialists registered before the
 * lineage recorded it are found in their run folder (`best/`, else `final/`).
 */
function adapterDirectoryOf(specialist: SpecialistRecord): string {
  const recorded = specialist.lineage.adapterDirectory;
  if (typeof recorded === 'string') return recorded;
  const runDirectory = specialist.lineage.runDirectory;
  const candidates =
    typeof runDirectory === 'string' ? [join(runDirectory, 'best'), join(runDirectory, 'final')] : [];
  const found = candidates.find((dir) => existsSync(join(dir, 'meta.json')));
  if (!found) {
    throw new TrainingError(
      'not-found',
      `cannot find the adapter weights of specialist "${specialist.name}" (looked in ${candidates.join(', ') || 'its lineage'})`,
    );
  }
  return found;
}
