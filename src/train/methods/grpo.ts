import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonl } from '../../common/jsonl.js';
import type { ChatModel } from '../../core/chat-model.js';
import { TrainingError } from '../../core/errors.js';
import { type GrpoConfig, grpoConfigSchema } from '../../core/train-config.js';
import { type EvalRecord, promptMessages } from '../../task/dataset.js';
import { gradeOutput } from '../../task/grading.js';
import type { Task, TaskGrader } from '../../task/task.js';
import type { ChatTokenizer, TokenizedExample } from '../chat-tokens.js';
import { type MethodStepEvent, prepareSplits, type TrainingMethod } from '../method.js';
import { createPolicy, trainingGeneration, validationScore } from '../policy.js';
import { learningRateAt, planBatches } from '../schedule.js';
import { type LoopEvent, type LoopResult, runTrainingLoop, type StepOutcome } from '../training-loop.js';
import type { TrainingWorker } from '../worker-client.js';
import type { PolicySequence } from '../worker-protocol.js';

/**
 * Group-relative policy optimisation (GRPO) with the task's graders as the reward.
 *
 * Each step takes a few prompts from the train split and, for each, samples a group of completions
 * with the current adapter through llama.cpp (the adapter is exported to a new GGUF file whenever the
 * weights changed: llama.cpp caches adapters by path). Every completion is graded; its reward is the
 * weighted mean of the reward graders' scores, minus an optional length penalty. Within a group the
 * advantage is the reward's z-score; a group whose rewards are all equal carries no signal and is
 * skipped (and counted). The learner (the worker) recomputes log-probabilities of the sampled tokens
 * and takes the clipped PPO (or plain importance-sampling) loss, optionally with a KL penalty to the
 * base model; then one optimiser step.
 *
 * A held-out "monitor" grader is scored on every sample but never rewarded: when the reward rises
 * while the monitor falls, the policy is likely gaming the reward, and the step is flagged.
 *
 * Validation (greedy outputs on the validation split, graded by the reward graders and the monitor)
 * picks the best checkpoint; the run folder, resume and checkpoints are the shared training loop's.
 */

/** A task grader built for the reward (LLM judges with their models). */
export type RewardGrader = TaskGrader;

export interface GrpoRequest {
  kind: 'grpo';
  config: GrpoConfig;
  /** The task's graders, built; the config picks the reward ones and the monitor by name. */
  graders: RewardGrader[];
  /** A specialist to continue from (the usual path: SFT, then GRPO). */
  initFrom?: string;
  /** llama.cpp context size for sampling (2048). */
  contextSize?: number;
}

/**
 * GRPO samples on the train split's prompts and validates on the validation split's; both need
 * references (the graders compare against them, and the consistency check scores them).
 */
export const grpoMethod: TrainingMethod<GrpoRequest> = {
  name: 'grpo',
  configSchema: grpoConfigSchema,
  validationMetric: 'score',
  prepare: (request, source) =>
    prepareSplits(
      source,
      request.initFrom,
      async ({ train, validation, tokenizer }, { sampler, ...context }) => {
        const { config } = request;
        const training = await runGrpo({
          ...context,
          config,
          task: source.task,
          prompts: train,
          validation,
          graders: request.graders,
          tokenizer,
          samplerFor: (adapterFile) =>
            sampler.open(adapterFile, {
              contextSize: request.contextSize ?? 2048,
              parallel: Math.min(16, config.groupSize * config.promptsPerStep),
              maxTokens: config.maxTokens,
            }),
          releaseAdapter: (adapterFile) => sampler.release(adapterFile),
        });
        return {
          training,
          lineage: { initFrom: request.initFrom ?? null, flaggedSteps: training.flaggedSteps },
        };
      },
    ),
};

export interface GrpoOptions {
  config: GrpoConfig;
  runDirectory: string;
  task: Task;
  /** Prompts to sample on (the train split); references are what the graders compare against. */
  prompts: EvalRecord[];
  validation: EvalRecord[];
  /** The task's graders, built; the config picks the reward ones and the monitor by name. */
  graders: RewardGrader[];
  /** The worker already holds the base model and the adapter to start from. */
  worker: TrainingWorker;
  tokenizer: ChatTokenizer;
  /** A llama.cpp model serving the base with this LoRA GGUF; GRPO closes it when done with it. */
  samplerFor: (adapterFile: string) => ChatModel;
  /** Frees an adapter file's weights once its sampler is closed (llama.cpp keeps them otherwise). */
  releaseAdapter?: (adapterFile: string) => Promise<void>;
  resume?: boolean;
  onEvent?: (event: LoopEvent | GrpoStepEvent) => void;
}

/** A step's own numbers, beside the loop's generic `step-end`. */
export interface GrpoStepEvent extends MethodStepEvent {
  type: 'grpo-step';
}

export interface GrpoResult extends LoopResult {
  /** Steps where the reward rose while the monitor fell. */
  flaggedSteps: number[];
}

export async function runGrpo(options: GrpoOptions): Promise<GrpoResult> {
  const { config, worker, task, runDirectory } = options;
  const emit = options.onEvent ?? (() => {});
  const { rewardGraders, monitor } = pickGraders(options.graders, config);
  const scoredGraders = monitor ? [...rewardGraders, monitor] : rewardGraders;
  if (options.prompts.length === 0) throw new TrainingError('no-training-data', 'GRPO has no prompts');
  const batches = planBatches(
    options.prompts,
    { batchSize: config.promptsPerStep, maxSteps: config.steps, epochs: 1, seed: config.seed },
    () => 0,
  );
  const validation = options.validation.slice(0, config.validationExamples);
  const generation = trainingGeneration(task, config.maxTokens);

  // ---- the sampling policy: the worker's adapter, exported whenever the weights changed ----
  const policy = createPolicy({
    worker,
    runDirectory,
    open: options.samplerFor,
    ...(options.releaseAdapter ? { release: options.releaseAdapter } : {}),
  });

  const history: Array<{ reward: number; monitor: number }> = [];
  let historyLoaded = false;

  const step = async (batch: EvalRecord[], index: number): Promise<StepOutcome> => {
    if (!historyLoaded) {
      history.push(
        ...trainRows(runDirectory).map((row) => ({
          reward: row.rewardMean ?? 0,
          monitor: row.monitorMean ?? Number.NaN,
        })),
      );
      historyLoaded = true;
    }
    // ---- sample a group per prompt ----
    const sampleStarted = performance.now();
    const model = await policy.model();
    const groups = await Promise.all(
      batch.map(async (record, promptIndex) => {
        const messages = promptMessages(task, record);
        const result = await model.generate(messages, {
          ...generation,
          samples: config.groupSize,
          temperature: config.temperature,
          topK: config.topK,
          seed: sampleSeed(config.seed, index, promptIndex, config.groupSize),
        });
        return { record, messages, samples: result.samples };
      }),
    );
    const sampleSeconds = (performance.now() - sampleStarted) / 1000;

    // ---- score every sample; advantages within each group ----
    const scoreStarted = performance.now();
    const perGrader = new Map<string, number[]>();
    const monitorScores: number[] = [];
    const rewards: number[] = [];
    const sequences: PolicySequence[] = [];
    let groupsWithSignal = 0;
    let sampledTokens = 0;
    for (const group of groups) {
      const groupRewards: number[] = [];
      for (const sample of group.samples) {
        const graded = await gradeOutput(scoredGraders, group.record, sample.text);
        const scoreOf = (name: string) => graded.grades[name]?.score ?? 0;
        for (const { config: grader } of scoredGraders) {
          perGrader.set(grader.name, [...(perGrader.get(grader.name) ?? []), scoreOf(grader.name)]);
        }
        if (monitor) monitorScores.push(scoreOf(monitor.config.name));
        const reward =
          weightedReward(rewardGraders, config, scoreOf) -
          (config.lengthPenalty * sample.outputTokens) / config.maxTokens;
        groupRewards.push(reward);
        sampledTokens += sample.outputTokens;
      }
      rewards.push(...groupRewards);
      const advantages = groupAdvantages(groupRewards);
      if (!advantages) continue;
      groupsWithSignal += 1;
      group.samples.forEach((sample, sampleIndex) => {
        const example: TokenizedExample = options.tokenizer.tokenize(
          `${group.record.id}:${sampleIndex}`,
          group.messages,
          sample.text,
          { endTurn: sample.finishReason !== 'length' },
        );
        const advantage = advantages[sampleIndex]!;
        sequences.push({
          tokens: example.tokens,
          weights: example.weights,
          advantages: example.weights.map((weight) => (weight > 0 ? advantage : 0)),
        });
      });
    }
    const scoreSeconds = (performance.now() - scoreStarted) / 1000;

    // ---- learn: policy-gradient loss on the sampled tokens, then the optimiser step ----
    const learnStarted = performance.now();
    const learningRate = learningRateAt(index, batches.length, config);
    const learned = sequences.length > 0 ? await learn(worker, sequences, config, learningRate) : undefined;
    if (learned) policy.changed();
    const learnSeconds = (performance.now() - learnStarted) / 1000;

    const rewardMean = mean(rewards);
    const monitorMean = monitor ? mean(monitorScores) : Number.NaN;
    history.push({ reward: rewardMean, monitor: monitorMean });
    const flagged = monitor ? hackingSuspected(history, config.monitorWindow) : false;
    const metrics: Record<string, number> = {
      rewardMean,
      rewardMax: Math.max(...rewards),
      groupsWithSignal: groupsWithSignal / groups.length,
      skippedGroups: groups.length - groupsWithSignal,
      kl: learned?.kl ?? 0,
      clipFraction: learned?.clipFraction ?? 0,
      sampledTokens,
      sampleSeconds,
      scoreSeconds,
      learnSeconds,
      ...(learned ? { gradNorm: learned.gradNorm } : {}),
      ...(monitor ? { monitorMean, hackingFlag: flagged ? 1 : 0 } : {}),
    };
    for (const [name, scores] of perGrader) {
      metrics[`reward.${name}.mean`] = mean(scores);
      metrics[`reward.${name}.max`] = Math.max(...scores);
    }
    emit({ type: 'grpo-step', step: index + 1, metrics });
    const trainedTokens = sequences.reduce((sum, sequence) => sum + sequence.tokens.length, 0);
    return {
      loss: learned?.loss ?? 0,
      learningRate,
      tokens: sampledTokens + trainedTokens,
      metrics,
    };
  };

  // ---- validation: greedy outputs on held-out prompts, the mean graded score ----
  const validate = async (): Promise<number> =>
    validationScore({
      model: await policy.model(),
      task,
      records: validation,
      graders: scoredGraders,
      generation,
    });

  try {
    const result = await runTrainingLoop({
      runDirectory,
      config,
      fingerprint: promptFingerprint(options.prompts, validation),
      settings: config,
      batches,
      worker,
      step,
      validationMetric: 'score',
      ...(validation.length > 0 ? { validate } : {}),
      ...(options.resume ? { resume: true } : {}),
      onEvent: emit,
    });
    const flaggedSteps = trainRows(runDirectory)
      .filter((row) => row.hackingFlag === 1)
      .map((row) => row.step);
    return { ...result, flaggedSteps };
  } finally {
    await policy.close();
  }
}

/**
 * Group-relative advantages: each reward's z-score within its group (population standard
 * deviation). `undefined` when every reward is the same: the group says nothing about which
 * completion is better, and training on it would only add noise.
 */
export function groupAdvantages(rewards: number[]): number[] | undefined {
  const average = mean(rewards);
  const std = Math.sqrt(mean(rewards.map((reward) => (reward - average) ** 2)));
  if (std < 1e-6) return undefined;
  return rewards.map((reward) => (reward - average) / std);
}

/** The weighted mean of the reward graders' scores (a grader that errored scores 0). */
export function weightedReward(
  rewardGraders: RewardGrader[],
  config: Pick<GrpoConfig, 'rewards'>,
  scoreOf: (name: string) => number,
): number {
  let total = 0;
  let weights = 0;
  for (const { config: grader } of rewardGraders) {
    const weight = config.rewards?.[grader.name] ?? grader.weight;
    total += weight * scoreOf(grader.name);
    weights += weight;
  }
  return weights > 0 ? total / weights : 0;
}

/**
 * Reward hacking, as the monitor sees it: over the latest `window` steps the mean reward rose by more
 * than 0.02 against the window before, while the monitor's mean fell by more than 0.02.
 */
export function hackingSuspected(
  history: Array<{ reward: number; monitor: number }>,
  window: number,
): boolean {
  if (history.length < 2 * window) return false;
  const latest = history.slice(-window);
  const before = history.slice(-2 * window, -window);
  const rewardRise = mean(latest.map((row) => row.reward)) - mean(before.map((row) => row.reward));
  const monitorRise = mean(latest.map((row) => row.monitor)) - mean(before.map((row) => row.monitor));
  return rewardRise > 0.02 && monitorRise < -0.02;
}

function pickGraders(
  graders: RewardGrader[],
  config: GrpoConfig,
): { rewardGraders: RewardGrader[]; monitor: RewardGrader | undefined } {
  const names = graders.map((grader) => grader.config.name);
  const unknown = [...Object.keys(config.rewards ?? {}), ...(config.monitor ? [config.monitor] : [])].filter(
    (name) => !names.includes(name),
  );
  if (unknown.length > 0) {
    throw new TrainingError(
      'unknown-grader',
      `GRPO names grader(s) ${unknown.join(', ')} that the task does not have (it has ${names.join(', ')})`,
    );
  }
  if (config.monitor && config.rewards?.[config.monitor] !== undefined) {
    throw new TrainingError(
      'monitor-is-reward',
      `grader "${config.monitor}" cannot be both a reward and the hacking monitor`,
      { hint: 'The monitor must be held out of the reward to catch the policy gaming it.' },
    );
  }
  const rewardGraders = graders.filter(({ config: grader }) =>
    config.rewards
      ? config.rewards[grader.name] !== undefined
      : grader.type !== 'pairwise' && grader.name !== config.monitor,
  );
  if (rewardGraders.some(({ config: grader }) => grader.type === 'pairwise')) {
    throw new TrainingError('pairwise-reward', 'pairwise graders need a baseline and cannot be GRPO rewards');
  }
  if (rewardGraders.length === 0)
    throw new TrainingError('no-reward', 'GRPO needs at least one reward grader');
  const monitor = config.monitor
    ? graders.find(({ config: grader }) => grader.name === config.monitor)
    : undefined;
  return { rewardGraders, monitor };
}

async function learn(
  worker: TrainingWorker,
  sequences: PolicySequence[],
  config: GrpoConfig,
  learningRate: number,
): Promise<{ loss: number; kl: number; clipFraction: number; gradNorm: number }> {
  const normalizer = sequences.reduce(
    (sum, sequence) => sum + sequence.weights.slice(1).reduce((total, weight) => total + weight, 0),
    0,
  );
  const micro = chunk(sequences, config.microBatchSize);
  // Reusing samples needs the log-probabilities they were drawn with; one update does not.
  if (config.updatesPerBatch > 1) {
    for (const part of micro) {
      const { logprobs } = await worker.logprobs({ sequences: part.map(({ tokens }) => ({ tokens })) });
      part.forEach((sequence, row) => {
        sequence.sampler_logprobs = logprobs[row]!;
      });
    }
  }
  if (config.klBeta > 0) {
    for (const part of micro) {
      const { logprobs } = await worker.logprobs({
        sequences: part.map(({ tokens }) => ({ tokens })),
        adapter: false,
      });
      part.forEach((sequence, row) => {
        sequence.reference_logprobs = logprobs[row]!;
      });
    }
  }
  let loss = 0;
  let klSum = 0;
  let clipped = 0;
  let gradNorm = 0;
  for (let update = 0; update < config.updatesPerBatch; update += 1) {
    loss = 0;
    klSum = 0;
    clipped = 0;
    for (const part of micro) {
      const reply = await worker.forwardBackward({
        loss: config.loss,
        sequences: part,
        normalizer,
        clip_low: config.clip,
        clip_high: config.clip,
        ...(config.klBeta > 0 ? { kl_beta: config.klBeta } : {}),
      });
      loss += reply.loss;
      klSum += reply.metrics.kl_sum ?? 0;
      clipped += (reply.metrics.clip_fraction ?? 0) * (reply.metrics.weight_sum ?? 0);
    }
    ({ grad_norm: gradNorm } = await worker.optimStep({
      lr: learningRate,
      weight_decay: config.weightDecay,
      grad_clip: config.gradClip,
    }));
  }
  return { loss, kl: klSum / normalizer, clipFraction: clipped / normalizer, gradNorm };
}

/** Distinct seeds for every (step, prompt, sample): the provider uses seed + sample index. */
function sampleSeed(seed: number, step: number, promptIndex: number, groupSize: number): number {
  return (seed * 1_000_003 + step * 7_919 + promptIndex * groupSize) % 2 ** 31;
}

/** The run's step lines from metrics.jsonl (after a resume: the steps up to its checkpoint). */
function trainRows(
  runDirectory: string,
): Array<{ step: number; rewardMean?: number; monitorMean?: number; hackingFlag?: number }> {
  const file = join(runDirectory, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readJsonl<{
    type: string;
    step: number;
    rewardMean?: number;
    monitorMean?: number;
    hackingFlag?: number;
  }>(file).filter((row) => row.type === 'train');
}

function promptFingerprint(prompts: EvalRecord[], validation: EvalRecord[]): string {
  const hash = createHash('sha256');
  for (const record of [...prompts, ...validation])
    hash.update(`${record.id}:${JSON.stringify(record.input)}\n`);
  return hash.digest('hex').slice(0, 16);
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function chunk<T>(items: T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let start = 0; start < items.length; start += size) parts.push(items.slice(start, start + size));
  return parts;
}
