import { z } from 'zod';

/**
 * The `train:` section of tailor.yaml: each training method's options, with their defaults. They are
 * declared here, beside the rest of the file's schema, so tailor.yaml is validated once, when the
 * workspace opens; a method (src/train/methods/) reads its typed config and never raw YAML. The CLI
 * derives each method's flags from the same schemas, and its help from their descriptions: keep each
 * description one line.
 *
 * The options every method shares (the LoRA block, the optimiser, the loop's cadence) are built by the
 * functions below, with each method's own defaults. Key order is part of the contract: a run's config
 * is compared as JSON on resume, so the parsed objects keep the order they always had.
 */

/** The LoRA adapter every method trains. */
const loraSchema = z
  .strictObject({
    rank: z.int().positive().default(16).describe('LoRA rank'),
    alpha: z.number().positive().default(32).describe('LoRA alpha (the update is scaled by alpha / rank)'),
    dropout: z.number().min(0).max(1).default(0).describe('dropout on the LoRA input'),
    targets: z
      .array(z.string())
      .optional()
      .describe('module names to adapt (default: every attention and MLP projection)'),
  })
  .prefault({});
export type LoraConfig = z.infer<typeof loraSchema>;

const learningRateSchedules = ['cosine', 'linear', 'constant'] as const;

/** The peak learning rate, on its own because DPO changes only its default. */
function peakLearningRate(value: number) {
  return z.number().positive().default(value).describe('peak learning rate');
}

/** AdamW and the learning-rate schedule; methods differ in the rate, the schedule and the warm-up. */
function optimiserOptions(defaults: {
  learningRate: number;
  schedule: (typeof learningRateSchedules)[number];
  warmupSteps: number;
}) {
  return {
    learningRate: peakLearningRate(defaults.learningRate),
    schedule: z
      .enum(learningRateSchedules)
      .default(defaults.schedule)
      .describe('learning-rate decay after warm-up, down to a tenth of the peak'),
    warmupSteps: z
      .int()
      .min(0)
      .default(defaults.warmupSteps)
      .describe('steps of linear warm-up to the peak learning rate'),
    weightDecay: z.number().min(0).default(0).describe('AdamW weight decay'),
    gradClip: z.number().positive().default(1).describe('clip the gradient norm to this'),
  };
}

/** Recompute each layer's activations in the backward pass: much less memory, some speed. */
const activationCheckpointing = z
  .boolean()
  .default(false)
  .describe('recompute activations in the backward pass (less memory, slower)');

/** The shared loop's cadence (src/train/training-loop.ts); methods differ in how often and how much. */
function loopOptions(defaults: { evalEvery: number; validationExamples: number; checkpointEvery: number }) {
  return {
    seed: z.int().default(0).describe('seed for data order and adapter initialisation'),
    evalEvery: z
      .int()
      .positive()
      .default(defaults.evalEvery)
      .describe('validation every n steps (and at the end)'),
    validationExamples: z
      .int()
      .positive()
      .default(defaults.validationExamples)
      .describe('validation examples scored each time (the first n)'),
    earlyStoppingPatience: z
      .int()
      .min(0)
      .default(0)
      .describe('stop after n validations without improvement (0 = never)'),
    checkpointEvery: z
      .int()
      .positive()
      .default(defaults.checkpointEvery)
      .describe('checkpoint every n steps'),
    keepCheckpoints: z.int().positive().default(2).describe('checkpoints kept (the newest n)'),
  };
}

/** Supervised fine-tuning with LoRA (src/train/methods/sft.ts). */
export const sftConfigSchema = z.strictObject({
  lora: loraSchema,
  /** Absent, SFT chooses it from the data size (src/train/methods/sft.ts, `resolveEpochs`). */
  epochs: z
    .number()
    .positive()
    .optional()
    .describe('passes over the training data (default: whole epochs up to at least 150 steps, 1 to 5)'),
  maxSteps: z.int().positive().optional().describe('stop after n optimiser steps, whatever epochs says'),
  batchSize: z.int().positive().default(8).describe('examples per optimiser step'),
  microBatchSize: z
    .int()
    .positive()
    .default(4)
    .describe('examples per forward/backward call (gradients accumulate to the batch)'),
  // LoRA wants about ten times the full fine-tuning rate; 5e-4 is what every measured run on the
  // reference task used (examples/clinical-notes/README.md).
  ...optimiserOptions({ learningRate: 5e-4, schedule: 'cosine', warmupSteps: 5 }),
  /** Longer examples are left out rather than cut: a cut example teaches a truncated answer. */
  maxLength: z
    .int()
    .positive()
    .default(1024)
    .describe('longest example in tokens (prompt + completion); longer ones are skipped and counted'),
  activationCheckpointing,
  ...loopOptions({ evalEvery: 20, validationExamples: 32, checkpointEvery: 20 }),
  /**
   * A lower loss is not always a better answer: past the first epoch the loss can keep falling while
   * the outputs stop improving, and the score is what `tailor eval` will report.
   */
  selectBy: z
    .enum(['loss', 'score'])
    .default('loss')
    .describe(
      "keep the checkpoint with the best validation loss, or the best score of the task's graders on greedy outputs",
    ),
  validationGraders: z
    .array(z.string())
    .optional()
    .describe('graders of the validation score (default: every grader that calls no model)'),
});
export type SftConfig = z.infer<typeof sftConfigSchema>;

/** Direct preference optimisation (src/train/methods/dpo.ts): SFT's options with its own rate and beta. */
export const dpoConfigSchema = sftConfigSchema.omit({ selectBy: true, validationGraders: true }).extend({
  epochs: z.number().positive().default(1).describe('passes over the pairs'),
  learningRate: peakLearningRate(5e-5),
  beta: z
    .number()
    .positive()
    .default(0.1)
    .describe('DPO beta: the strength of the pull towards the reference'),
});
export type DpoConfig = z.infer<typeof dpoConfigSchema>;

/** GRPO with the task's graders as the reward (src/train/methods/grpo.ts). */
export const grpoConfigSchema = z.strictObject({
  lora: loraSchema,
  steps: z
    .int()
    .positive()
    .default(30)
    .describe('optimiser steps; each samples prompts-per-step × group-size completions'),
  promptsPerStep: z.int().positive().default(4).describe('train prompts sampled per step'),
  groupSize: z.int().min(2).default(4).describe('completions sampled per prompt'),
  maxTokens: z.int().positive().default(256).describe('longest sampled completion in tokens'),
  temperature: z.number().positive().default(1).describe('sampling temperature'),
  /** 0 samples from the model's full distribution, which is what the learner's log-probabilities describe. */
  topK: z.int().min(0).default(0).describe('sample from the k likeliest tokens (0 = the full distribution)'),
  loss: z
    .enum(['ppo', 'importance_sampling'])
    .default('ppo')
    .describe('policy-gradient loss; ppo clips the probability ratio'),
  clip: z.number().positive().default(0.2).describe("PPO's clip range on the probability ratio"),
  /**
   * 1 is fully on-policy (the ratio is 1 and nothing clips); more reuses the samples, the old
   * log-probabilities being computed once before the first update.
   */
  updatesPerBatch: z
    .int()
    .positive()
    .default(1)
    .describe('optimiser steps on each sampled batch (1 = on-policy)'),
  microBatchSize: z.int().positive().default(8).describe('sequences per forward/backward call'),
  ...optimiserOptions({ learningRate: 2e-5, schedule: 'constant', warmupSteps: 0 }),
  klBeta: z
    .number()
    .min(0)
    .default(0)
    .describe('weight of the KL penalty to the base model, adapter off (0 = none)'),
  lengthPenalty: z
    .number()
    .min(0)
    .default(0)
    .describe('subtracted from the reward: x × output tokens / max tokens'),
  rewards: z
    .record(z.string(), z.number().positive())
    .optional()
    .describe(
      'reward graders and weights, e.g. schema=1,fields=2 (default: every grader but pairwise ones and the monitor)',
    ),
  monitor: z.string().optional().describe('a grader kept out of the reward and watched for reward hacking'),
  monitorWindow: z
    .int()
    .positive()
    .default(3)
    .describe('steps per window the hacking check compares, the latest window against the one before'),
  activationCheckpointing,
  ...loopOptions({ evalEvery: 10, validationExamples: 16, checkpointEvery: 10 }),
});
export type GrpoConfig = z.infer<typeof grpoConfigSchema>;

/** What the specialist and the shared loop read from any method's config. */
export type CommonTrainingConfig = Pick<
  SftConfig,
  | 'lora'
  | 'activationCheckpointing'
  | 'seed'
  | 'evalEvery'
  | 'validationExamples'
  | 'earlyStoppingPatience'
  | 'checkpointEvery'
  | 'keepCheckpoints'
>;

/** The learning-rate options `learningRateAt` reads (src/train/schedule.ts). */
export type LearningRateConfig = Pick<SftConfig, 'learningRate' | 'schedule' | 'warmupSteps'>;

export const trainSchema = z
  .strictObject({
    sft: sftConfigSchema.optional(),
    dpo: dpoConfigSchema.optional(),
    grpo: grpoConfigSchema.optional(),
  })
  .prefault({});
export type TrainConfig = z.infer<typeof trainSchema>;
