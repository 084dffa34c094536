import type { Comparison, Estimate } from '../../../src/index.js';

/**
 * What the quickstart produces and records: the state file's shape, one column of the results table
 * per model, and the whole result that the terminal, `--json` and report.html show.
 */
export type QuickstartMode = 'full' | 'quick';

export type StageName = 'base-eval' | 'curate' | 'sft' | 'grpo' | 'specialist-eval' | 'compare' | 'report';

export type QuickstartEvent =
  | { type: 'stage'; index: number; total: number; stage: StageName; detail: string; skipped: boolean }
  | { type: 'progress'; stage: StageName; done: number; total: number; note: string }
  | { type: 'note'; text: string };

export interface CurationResult {
  incumbentOutputs: number;
  kept: number;
  dropped: number;
  /** Against the generator's record of which incumbent outputs are wrong. */
  knownBad: number;
  knownBadCaught: number;
  goodDropped: number;
  file: string;
}

export interface ModelColumn {
  label: string;
  runId: string;
  overall: Estimate;
  graders: Record<string, Estimate>;
  jsonValid: Estimate;
  latencyP50Ms: number;
  outputTokensPerRequest: number;
}

export interface QuickstartState {
  mode: QuickstartMode;
  rl: boolean;
  stages: Partial<Record<StageName, { seconds: number; artifacts: Record<string, unknown> }>>;
}

export interface QuickstartResult {
  state: QuickstartState;
  base: ModelColumn;
  specialist: ModelColumn;
  /** The incumbent's outputs on the train split, graded the same way (its test outputs are not shipped). */
  incumbent: ModelColumn;
  comparison: Comparison;
  curation: CurationResult;
  specialistName: string;
  reportPath: string;
  totalSeconds: number;
  directory: string;
}
