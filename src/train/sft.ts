import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Random } from '../common/random.js';
import { TrainingError } from '../core/errors.js';
import { type SftConfig, sftConfigSchema } from '../core/train-config.js';
import type { TokenizedExample } from './chat-tokens.js';
import { type LoopEvent, type LoopResult, runTrainingLoop, type StepOutcome } from './training-loop.js';
import type { TrainingWorker } from './worker-client.js';

export { type SftConfig, sftConfigSchema };

/**
 * Supervised fine-tuning with LoRA. The worker holds the model and does the tensor work; this file
 * owns the data order (seeded, length-bucketed), one optimiser step (micro-batches accumulated to the
 * batch), the learning-rate schedule and the validation loss. The run folder, resume, validation
 * cadence, early stopping and checkpoints are the shared training loop's (training-loop.ts).
 */

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

/**
 * Batches for every step. Each epoch shuffles with its own seed, then sorts windows of 16 batches by
 * length and cuts them into batches (length bucketing: similar lengths pad less), then shuffles the
 * batch order so lengths do not trend through the epoch. Shared by SFT and DPO.
 */
export function planBatches<T>(
  items: T[],
  config: Pick<SftConfig, 'batchSize' | 'maxSteps' | 'epochs' | 'seed'>,
  length: (item: T) => number = (item) => (item as TokenizedExample).tokens.length,
): T[][] {
  const perEpoch = Math.ceil(items.length / config.batchSize);
  const totalSteps = config.maxSteps ?? Math.ceil(config.epochs * perEpoch);
  const batches: T[][] = [];
  for (let epoch = 0; batches.length < totalSteps; epoch += 1) {
    const random = new Random(config.seed * 1_000_003 + epoch);
    const shuffled = random.shuffle(items);
    const window = config.batchSize * 16;
    const epochBatches: T[][] = [];
    for (let start = 0; start < shuffled.length; start += window) {
      const sorted = shuffled.slice(start, start + window).sort((a, b) => length(a) - length(b));
      for (let cut = 0; cut < sorted.length; cut += config.batchSize) {
        epochBatches.push(sorted.slice(cut, cut + config.batchSize));
      }
    }
    batches.push(...random.shuffle(epochBatches));
  }
  return batches.slice(0, totalSteps);
}

/** Linear warm-up, then cosine or linear decay to a tenth of the peak (or constant). */
export function learningRateAt(
  step: number,
  totalSteps: number,
  config: Pick<SftConfig, 'learningRate' | 'warmupSteps' | 'schedule'>,
): number {
  const peak = config.learningRate;
  if (step < config.warmupSteps) return (peak * (step + 1)) / config.warmupSteps;
  if (config.schedule === 'constant') return peak;
  const progress = Math.min(1, (step - config.warmupSteps) / Math.max(1, totalSteps - config.warmupSteps));
  const floor = peak * 0.1;
  const shape = config.schedule === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return floor + (peak - floor) * shape;
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

export function dataFingerprint(train: TokenizedExample[], validation: TokenizedExample[]): string {
  const hash = createHash('sha256');
  for (const example of [...train, ...validation]) hash.update(`${example.id}:${example.tokens.join(',')}\n`);
  return hash.digest('hex').slice(0, 16);
}
