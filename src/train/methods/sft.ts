import type { ChatModel } from '../../core/chat-model.js';
import { TrainingError } from '../../core/errors.js';
import { type SftConfig, sftConfigSchema } from '../../core/train-config.js';
import type { EvalRecord } from '../../task/dataset.js';
import type { Task, TaskGrader } from '../../task/task.js';
import type { TokenizedExample } from '../chat-tokens.js';
import { prepareSplits, type TrainingMethod } from '../method.js';
import { createPolicy, trainingGeneration, validationScore } from '../policy.js';
import { learningRateAt, planBatches } from '../schedule.js';
import {
  dataFingerprint,
  type LoopEvent,
  type LoopResult,
  runTrainingLoop,
  type StepOutcome,
} from '../training-loop.js';
import type { TrainingWorker } from '../worker-client.js';

/**
 * Supervised fine-tuning with LoRA: the task's references, tokenised with the serving template, are
 * the completions to learn. The worker holds the model and does the tensor work; this file owns one
 * optimiser step (micro-batches accumulated to the batch) and the validation loss. The data order,
 * the schedule (schedule.ts), the run folder, resume, validation cadence, early stopping and
 * checkpoints are the shared loop's (training-loop.ts).
 */

export interface SftRequest {
  kind: 'sft';
  config: SftConfig;
  /** The graders validation by score (`selectBy: score`) grades with, built (validationGraderNames). */
  graders?: TaskGrader[];
  /** llama.cpp context size for validation by score (2048). */
  contextSize?: number;
}

export const sftMethod: TrainingMethod<SftRequest> = {
  name: 'sft',
  configSchema: sftConfigSchema,
  validationMetric: 'loss',
  prepare: (request, source) => {
    const prepared = prepareSplits(
      source,
      undefined,
      async ({ trainExamples, validationExamples, validation }, context) => ({
        training: await runSft({
          config: resolveEpochs(request.config, prepared.examples.train),
          runDirectory: context.runDirectory,
          worker: context.worker,
          resume: context.resume,
          onEvent: context.onEvent,
          train: trainExamples,
          validation: validationExamples,
          ...(request.config.selectBy === 'score'
            ? {
                scoring: {
                  task: source.task,
                  records: validation,
                  graders: request.graders ?? [],
                  open: (adapterFile, maxTokens) =>
                    context.sampler.open(adapterFile, {
                      contextSize: request.contextSize ?? 2048,
                      parallel: Math.min(8, request.config.validationExamples),
                      maxTokens,
                    }),
                  release: (adapterFile) => context.sampler.release(adapterFile),
                },
              }
            : {}),
        }),
        // The epochs it ran, also when SFT chose them for the data size (the config leaves them out).
        lineage: { epochs: resolveEpochs(request.config, prepared.examples.train).epochs },
      }),
    );
    return {
      ...prepared,
      summary: `${prepared.summary}; ${describePlan(request.config, prepared.examples.train)}`,
    };
  },
};

/**
 * Without `epochs` (or `maxSteps`), SFT passes over the data in whole epochs until it has taken at
 * least this many optimiser steps, and at most `maxDefaultEpochs` times. One epoch of a 1,200-example
 * task at batch 8 is 150 steps; a 500-example task gets 3 epochs (189 steps) instead of a single
 * 63-step pass, which left a user's specialist far below what its data could teach. On the reference
 * task validation loss still fell from 60 to 90 steps (0.167 → 0.084) and the score rose.
 */
export const defaultSftSteps = 150;
export const maxDefaultEpochs = 5;

/** The config with its epochs chosen for this many examples when it gives none. */
export function resolveEpochs<Config extends Pick<SftConfig, 'epochs' | 'batchSize'>>(
  config: Config,
  examples: number,
): Config & { epochs: number } {
  if (config.epochs !== undefined) return { ...config, epochs: config.epochs };
  const perEpoch = Math.max(1, Math.ceil(examples / config.batchSize));
  const epochs = Math.min(maxDefaultEpochs, Math.max(1, Math.ceil(defaultSftSteps / perEpoch)));
  return { ...config, epochs };
}

/**
 * What SFT will do with the data it was given, said before it starts: the steps the epochs make (and
 * why, when it chose them), the schedule, how often it validates and which checkpoint it keeps. A
 * user who passed no flag sees what the defaults chose for their data size.
 */
export function describePlan(config: SftConfig, examples: number): string {
  const perEpoch = Math.ceil(examples / config.batchSize);
  const { epochs } = resolveEpochs(config, examples);
  const steps = config.maxSteps ?? Math.ceil(epochs * perEpoch);
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const why =
    config.epochs === undefined
      ? ` (chosen for ${examples} examples: whole epochs up to at least ${defaultSftSteps} steps, at most ${maxDefaultEpochs}; --epochs or --steps to choose)`
      : '';
  const basis =
    config.maxSteps !== undefined
      ? `${count(steps, 'step')} (--steps), ${(steps / perEpoch).toFixed(2)} epochs`
      : `${count(epochs, 'epoch')} of ${count(perEpoch, 'step')} = ${count(steps, 'step')}${why}`;
  const validation =
    config.selectBy === 'score'
      ? `validation score (greedy outputs graded by ${config.validationGraders?.join(', ') ?? 'every grader that calls no model'}) every ${config.evalEvery} steps on ${config.validationExamples} examples; the checkpoint with the highest validation score is registered`
      : `validation loss every ${config.evalEvery} steps on ${config.validationExamples} examples; the checkpoint with the lowest validation loss is registered`;
  return `${basis} of ${config.batchSize} examples; learning rate ${config.learningRate} (${config.schedule}, ${config.warmupSteps} warm-up steps); ${validation}`;
}

export type SftEvent = LoopEvent;

export interface SftOptions {
  config: SftConfig;
  runDirectory: string;
  /** Tokenised examples (see chat-tokens.ts); the worker must already hold the base model + adapter. */
  train: TokenizedExample[];
  validation: TokenizedExample[];
  worker: TrainingWorker;
  /** Continue from the run folder's last checkpoint (same config and data, same data order). */
  resume?: boolean;
  onEvent?: (event: SftEvent) => void;
  /** Validate by score instead of loss: greedy outputs of the current weights, graded. */
  scoring?: SftScoring;
}

export interface SftScoring {
  task: Task;
  /** The validation split's records, in the order of `validation` (matched by id). */
  records: EvalRecord[];
  graders: TaskGrader[];
  /** A llama.cpp model serving the base with this LoRA GGUF, decoding at most `maxTokens`. */
  open: (adapterFile: string, maxTokens: number) => ChatModel;
  release?: (adapterFile: string) => Promise<void>;
}

export interface SftResult extends LoopResult {
  skippedTooLong: number;
}

export async function runSft(options: SftOptions): Promise<SftResult> {
  const { config, worker } = options;
  const train = options.train.filter((example) => example.tokens.length <= config.maxLength);
  const skippedTooLong = options.train.length - train.length;
  const validation = options.validation
    .filter((example) => example.tokens.length <= config.maxLength)
    .slice(0, config.validationExamples);
  if (train.length === 0) {
    throw new TrainingError(
      'no-training-data',
      `no training example fits in maxLength ${config.maxLength} tokens`,
    );
  }
  // The data order is a pure function of (seed, data, config): a resumed run skips ahead in it.
  const batches = planBatches(train, resolveEpochs(config, options.train.length));

  const step = async (batch: TokenizedExample[], index: number): Promise<StepOutcome> => {
    // Every micro-batch divides by the whole batch's completion tokens, so accumulated gradients
    // equal one big batch's exactly.
    const normalizer = batch.reduce((sum, example) => sum + completionWeight(example), 0);
    let loss = 0;
    for (let start = 0; start < batch.length; start += config.microBatchSize) {
      const micro = batch.slice(start, start + config.microBatchSize);
      const reply = await worker.forwardBackward({
        loss: 'cross_entropy',
        sequences: micro.map(({ tokens, weights }) => ({ tokens, weights })),
        normalizer,
      });
      loss += reply.loss;
    }
    const learningRate = learningRateAt(index, batches.length, config);
    const { grad_norm: gradNorm } = await worker.optimStep({
      lr: learningRate,
      weight_decay: config.weightDecay,
      grad_clip: config.gradClip,
    });
    const tokens = batch.reduce((sum, example) => sum + example.tokens.length, 0);
    return { loss, learningRate, tokens, metrics: { gradNorm } };
  };

  const scoring =
    options.scoring && validation.length > 0
      ? scoreValidation(options.scoring, options, validation, step)
      : undefined;
  try {
    const result = await runTrainingLoop({
      runDirectory: options.runDirectory,
      config,
      fingerprint: dataFingerprint(train, validation),
      settings: config,
      batches,
      worker,
      step: scoring?.step ?? step,
      ...(validation.length > 0
        ? { validate: scoring?.validate ?? (() => validationLoss(worker, validation, config.microBatchSize)) }
        : {}),
      validationMetric: scoring ? 'score' : 'loss',
      ...(options.resume ? { resume: true } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    return { ...result, skippedTooLong };
  } finally {
    await scoring?.close();
  }
}

/**
 * Validation by score: the current weights exported for llama.cpp (again only after a step changed
 * them), greedy outputs on the validation records graded as `tailor eval` grades them. Outputs may
 * run to a quarter over the longest validation reference, so a model that loops is cut off and
 * scored, not waited on.
 */
function scoreValidation(
  scoring: SftScoring,
  options: SftOptions,
  validation: TokenizedExample[],
  step: (batch: TokenizedExample[], index: number) => Promise<StepOutcome>,
) {
  const { worker, runDirectory } = options;
  const byId = new Map(scoring.records.map((record) => [record.id, record]));
  const records = validation.map((example) => {
    const record = byId.get(example.id);
    if (!record)
      throw new TrainingError('no-reference', `validation example ${example.id} has no record to grade`);
    return record;
  });
  const longest = Math.max(
    ...validation.map((example) => example.weights.filter((weight) => weight > 0).length),
  );
  const maxTokens = Math.ceil(1.25 * longest) + 16;
  const policy = createPolicy({
    worker,
    runDirectory,
    open: (adapterFile) => scoring.open(adapterFile, maxTokens),
    ...(scoring.release ? { release: scoring.release } : {}),
  });
  return {
    step: async (batch: TokenizedExample[], index: number) => {
      const outcome = await step(batch, index);
      policy.changed();
      return outcome;
    },
    validate: async () =>
      validationScore({
        model: await policy.model(),
        task: scoring.task,
        records,
        graders: scoring.graders,
        generation: trainingGeneration(scoring.task, maxTokens),
      }),
    close: () => policy.close(),
  };
}

/** Mean negative log-likelihood per completion token over the validation examples. */
export async function validationLoss(
  worker: TrainingWorker,
  examples: TokenizedExample[],
  microBatchSize: number,
): Promise<number> {
  let total = 0;
  let weight = 0;
  for (let start = 0; start < examples.length; start += microBatchSize) {
    const micro = examples.slice(start, start + microBatchSize);
    const { logprobs } = await worker.logprobs({ sequences: micro.map(({ tokens }) => ({ tokens })) });
    micro.forEach((example, row) => {
      example.weights.forEach((value, index) => {
        if (index === 0 || value <= 0) return;
        total -= value * (logprobs[row]?.[index] ?? 0);
        weight += value;
      });
    });
  }
  return weight > 0 ? total / weight : 0;
}

function completionWeight(example: TokenizedExample): number {
  return example.weights.slice(1).reduce((sum, value) => sum + value, 0);
}
