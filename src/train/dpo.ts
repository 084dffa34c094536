import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ChatMessage, ChatModel } from '../core/chat-model.js';
import { TrainingError } from '../core/errors.js';
import { type DpoConfig, dpoConfigSchema } from '../core/train-config.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { type EvalRecord, loadDataset } from '../task/dataset.js';
import type { Grader } from '../task/graders/index.js';
import { gradeOutput } from '../task/grading.js';
import type { GraderConfig, Task } from '../task/task.js';
import type { TokenizedExample } from './chat-tokens.js';
import { dataFingerprint, learningRateAt, planBatches } from './sft.js';
import { type LoopEvent, type LoopResult, runTrainingLoop, type StepOutcome } from './training-loop.js';
import type { TrainingWorker } from './worker-client.js';

export { type DpoConfig, dpoConfigSchema };

/**
 * Direct preference optimisation: raise the policy's log-probability of the chosen completion over
 * the rejected one, relative to a frozen reference (the policy as it was when the run started: the
 * base model, or the SFT specialist it continues). Reference log-probabilities are computed once,
 * before the first step, and cached in the run folder, so a resumed run uses the very same ones.
 */

/** One prompt with a preferred and a dispreferred completion, tokenised like SFT examples. */
export interface PreferenceExample {
  id: string;
  chosen: TokenizedExample;
  rejected: TokenizedExample;
}

export interface DpoOptions {
  config: DpoConfig;
  runDirectory: string;
  pairs: PreferenceExample[];
  validation: PreferenceExample[];
  worker: TrainingWorker;
  resume?: boolean;
  onEvent?: (event: LoopEvent) => void;
}

interface References {
  fingerprint: string;
  /** Pair id → summed reference log-probabilities of [chosen, rejected]. */
  values: Record<string, [number, number]>;
}

export async function runDpo(options: DpoOptions): Promise<LoopResult> {
  const { config, worker, runDirectory } = options;
  const fits = (pair: PreferenceExample) =>
    pair.chosen.tokens.length <= config.maxLength && pair.rejected.tokens.length <= config.maxLength;
  const pairs = options.pairs.filter(fits);
  const validation = options.validation.filter(fits).slice(0, config.validationExamples);
  if (pairs.length === 0)
    throw new TrainingError('no-training-data', `no preference pair fits in ${config.maxLength} tokens`);
  const fingerprint = dataFingerprint(
    [...pairs, ...validation].flatMap((pair) => [pair.chosen, pair.rejected]),
    [],
  );

  // ---- reference log-probabilities: once per run, before any step ----
  const referencesFile = join(runDirectory, 'references.json');
  let references: References | undefined;
  if (existsSync(referencesFile)) {
    const saved = JSON.parse(readFileSync(referencesFile, 'utf8')) as References;
    if (saved.fingerprint === fingerprint) references = saved;
  }
  if (!references) {
    if (options.resume && existsSync(join(runDirectory, 'state.json'))) {
      throw new TrainingError(
        'resume-mismatch',
        `cannot resume ${runDirectory}: its reference log-probabilities are missing or for other data`,
      );
    }
    references = {
      fingerprint,
      values: await sequenceLogprobs(worker, [...pairs, ...validation], config.microBatchSize),
    };
    writeFileAtomic(referencesFile, `${JSON.stringify(references)}\n`);
  }
  const reference = references.values;

  const batches = planBatches(
    pairs,
    config,
    (pair) => pair.chosen.tokens.length + pair.rejected.tokens.length,
  );
  const step = async (batch: PreferenceExample[], index: number): Promise<StepOutcome> => {
    let loss = 0;
    let correct = 0;
    for (let start = 0; start < batch.length; start += config.microBatchSize) {
      const micro = batch.slice(start, start + config.microBatchSize);
      const reply = await worker.forwardBackward({
        loss: 'dpo',
        beta: config.beta,
        normalizer: batch.length,
        pairs: micro.map((pair) => ({
          chosen: { tokens: pair.chosen.tokens, weights: pair.chosen.weights },
          rejected: { tokens: pair.rejected.tokens, weights: pair.rejected.weights },
          reference_chosen: reference[pair.id]![0],
          reference_rejected: reference[pair.id]![1],
        })),
      });
      loss += reply.loss;
      correct += reply.metrics.accuracy_sum ?? 0;
    }
    const learningRate = learningRateAt(index, batches.length, config);
    const { grad_norm: gradNorm } = await worker.optimStep({
      lr: learningRate,
      weight_decay: config.weightDecay,
      grad_clip: config.gradClip,
    });
    const tokens = batch.reduce(
      (sum, pair) => sum + pair.chosen.tokens.length + pair.rejected.tokens.length,
      0,
    );
    return { loss, learningRate, tokens, metrics: { gradNorm, rewardAccuracy: correct / batch.length } };
  };

  const validate = async (): Promise<number> => {
    const policy = await sequenceLogprobs(worker, validation, config.microBatchSize);
    const losses = validation.map((pair) => {
      const [chosen, rejected] = policy[pair.id]!;
      const [referenceChosen, referenceRejected] = reference[pair.id]!;
      return dpoLoss(chosen - referenceChosen, rejected - referenceRejected, config.beta);
    });
    return losses.reduce((sum, value) => sum + value, 0) / losses.length;
  };

  return runTrainingLoop({
    runDirectory,
    config,
    fingerprint,
    settings: config,
    batches,
    worker,
    step,
    ...(validation.length > 0 ? { validate } : {}),
    ...(options.resume ? { resume: true } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

/** `-log sigmoid(beta * (chosen log-ratio - rejected log-ratio))`, computed stably. */
export function dpoLoss(chosenLogRatio: number, rejectedLogRatio: number, beta: number): number {
  const margin = beta * (chosenLogRatio - rejectedLogRatio);
  return margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
}

/** Summed weighted log-probabilities of each pair's chosen and rejected completion (adapter on). */
async function sequenceLogprobs(
  worker: TrainingWorker,
  pairs: PreferenceExample[],
  microBatchSize: number,
): Promise<Record<string, [number, number]>> {
  const sequences = pairs.flatMap((pair) => [pair.chosen, pair.rejected]);
  const totals: number[] = [];
  for (let start = 0; start < sequences.length; start += microBatchSize) {
    const micro = sequences.slice(start, start + microBatchSize);
    const { logprobs } = await worker.logprobs({ sequences: micro.map(({ tokens }) => ({ tokens })) });
    micro.forEach((sequence, row) => {
      totals.push(
        sequence.weights.reduce(
          (sum, weight, index) => (index === 0 ? sum : sum + weight * (logprobs[row]?.[index] ?? 0)),
          0,
        ),
      );
    });
  }
  return Object.fromEntries(
    pairs.map((pair, index) => [pair.id, [totals[2 * index]!, totals[2 * index + 1]!]]),
  );
}

/** A preference record: the prompt (task input or chat messages) with both completions. */
export interface PreferenceRecord extends EvalRecord {
  chosen: string;
  rejected: string;
}

/**
 * Read `{id?, input | messages, chosen, rejected}` JSONL, every line checked before anything trains;
 * errors name the file, the line and the field. `chosen`/`rejected` may be text or JSON values
 * (serialised compactly, as SFT serialises references).
 */
export function loadPreferencePairs(path: string, task: Pick<Task, 'variables'>): PreferenceRecord[] {
  const records = loadDataset(path, { variables: task.variables });
  const lines = readFileSync(path, 'utf8').split('\n');
  const problems: string[] = [];
  const pairs: PreferenceRecord[] = [];
  let recordIndex = 0;
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const record = records[recordIndex++]!;
    const row = JSON.parse(line) as Record<string, unknown>;
    const text = (field: 'chosen' | 'rejected') => {
      const value = row[field];
      if (value === undefined || value === null || value === '') {
        problems.push(`${path}:${index + 1}: field "${field}" is missing (expected the ${field} completion)`);
        return '';
      }
      return typeof value === 'string' ? value : JSON.stringify(value);
    };
    const chosen = text('chosen');
    const rejected = text('rejected');
    if (chosen && chosen === rejected)
      problems.push(`${path}:${index + 1}: "chosen" and "rejected" are the same text`);
    pairs.push({ ...record, chosen, rejected });
  });
  if (problems.length > 0) {
    throw new TrainingError(
      'dataset-invalid',
      `Invalid preference pairs:\n  ${problems.slice(0, 20).join('\n  ')}`,
    );
  }
  return pairs;
}

/**
 * Preference pairs from graded samples: `samples` completions per prompt from `model`, each graded by
 * the task's graders; the best and the worst become a pair when their scores differ by at least
 * `minMargin` (ties teach nothing).
 */
export async function pairsFromGradedSamples(options: {
  records: EvalRecord[];
  messagesFor: (record: EvalRecord) => ChatMessage[];
  model: ChatModel;
  graders: { config: GraderConfig; grader: Grader }[];
  samples?: number;
  temperature?: number;
  maxTokens?: number;
  minMargin?: number;
  seed?: number;
}): Promise<
  Array<{ id: string; messages: ChatMessage[]; chosen: string; rejected: string; margin: number }>
> {
  const pairs = [];
  for (const record of options.records) {
    const messages = options.messagesFor(record);
    const result = await options.model.generate(messages, {
      samples: options.samples ?? 4,
      temperature: options.temperature ?? 0.8,
      maxTokens: options.maxTokens ?? 400,
      seed: options.seed ?? 0,
    });
    const graded = await Promise.all(
      result.samples.map(async (sample) => ({
        text: sample.text,
        ...(await gradeOutput(options.graders, record, sample.text)),
      })),
    );
    graded.sort((a, b) => b.score - a.score);
    const best = graded[0];
    const worst = graded.at(-1);
    if (!best || !worst) continue;
    const margin = best.score - worst.score;
    if (margin >= (options.minMargin ?? 0.1)) {
      pairs.push({ id: record.id, messages, chosen: best.text, rejected: worst.text, margin });
    }
  }
  return pairs;
}
