import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { ChatModel } from '../core/chat-model.js';
import { TrainingError } from '../core/errors.js';
import type { CommonTrainingConfig } from '../core/train-config.js';
import { type EvalRecord, loadDataset, promptMessages, referenceText, taskChecks } from '../task/dataset.js';
import type { Task } from '../task/task.js';
import type { ChatTokenizer, TokenizedExample } from './chat-tokens.js';
import type { LoopEvent, LoopResult } from './training-loop.js';
import type { TrainingWorker } from './worker-client.js';

/**
 * A training method (SFT, DPO, GRPO: src/train/methods/) as `trainSpecialist` sees it. The specialist
 * does what every method needs (the test-split guard, the base model, the worker, the consistency
 * check, the registration) and asks the method for the rest, in three steps that each hand over to
 * the next:
 *
 * 1. `prepare`: read the task's data (before any model loads, so bad data fails fast);
 * 2. `tokenize`: turn it into what the method trains on, with the serving chat template;
 * 3. `run`: train on the shared loop (training-loop.ts), and say what the lineage records.
 */
export interface TrainingMethod<Request extends MethodRequestBase = MethodRequestBase> {
  /** The name in tailor.yaml (`train.<name>`), on the command line and in the run's record. */
  readonly name: Request['kind'];
  /** Its options; they live in src/core/train-config.ts, which validates tailor.yaml in one piece. */
  readonly configSchema: z.ZodObject;
  /**
   * What the loop's validation value is by default: a loss (lower is better) or a score (higher is
   * better). A run's result says what it used (SFT validates by score when its config says so).
   */
  readonly validationMetric: 'loss' | 'score';
  prepare(request: Request, source: DataSource): PreparedData;
}

/** What a caller asks of a method: its name, its config, and the method's own options. */
export interface MethodRequestBase {
  kind: string;
  config: CommonTrainingConfig;
}

/** Where a method reads its data. */
export interface DataSource {
  task: Task;
  trainSplit: string;
  validationSplit: string;
  /** Use only the first N training items (examples, prompts or pairs). */
  limit: number | undefined;
}

export interface PreparedData {
  /** Every record read: none may overlap the test split. */
  records: EvalRecord[];
  /** What is about to be tokenised, for the `tokenize` stage. */
  summary: string;
  /** Examples counted in the lineage's data section. */
  examples: { train: number; validation: number };
  /** A specialist to continue from: its adapter is loaded before the first step. */
  initFrom: string | undefined;
  tokenize(tokenizer: ChatTokenizer): TrainingInputs;
}

export interface TrainingInputs {
  /** Sequences the consistency check may compare, in order of preference. */
  checkSequences: TokenizedExample[];
  run(context: RunContext): Promise<MethodOutcome>;
}

/** A method's own numbers for a step, beside the loop's generic `step-end` (GRPO: `grpo-step`). */
export interface MethodStepEvent {
  type: `${string}-step`;
  step: number;
  metrics: Record<string, number>;
}

export interface RunContext {
  /** Holds the base model with the adapter to start from. */
  worker: TrainingWorker;
  runDirectory: string;
  resume: boolean;
  onEvent: (event: LoopEvent | MethodStepEvent) => void;
  /** llama.cpp serving the base with an adapter file, for methods that sample from their policy. */
  sampler: PolicySampler;
}

export interface PolicySampler {
  open(adapterFile: string, options: { contextSize: number; parallel: number; maxTokens: number }): ChatModel;
  /** Frees an adapter file's weights once its model is closed (llama.cpp keeps them otherwise). */
  release(adapterFile: string): Promise<void>;
}

export interface MethodOutcome {
  training: LoopResult;
  /** What the method adds to the specialist's lineage, beside the base, data, config and metrics. */
  lineage: Record<string, unknown>;
}

/** The train and validation splits' records, and their examples tokenised with their references. */
export interface TokenizedSplits {
  train: EvalRecord[];
  validation: EvalRecord[];
  trainExamples: TokenizedExample[];
  validationExamples: TokenizedExample[];
  tokenizer: ChatTokenizer;
}

/**
 * The data of a method that reads the task's train and validation splits, every record with a
 * reference (SFT trains on the references; GRPO's graders compare against them): the splits read,
 * tokenised, and the consistency check given validation examples first.
 */
export function prepareSplits(
  source: DataSource,
  initFrom: string | undefined,
  run: (splits: TokenizedSplits, context: RunContext) => Promise<MethodOutcome>,
): PreparedData {
  const { task } = source;
  const train = readSplit(task, source.trainSplit).slice(0, source.limit);
  const validation = task.data[source.validationSplit] ? readSplit(task, source.validationSplit) : [];
  return {
    records: [...train, ...validation],
    summary: `${train.length} train, ${validation.length} validation examples`,
    examples: { train: train.length, validation: validation.length },
    initFrom,
    tokenize(tokenizer) {
      const tokenize = (record: EvalRecord) =>
        tokenizer.tokenize(record.id, promptMessages(task, record), referenceText(record));
      const splits = {
        train,
        validation,
        trainExamples: train.map(tokenize),
        validationExamples: validation.map(tokenize),
        tokenizer,
      };
      return {
        checkSequences: [...splits.validationExamples, ...splits.trainExamples],
        run: (context) => run(splits, context),
      };
    },
  };
}

function readSplit(task: Task, split: string): EvalRecord[] {
  const path = task.split(split);
  const records = loadDataset(path, taskChecks(task));
  const missing = records.find((record) => record.reference === undefined || record.reference === null);
  if (missing)
    throw new TrainingError('no-reference', `${path}: record ${missing.id} has no reference to train on`);
  return records;
}

/** A data file's hash, recorded in lineages so a specialist names exactly what it learnt from. */
export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
