import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Random } from '../evals/seeded-random.js';
import { TrainingError } from '../spec/errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { TokenizedExample } from './chat-tokens.js';
import type { TrainingWorker } from './worker-client.js';

/**
 * Supervised fine-tuning with LoRA: the loop, top to bottom. The worker holds the model and does the
 * tensor work; everything else (data order, batching, schedule, validation, early stopping,
 * checkpoints, resume) is here.
 *
 * Run folder: `config.json` (config + data fingerprint), `metrics.jsonl` (one line per step and per
 * validation), `state.json` (the last checkpoint), `checkpoints/step-N/`, `best/` (lowest validation
 * loss, with the llama.cpp adapter) and `final/`.
 */
export const sftConfigSchema = z.strictObject({
  lora: z
    .strictObject({
      rank: z.int().positive().default(16),
      alpha: z.number().positive().default(32),
      dropout: z.number().min(0).max(1).default(0),
      /** Module names; default: every attention and MLP projection. */
      targets: z.array(z.string()).optional(),
    })
    .prefault({}),
  epochs: z.number().positive().default(1),
  /** Stop after this many optimiser steps whatever `epochs` says. */
  maxSteps: z.int().positive().optional(),
  /** Examples per optimiser step. */
  batchSize: z.int().positive().default(8),
  /** Examples per forward/backward call; gradients accumulate up to `batchSize`. */
  microBatchSize: z.int().positive().default(4),
  learningRate: z.number().positive().default(2e-4),
  schedule: z.enum(['cosine', 'linear', 'constant']).default('cosine'),
  warmupSteps: z.int().min(0).default(5),
  weightDecay: z.number().min(0).default(0),
  gradClip: z.number().positive().default(1),
  /** Examples longer than this (prompt + completion tokens) are left out, and counted. */
  maxLength: z.int().positive().default(1024),
  seed: z.int().default(0),
  /** Validation loss every N steps (and at the end). */
  evalEvery: z.int().positive().default(20),
  /** Validation examples scored each time (the first N of the validation split). */
  validationExamples: z.int().positive().default(32),
  /** Stop after this many validations without improvement; 0 = never stop early. */
  earlyStoppingPatience: z.int().min(0).default(0),
  checkpointEvery: z.int().positive().default(20),
  keepCheckpoints: z.int().positive().default(2),
});
export type SftConfig = z.infer<typeof sftConfigSchema>;

export type SftEvent =
  | {
      type: 'step-end';
      step: number;
      totalSteps: number;
      loss: number;
      learningRate: number;
      tokensPerSecond: number;
      elapsedSeconds: number;
    }
  | { type: 'validation-end'; step: number; loss: number; best: boolean }
  | { type: 'checkpoint-saved'; step: number; dir: string }
  | { type: 'resumed'; step: number };

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

export interface SftResult {
  steps: number;
  /** Checkpoint folder holding the adapter to serve (`adapter.gguf`): best on validation, else final. */
  adapterDirectory: string;
  bestValidationLoss: number | undefined;
  firstValidationLoss: number | undefined;
  stoppedEarly: boolean;
  skippedTooLong: number;
}

interface RunState {
  step: number;
  checkpoint: string;
  bestValidationLoss: number | null;
  firstValidationLoss: number | null;
  validationsWithoutImprovement: number;
  elapsedSeconds: number;
}

export async function runSft(options: SftOptions): Promise<SftResult> {
  const { config, worker, runDirectory } = options;
  const emit = options.onEvent ?? (() => {});
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

  // ---- the run folder: a fresh run writes its config; a resumed one must match it ----
  mkdirSync(join(runDirectory, 'checkpoints'), { recursive: true });
  const fingerprint = dataFingerprint(train, validation);
  const configFile = join(runDirectory, 'config.json');
  const metricsFile = join(runDirectory, 'metrics.jsonl');
  const stateFile = join(runDirectory, 'state.json');
  let state: RunState = {
    step: 0,
    checkpoint: '',
    bestValidationLoss: null,
    firstValidationLoss: null,
    validationsWithoutImprovement: 0,
    elapsedSeconds: 0,
  };
  if (options.resume && existsSync(stateFile)) {
    const saved = JSON.parse(readFileSync(configFile, 'utf8')) as { config: SftConfig; fingerprint: string };
    if (JSON.stringify(saved.config) !== JSON.stringify(config) || saved.fingerprint !== fingerprint) {
      throw new TrainingError(
        'resume-mismatch',
        `cannot resume ${runDirectory}: its config or data differ from this run's`,
        {
          hint: 'Resume with the same flags and data, or start a new run.',
        },
      );
    }
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as RunState;
    await worker.load(state.checkpoint);
    truncateMetrics(metricsFile, state.step);
    emit({ type: 'resumed', step: state.step });
  } else {
    if (existsSync(stateFile)) {
      throw new TrainingError('run-exists', `${runDirectory} already holds a run`, {
        hint: 'Pass --resume to continue it, or choose another run name.',
      });
    }
    writeFileAtomic(configFile, `${JSON.stringify({ config, fingerprint }, null, 2)}\n`);
    writeFileSync(metricsFile, '');
  }

  // ---- the data order is a pure function of (seed, data, config): a resumed run skips ahead ----
  const batches = planBatches(train, config);
  const totalSteps = batches.length;
  const started = performance.now() / 1000 - state.elapsedSeconds;
  let stoppedEarly = false;

  const validate = async (step: number): Promise<void> => {
    if (validation.length === 0) return;
    const loss = await validationLoss(worker, validation, config.microBatchSize);
    state.firstValidationLoss ??= loss;
    const best = state.bestValidationLoss === null || loss < state.bestValidationLoss;
    appendFileSync(metricsFile, `${JSON.stringify({ type: 'validation', step, loss })}\n`);
    if (best) {
      state.bestValidationLoss = loss;
      state.validationsWithoutImprovement = 0;
      await worker.save({
        dir: join(runDirectory, 'best'),
        formats: ['peft', 'gguf-lora'],
        optimizer: false,
        meta: { step, validationLoss: loss },
      });
    } else {
      state.validationsWithoutImprovement += 1;
    }
    emit({ type: 'validation-end', step, loss, best });
  };

  if (state.step === 0) await validate(0);
  for (let step = state.step; step < totalSteps; step += 1) {
    const batch = batches[step]!;
    const stepStarted = performance.now();
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
    const learningRate = learningRateAt(step, totalSteps, config);
    const { grad_norm: gradNorm } = await worker.optimStep({
      lr: learningRate,
      weight_decay: config.weightDecay,
      grad_clip: config.gradClip,
    });
    const tokens = batch.reduce((sum, example) => sum + example.tokens.length, 0);
    const seconds = (performance.now() - stepStarted) / 1000;
    const elapsedSeconds = performance.now() / 1000 - started;
    const done = step + 1;
    appendFileSync(
      metricsFile,
      `${JSON.stringify({ type: 'train', step: done, loss, learningRate, gradNorm, tokens, tokensPerSecond: tokens / seconds, elapsedSeconds })}\n`,
    );
    emit({
      type: 'step-end',
      step: done,
      totalSteps,
      loss,
      learningRate,
      tokensPerSecond: tokens / seconds,
      elapsedSeconds,
    });

    const last = done === totalSteps;
    if (done % config.evalEvery === 0 || last) {
      await validate(done);
      if (
        config.earlyStoppingPatience > 0 &&
        state.validationsWithoutImprovement >= config.earlyStoppingPatience
      ) {
        stoppedEarly = !last;
      }
    }
    if (done % config.checkpointEvery === 0 || last || stoppedEarly) {
      const dir = join(runDirectory, 'checkpoints', `step-${done}`);
      await worker.save({ dir, formats: ['peft'], meta: { step: done } });
      state = { ...state, step: done, checkpoint: dir, elapsedSeconds };
      writeFileAtomic(stateFile, `${JSON.stringify(state, null, 2)}\n`);
      pruneCheckpoints(runDirectory, done, config);
      emit({ type: 'checkpoint-saved', step: done, dir });
    }
    if (stoppedEarly) break;
  }

  const finalDirectory = join(runDirectory, 'final');
  await worker.save({
    dir: finalDirectory,
    formats: ['peft', 'gguf-lora'],
    optimizer: false,
    meta: { step: state.step },
  });
  const bestDirectory = join(runDirectory, 'best');
  return {
    steps: state.step,
    adapterDirectory: existsSync(join(bestDirectory, 'adapter.gguf')) ? bestDirectory : finalDirectory,
    bestValidationLoss: state.bestValidationLoss ?? undefined,
    firstValidationLoss: state.firstValidationLoss ?? undefined,
    stoppedEarly,
    skippedTooLong,
  };
}

/**
 * Batches for every step. Each epoch shuffles with its own seed, then sorts windows of 16 batches by
 * length and cuts them into batches (length bucketing: similar lengths pad less), then shuffles the
 * batch order so lengths do not trend through the epoch.
 */
export function planBatches(examples: TokenizedExample[], config: SftConfig): TokenizedExample[][] {
  const perEpoch = Math.ceil(examples.length / config.batchSize);
  const totalSteps = config.maxSteps ?? Math.ceil(config.epochs * perEpoch);
  const batches: TokenizedExample[][] = [];
  for (let epoch = 0; batches.length < totalSteps; epoch += 1) {
    const random = new Random(config.seed * 1_000_003 + epoch);
    const shuffled = random.shuffle(examples);
    const window = config.batchSize * 16;
    const epochBatches: TokenizedExample[][] = [];
    for (let start = 0; start < shuffled.length; start += window) {
      const sorted = shuffled.slice(start, start + window).sort((a, b) => a.tokens.length - b.tokens.length);
      for (let cut = 0; cut < sorted.length; cut += config.batchSize) {
        epochBatches.push(sorted.slice(cut, cut + config.batchSize));
      }
    }
    batches.push(...random.shuffle(epochBatches));
  }
  return batches.slice(0, totalSteps);
}

/** Linear warm-up, then cosine or linear decay to a tenth of the peak (or constant). */
export function learningRateAt(step: number, totalSteps: number, config: SftConfig): number {
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

function dataFingerprint(train: TokenizedExample[], validation: TokenizedExample[]): string {
  const hash = createHash('sha256');
  for (const example of [...train, ...validation]) hash.update(`${example.id}:${example.tokens.join(',')}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Drop metrics past the checkpoint a resumed run restarts from, so the curve has no duplicates. */
function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && (JSON.parse(line) as { step: number }).step <= step);
  writeFileAtomic(file, kept.map((line) => `${line}\n`).join(''));
}

function pruneCheckpoints(runDirectory: string, current: number, config: SftConfig): void {
  const oldest = current - config.keepCheckpoints * config.checkpointEvery;
  for (let step = config.checkpointEvery; step <= oldest; step += config.checkpointEvery) {
    rmSync(join(runDirectory, 'checkpoints', `step-${step}`), { recursive: true, force: true });
  }
}
