import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../common/random.js';
import { TrainingError } from '../core/errors.js';
import { findCatalogEntry } from '../models/catalog.js';
import { createLlamaModel, loadLlamaModel, releaseLoraAdapter, resolveThreads } from '../models/llama-cpp.js';
import { resolveModelFile } from '../models/model-files.js';
import { parseModelReference } from '../models/provider-registry.js';
import type { ProgressListener } from '../models/pull/progress.js';
import type { SpecialistRecord, Workspace } from '../store/workspace.js';
import { type EvalRecord, loadDataset, promptMessages, referenceText, taskChecks } from '../task/dataset.js';
import type { Task } from '../task/task.js';
import { createChatTokenizer, type TokenizedExample } from './chat-tokens.js';
import { assertConsistent, type ConsistencyReport, checkConsistency } from './consistency.js';
import { type DpoConfig, loadPreferencePairs, type PreferenceExample, runDpo } from './dpo.js';
import { type GrpoConfig, type GrpoStepEvent, type RewardGrader, runGrpo } from './grpo.js';
import { runSft, type SftConfig, type SftEvent } from './sft.js';
import type { LoopResult } from './training-loop.js';
import { TrainingWorker } from './worker-client.js';

/**
 * Train a specialist end to end: data from the task's splits, tokenised with the serving template;
 * the SFT loop on the worker; the llama.cpp consistency check; the adapter registered in the
 * workspace so `llama:<name>` serves it everywhere a model reference is accepted.
 */
export interface TrainSpecialistOptions {
  workspace: Workspace;
  task: Task;
  /** Specialist name; also the run id prefix. */
  name: string;
  /** A llama model reference for the base (`llama:smollm2-135m-instruct` or a GGUF path). */
  base: string;
  method: TrainingMethod;
  trainSplit?: string;
  validationSplit?: string;
  /** Use only the first N training examples. */
  limit?: number;
  resume?: boolean;
  threads?: number;
  /** Sequences compared by the consistency check. */
  consistencyExamples?: number;
  onEvent?: (event: SftEvent | GrpoStepEvent | { type: 'stage'; stage: string; detail?: string }) => void;
  onTransfer?: ProgressListener;
}

/**
 * SFT learns the task's references; DPO learns preferences from `{id, input | messages, chosen,
 * rejected}` JSONL records; GRPO samples on the train split's prompts and learns from the task's
 * graders as rewards. DPO and GRPO can continue from a specialist (its adapter is the starting point,
 * and DPO's reference).
 */
export type TrainingMethod =
  | { kind: 'sft'; config: SftConfig }
  | { kind: 'dpo'; config: DpoConfig; pairsFile: string; initFrom?: string }
  | {
      kind: 'grpo';
      config: GrpoConfig;
      /** The task's graders, built (LLM judges with their models). */
      graders: RewardGrader[];
      initFrom?: string;
      /** llama.cpp context size for sampling. */
      contextSize?: number;
    };

export interface TrainSpecialistResult {
  specialist: SpecialistRecord;
  training: LoopResult;
  consistency: ConsistencyReport;
  runDirectory: string;
}

export async function trainSpecialist(options: TrainSpecialistOptions): Promise<TrainSpecialistResult> {
  const { workspace, task, method } = options;
  const config = method.config;
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
  const usesSplits = method.kind !== 'dpo';
  const train = usesSplits ? loadSplit(task, trainSplit).slice(0, options.limit) : [];
  const validation = usesSplits && task.data[validationSplit] ? loadSplit(task, validationSplit) : [];
  const pairRecords =
    method.kind === 'dpo' ? loadPreferencePairs(method.pairsFile, task).slice(0, options.limit) : [];
  guardTestSplit(task, [trainSplit, validationSplit], [...train, ...validation, ...pairRecords]);

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

  emit({
    type: 'stage',
    stage: 'tokenize',
    detail:
      method.kind === 'dpo'
        ? `${pairRecords.length} preference pairs`
        : `${train.length} train, ${validation.length} validation examples`,
  });
  const llamaModel = await loadLlamaModel(basePath, { gpu: 'off', threads });
  const tokenizer = createChatTokenizer(llamaModel);
  const tokenize = (record: EvalRecord): TokenizedExample =>
    tokenizer.tokenize(record.id, promptMessages(task, record), referenceText(record));
  const trainExamples = train.map(tokenize);
  const validationExamples = validation.map(tokenize);
  // DPO: one pair in ten (seeded) is held out for the validation loss.
  const pairs: PreferenceExample[] = pairRecords.map((record) => ({
    id: record.id,
    chosen: tokenizer.tokenize(`${record.id}:chosen`, promptMessages(task, record), record.chosen),
    rejected: tokenizer.tokenize(`${record.id}:rejected`, promptMessages(task, record), record.rejected),
  }));
  const heldOut = new Set(
    new Random(config.seed).sample(pairs, Math.floor(pairs.length / 10)).map((pair) => pair.id),
  );

  const runId = options.name;
  const runDirectory = join(workspace.paths.dataDirectory, 'runs', runId);
  workspace.store.startTrainingRun({ id: runId, method: method.kind, base: baseName, runDirectory, config });

  // Continuing a specialist: same base, and its LoRA shape (the adapter is loaded into it).
  const parent =
    method.kind !== 'sft' && method.initFrom ? workspace.store.specialist(method.initFrom) : undefined;
  if (method.kind !== 'sft' && method.initFrom) {
    if (!parent) throw new TrainingError('not-found', `no specialist "${method.initFrom}" to start from`);
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
    const common = { runDirectory, worker, resume: options.resume ?? false, onEvent: emit };
    const training =
      method.kind === 'sft'
        ? await runSft({
            ...common,
            config: method.config,
            train: trainExamples,
            validation: validationExamples,
          })
        : method.kind === 'dpo'
          ? await runDpo({
              ...common,
              config: method.config,
              pairs: pairs.filter((pair) => !heldOut.has(pair.id)),
              validation: pairs.filter((pair) => heldOut.has(pair.id)),
            })
          : await runGrpo({
              ...common,
              config: method.config,
              task,
              prompts: train,
              validation,
              graders: method.graders,
              tokenizer,
              samplerFor: (adapterFile) =>
                createLlamaModel({
                  id: `llama:${baseName}+lora:${adapterFile}`,
                  modelPath: basePath,
                  adapters: [{ path: adapterFile, scale: 1 }],
                  contextSize: method.contextSize ?? 2048,
                  parallel: Math.min(16, method.config.groupSize * method.config.promptsPerStep),
                  defaultMaxTokens: method.config.maxTokens,
                  gpu: 'off',
                  threads,
                }),
              releaseAdapter: (adapterFile) => releaseLoraAdapter(basePath, adapterFile),
            });

    // The worker must hold the weights being exported before the two engines are compared.
    if (training.adapterDirectory.endsWith('best')) await worker.load(training.adapterDirectory);
    emit({ type: 'stage', stage: 'consistency-check' });
    const adapterFile = join(training.adapterDirectory, 'adapter.gguf');
    const checked = [...validationExamples, ...trainExamples, ...pairs.map((pair) => pair.chosen)];
    const consistency = await checkConsistency({
      basePath,
      adapterPath: adapterFile,
      sequences: checked
        .slice(0, options.consistencyExamples ?? 4)
        .map(({ tokens, weights }) => ({ tokens, weights })),
      worker,
      threads,
    });
    assertConsistent(consistency);

    // Every version gets its own file: llama.cpp caches adapters by path.
    const modelsDirectory = join(workspace.paths.dataDirectory, 'models', options.name);
    mkdirSync(modelsDirectory, { recursive: true });
    const specialist = workspace.store.registerSpecialist(
      {
        name: options.name,
        base: baseName,
        basePath,
        adapterPath: '',
        trainingRun: runId,
        lineage: {
          method: method.kind,
          base: baseName,
          ...(method.kind === 'dpo'
            ? {
                pairs: { path: method.pairsFile, pairs: pairs.length, sha256: fileHash(method.pairsFile) },
                initFrom: method.initFrom ?? null,
              }
            : method.kind === 'grpo'
              ? {
                  initFrom: method.initFrom ?? null,
                  flaggedSteps: (training as { flaggedSteps?: number[] }).flaggedSteps ?? [],
                }
              : {}),
          data: {
            train: {
              path: task.data[trainSplit],
              examples: trainExamples.length,
              sha256: fileHash(task.data[trainSplit]!),
            },
            validation: task.data[validationSplit]
              ? {
                  path: task.data[validationSplit],
                  examples: validationExamples.length,
                  sha256: fileHash(task.data[validationSplit]!),
                }
              : null,
          },
          config,
          metrics: {
            steps: training.steps,
            firstValidationLoss: training.firstValidationLoss ?? null,
            bestValidationLoss: training.bestValidationLoss ?? null,
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
    workspace.store.finishTrainingRun(runId, 'finished', {
      training,
      consistency,
      specialist: `${specialist.name} v${specialist.version}`,
    });
    return { specialist, training, consistency, runDirectory };
  } catch (error) {
    workspace.store.finishTrainingRun(runId, 'failed', { error: (error as Error).message });
    throw error;
  } finally {
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

function loadSplit(task: Task, split: string): EvalRecord[] {
  const path = task.data[split];
  if (!path) {
    throw new TrainingError(
      'unknown-split',
      `task.data has no split "${split}" (has: ${Object.keys(task.data).join(', ')})`,
    );
  }
  const records = loadDataset(path, taskChecks(task));
  const missing = records.find((record) => record.reference === undefined || record.reference === null);
  if (missing)
    throw new TrainingError('no-reference', `${path}: record ${missing.id} has no reference to train on`);
  return records;
}

/**
 * The test split is for final evaluation only. Training refuses to read it, and refuses any record
 * whose input also appears in it (a copy under another name is still a leak).
 */
export function guardTestSplit(task: Task, splits: string[], records: EvalRecord[]): void {
  const testPath = task.data.test;
  if (splits.includes('test')) {
    throw new TrainingError('test-split-leak', 'training never reads the test split', {
      hint: 'Train on train, tune on validation; evaluate on test only.',
    });
  }
  if (!testPath || records.length === 0) return;
  const key = (record: EvalRecord) => JSON.stringify(record.input);
  const testInputs = new Set(loadDataset(testPath).map(key));
  const leaked = records.filter((record) => testInputs.has(key(record)));
  if (leaked.length > 0) {
    throw new TrainingError(
      'test-split-leak',
      `${leaked.length} training/validation record(s) also appear in the test split (e.g. ${leaked[0]!.id})`,
      { hint: 'Remove them from the training data; the test split must stay unseen.' },
    );
  }
}

function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
