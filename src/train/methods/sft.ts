import { TrainingError } from '../../core/errors.js';
import { type SftConfig, sftConfigSchema } from '../../core/train-config.js';
import type { TokenizedExample } from '../chat-tokens.js';
import { prepareSplits, type TrainingMethod } from '../method.js';
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
}

export const sftMethod: TrainingMethod<SftRequest> = {
  name: 'sft',
  configSchema: sftConfigSchema,
  validationMetric: 'loss',
  prepare: (request, source) => {
    const prepared = prepareSplits(
      source,
      undefined,
      async ({ trainExamples, validationExamples }, context) => ({
        training: await runSft({
          config: request.config,
          runDirectory: context.runDirectory,
          worker: context.worker,
          resume: context.resume,
          onEvent: context.onEvent,
          train: trainExamples,
          validation: validationExamples,
        }),
        lineage: {},
      }),
    );
    return {
      ...prepared,
      summary: `${prepared.summary}; ${describePlan(request.config, prepared.examples.train)}`,
    };
  },
};

/**
 * What SFT will do with the data it was given, said before it starts: the steps the epochs make,
 * the schedule, how often it validates and which checkpoint it keeps. A user who passed no flag
 * sees what the defaults chose for their data size.
 */
export function describePlan(config: SftConfig, examples: number): string {
  const perEpoch = Math.ceil(examples / config.batchSize);
  const steps = config.maxSteps ?? Math.ceil(config.epochs * perEpoch);
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const basis =
    config.maxSteps !== undefined
      ? `${count(steps, 'step')} (--steps), ${(steps / perEpoch).toFixed(2)} epochs`
      : `${count(config.epochs, 'epoch')} of ${count(perEpoch, 'step')} = ${count(steps, 'step')}`;
  return `${basis} of ${config.batchSize} examples; learning rate ${config.learningRate} (${config.schedule}, ${config.warmupSteps} warm-up steps); validation loss every ${config.evalEvery} steps on ${config.validationExamples} examples; the checkpoint with the lowest validation loss is registered`;
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
  const batches = planBatches(train, config);

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

  const result = await runTrainingLoop({
    runDirectory: options.runDirectory,
    config,
    fingerprint: dataFingerprint(train, validation),
    settings: config,
    batches,
    worker,
    step,
    ...(validation.length > 0
      ? { validate: () => validationLoss(worker, validation, config.microBatchSize) }
      : {}),
    ...(options.resume ? { resume: true } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  return { ...result, skippedTooLong };
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
