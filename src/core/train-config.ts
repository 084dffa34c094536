import { z } from 'zod';

/**
 * The `train:` section of tailor.yaml: each training method's options, with their defaults. They are
 * declared here, beside the rest of the file's schema, so tailor.yaml is validated once, when the
 * workspace opens; a method (src/train/methods/) reads its typed config and never raw YAML. Flags on
 * the command line are checked against the same schemas.
 */

/** Supervised fine-tuning with LoRA (src/train/sft.ts). */
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
  /** Recompute each layer's activations in the backward pass: much less memory, some speed. */
  activationCheckpointing: z.boolean().default(false),
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

/** Direct preference optimisation (src/train/dpo.ts): SFT's options with its own rate and beta. */
export const dpoConfigSchema = sftConfigSchema.extend({
  learningRate: z.number().positive().default(5e-5),
  /** Strength of the pull towards the reference (DPO's beta). */
  beta: z.number().positive().default(0.1),
});
export type DpoConfig = z.infer<typeof dpoConfigSchema>;

/** GRPO with the task's graders as the reward (src/train/grpo.ts). */
export const grpoConfigSchema = z.strictObject({
  lora: sftConfigSchema.shape.lora,
  /** Optimiser steps; each samples `promptsPerStep` × `groupSize` completions. */
  steps: z.int().positive().default(30),
  promptsPerStep: z.int().positive().default(4),
  groupSize: z.int().min(2).default(4),
  maxTokens: z.int().positive().default(256),
  temperature: z.number().positive().default(1),
  /** 0 samples from the model's full distribution, which is what the learner's log-probabilities describe. */
  topK: z.int().min(0).default(0),
  loss: z.enum(['ppo', 'importance_sampling']).default('ppo'),
  /** PPO's clip range on the probability ratio. */
  clip: z.number().positive().default(0.2),
  /**
   * Optimiser steps on each sampled batch. 1 is fully on-policy (the ratio is 1 and nothing clips);
   * more reuses the samples, the old log-probabilities being computed once before the first update.
   */
  updatesPerBatch: z.int().positive().default(1),
  /** Sequences per forward/backward call. */
  microBatchSize: z.int().positive().default(8),
  learningRate: z.number().positive().default(2e-5),
  schedule: z.enum(['cosine', 'linear', 'constant']).default('constant'),
  warmupSteps: z.int().min(0).default(0),
  weightDecay: z.number().min(0).default(0),
  gradClip: z.number().positive().default(1),
  /** Weight of the KL penalty to the base model (adapter off); 0 = none. */
  klBeta: z.number().min(0).default(0),
  /** Subtracted from the reward: `lengthPenalty × output tokens / maxTokens`. */
  lengthPenalty: z.number().min(0).default(0),
  /** Grader name → weight in the reward. Default: every task grader except pairwise ones and the monitor. */
  rewards: z.record(z.string(), z.number().positive()).optional(),
  /** A task grader kept out of the reward and watched for reward hacking. */
  monitor: z.string().optional(),
  /** Steps in each window the hacking check compares (the latest window against the one before). */
  monitorWindow: z.int().positive().default(3),
  activationCheckpointing: z.boolean().default(false),
  seed: z.int().default(0),
  evalEvery: z.int().positive().default(10),
  validationExamples: z.int().positive().default(16),
  earlyStoppingPatience: z.int().min(0).default(0),
  checkpointEvery: z.int().positive().default(10),
  keepCheckpoints: z.int().positive().default(2),
});
export type GrpoConfig = z.infer<typeof grpoConfigSchema>;

export const trainSchema = z
  .strictObject({
    sft: sftConfigSchema.optional(),
    dpo: dpoConfigSchema.optional(),
    grpo: grpoConfigSchema.optional(),
  })
  .prefault({});
export type TrainConfig = z.infer<typeof trainSchema>;
