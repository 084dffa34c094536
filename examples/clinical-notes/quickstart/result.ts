import type { Comparison, Estimate } from '../../../src/index.js';

/**
 * What the quickstart produces and records: the state file's shape, one column of the results table
 * per model, and the whole result that the terminal, `--json` and report.html show.
 */
export type QuickstartMode = 'full' | 'quick';

export type StageName =
  | 'base-eval'
  | 'incumbent-eval'
  | 'curate'
  | 'sft'
  | 'grpo'
  | 'specialist-eval'
  | 'compare'
  | 'report';

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
  /** Dropped after curation by `dedup` and `decontaminate`. */
  duplicatesDropped: number;
  contaminatedDropped: number;
  /** The dataset version SFT trains on, its size, its data card (HTML) and its records. */
  trainingExamples: number;
  datasetVersion: string;
  dataCard: string;
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
  /** True when the tokens (and so the cost) are estimated, not counted: supplied outputs. */
  tokensEstimated: boolean;
  /** USD per 1000 requests; null when unknown (a model without a price). */
  costPer1000Requests: number | null;
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
  /** The incumbent's outputs on the same test notes, graded the same way. */
  incumbent: ModelColumn;
  /** Specialist against the base model, paired on the test notes. */
  comparison: Comparison;
  /** Specialist against the incumbent, paired on the same notes: the comparison that matters. */
  versusIncumbent: Comparison;
  curation: CurationResult;
  specialistName: string;
  reportPath: string;
  totalSeconds: number;
  directory: string;
}
