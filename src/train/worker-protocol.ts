/**
 * The worker's messages, TypeScript side. The Python side is `worker/tailor_worker/protocol.py` and
 * `engine.py`; `PROTOCOL_VERSION` must match theirs (checked by `hello` at start-up).
 *
 * Token ids cross the boundary, never text. A sequence's `weights[t]` says how much predicting
 * `tokens[t]` from the tokens before it counts; `weights[0]` is ignored. Log-probabilities come back
 * in the same layout (0 at position 0).
 */
export const PROTOCOL_VERSION = 2;

export type BaseModelSource = { gguf: string } | { hf: string };

export interface LoraSettings {
  rank: number;
  alpha: number;
  dropout?: number;
  /** Module names (`q_proj`, ...); default: every attention and MLP projection. */
  targets?: string[];
}

export interface CreateParams {
  base: BaseModelSource;
  lora: LoraSettings;
  seed: number;
  threads?: number;
  /** Folder for the dequantised copy of a GGUF base (saves tens of seconds on the next start). */
  cache_dir?: string;
  /** Recompute activations in the backward pass instead of keeping them: less memory, more compute. */
  gradient_checkpointing?: boolean;
}

export interface CreateResult {
  model_type: string;
  vocab_size: number;
  layers: number;
  parameters: number;
  trainable_parameters: number;
  load_seconds: number;
}

export interface TokenSequence {
  tokens: number[];
  weights: number[];
}

export interface PolicySequence extends TokenSequence {
  /** The sampling policy's log-probabilities; omitted when the batch is on-policy (ratio 1). */
  sampler_logprobs?: number[];
  advantages: number[];
  /** The reference policy's log-probabilities, for the KL penalty (`kl_beta`). */
  reference_logprobs?: number[];
}

export interface PreferencePair {
  chosen: TokenSequence;
  rejected: TokenSequence;
  /** Summed (weighted) reference log-probabilities of each side. */
  reference_chosen: number;
  reference_rejected: number;
}

export type ForwardBackwardParams = (
  | { loss: 'cross_entropy'; sequences: TokenSequence[] }
  | {
      loss: 'importance_sampling' | 'ppo';
      sequences: PolicySequence[];
      clip_low?: number;
      clip_high?: number;
      /** Weight of the per-token KL estimate to `reference_logprobs`; 0 or absent: no penalty. */
      kl_beta?: number;
    }
  | { loss: 'dpo'; pairs: PreferencePair[]; beta: number }
) & {
  /** Divide the summed loss by this (the whole accumulated batch's weight or pair count). */
  normalizer?: number;
  return_logprobs?: boolean;
};

export interface ForwardBackwardResult {
  loss: number;
  metrics: Record<string, number>;
  logprobs?: number[][];
}

export interface OptimStepParams {
  lr: number;
  betas?: [number, number];
  eps?: number;
  weight_decay?: number;
  grad_clip?: number;
}

export interface OptimStepResult {
  step: number;
  grad_norm: number;
}

export interface LogprobsParams {
  sequences: Array<{ tokens: number[] }>;
  /** false: score with the adapter switched off (the base model, e.g. DPO's reference). */
  adapter?: boolean;
}

/**
 * The decoder's hidden states (worker `hidden_states`): what probes read, a judge head on a frozen
 * base or a hallucination detector on the specialist's own states.
 */
export interface HiddenStatesParams {
  sequences: Array<{ tokens: number[] }>;
  /** Hidden-state indices: 0 the embeddings, n the last layer after the final norm, negative from the end ([-1]). */
  layers?: number[];
  /** Per sequence, the token where the pooled mean starts (default 0): a judge pools over the answer. */
  pool_from?: number[];
  /** Also every token's state per layer (large: tokens × hidden size numbers per layer). */
  per_token?: boolean;
  /** With per_token: per sequence, the token indices to return (default all). */
  positions?: number[][];
  /** false: the base model alone, adapter switched off. */
  adapter?: boolean;
  /** Sequences per forward pass (8), in batches of similar lengths. */
  batch_size?: number;
}

export interface HiddenStatesResult {
  /** The layers as resolved (non-negative), in the order asked. */
  layers: number[];
  hidden_size: number;
  /** Per sequence, per layer: the mean over its tokens, and the last token's state. */
  pooled: { mean: number[][][]; last: number[][][] };
  /** With per_token: per sequence, per layer, per token (or per asked position). */
  tokens?: number[][][][];
}

export interface SaveParams {
  dir: string;
  formats?: Array<'peft' | 'gguf-lora'>;
  optimizer?: boolean;
  /** Stored in the checkpoint's meta.json under `client`. */
  meta?: Record<string, unknown>;
}

export interface SaveResult {
  dir: string;
  files: Partial<Record<'peft' | 'optimizer' | 'gguf-lora', string>>;
  step: number;
}

export interface LoadResult {
  step: number;
  meta: { step: number; files: SaveResult['files']; client: Record<string, unknown> };
}

export interface HelloResult {
  protocol: number;
  python: string;
  torch: string | null;
}

/** What each op takes and returns. */
export interface WorkerOps {
  hello: [{ protocol: number }, HelloResult];
  create: [CreateParams, CreateResult];
  forward_backward: [ForwardBackwardParams, ForwardBackwardResult];
  optim_step: [OptimStepParams, OptimStepResult];
  logprobs: [LogprobsParams, { logprobs: number[][] }];
  hidden_states: [HiddenStatesParams, HiddenStatesResult];
  save: [SaveParams, SaveResult];
  load: [{ dir: string }, LoadResult];
  shutdown: [Record<string, never>, { stopping: true }];
}

/** One line from the worker: a progress event for a request, or its reply. */
export type WorkerLine =
  | { id: number; event: Record<string, unknown> }
  | { id: number | null; result: unknown }
  | { id: number | null; error: { type: string; message: string } };
