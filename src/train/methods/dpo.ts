import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random } from '../../common/random.js';
import { TrainingError } from '../../core/errors.js';
import { type DpoConfig, dpoConfigSchema } from '../../core/train-config.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { promptMessages } from '../../task/dataset.js';
import type { TokenizedExample } from '../chat-tokens.js';
import { fileSha256, type TrainingMethod } from '../method.js';
import { loadPreferencePairs } from '../preference-pairs.js';
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
 * Direct preference optimisation: raise the policy's log-probability of the chosen completion over
 * the rejected one, relative to a frozen reference (the policy as it was when the run started: the
 * base model, or the SFT specialist it continues). Reference log-probabilities are computed once,
 * before the first step, and cached in the run folder, so a resumed run uses the very same ones.
 */

export interface DpoRequest {
  kind: 'dpo';
  config: DpoConfig;
  /** `{id, input | messages, chosen, rejected}` JSONL (see preference-pairs.ts). */
  pairsFile: string;
  /** A specialist to continue from: its adapter is the starting point and the reference. */
  initFrom?: string;
}

/** DPO reads its pairs file, not the task's splits; one pair in ten (seeded) is held out for validation. */
export const dpoMethod: TrainingMethod<DpoRequest> = {
  name: 'dpo',
  configSchema: dpoConfigSchema,
  validationMetric: 'loss',
  prepare(request, { task, limit }) {
    const records = loadPreferencePairs(request.pairsFile, task).slice(0, limit);
    return {
      records,
      summary: `${records.length} preference pairs`,
      examples: { train: 0, validation: 0 },
      initFrom: request.initFrom,
      tokenize(tokenizer) {
        const pairs: PreferenceExample[] = records.map((record) => ({
          id: record.id,
          chosen: tokenizer.tokenize(`${record.id}:chosen`, promptMessages(task, record), record.chosen),
          rejected: tokenizer.tokenize(
            `${record.id}:rejected`,
            promptMessages(task, record),
            record.rejected,
          ),
        }));
        const heldOut = new Set(
          new Random(request.config.seed).sample(pairs, Math.floor(pairs.length / 10)).map((pair) => pair.id),
        );
        return {
          checkSequences: pairs.map((pair) => pair.chosen),
          run: async (context) => ({
            training: await runDpo({
              config: request.config,
              runDirectory: context.runDirectory,
              worker: context.worker,
              resume: context.resume,
              onEvent: context.onEvent,
              pairs: pairs.filter((pair) => !heldOut.has(pair.id)),
              validation: pairs.filter((pair) => heldOut.has(pair.id)),
            }),
            lineage: {
              pairs: { path: request.pairsFile, pairs: pairs.length, sha256: fileSha256(request.pairsFile) },
              initFrom: request.initFrom ?? null,
            },
          }),
        };
      },
    };
  },
};

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
