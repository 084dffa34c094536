import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainedJudgeConfig } from '../align/train-judge.js';
import type { RubricConfig } from '../align/tune.js';
import { parseJsonLines, readTextFile } from '../common/jsonl.js';
import { comparePaired, type PairedExample, pairResults } from '../evals/compare.js';
import { type GraderOutcome, loadRunResults } from '../evals/runner.js';
import type { SpecialistRecord, TrainingRunRecord, WorkspaceStore } from '../store/workspace.js';
import type { MetricRow } from '../train/grpo-report.js';
import { methodNamed } from '../train/methods/index.js';
import { runStatus } from '../train/run-owner.js';
import { readTrainingRunResult } from '../train/run-result.js';
import type {
  CompareResponse,
  EstimateView,
  EvalRunSummary,
  JudgeVersionView,
  Point,
  QueueItem,
  TrafficItem,
  TrainingRunDetail,
  TrainingRunSummary,
} from './app-schema.js';

/**
 * What the web app's read-only pages show, built from the store and the feature folders' own readers
 * (eval results through `loadRunResults`, the paired statistics of `tailor compare`, a training run's
 * result through `readTrainingRunResult` and its curves from the loop's metrics.jsonl, judge versions'
 * lineage as `tailor align judges` reads it). app-api.ts routes to these and validates nothing here.
 */

/** A view that cannot be built: the API answers with this status and sentence. */
export class ViewError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ViewError';
  }
}

// ---- eval runs ---------------------------------------------------------------------------------

/** An eval run with each grader's mean score and pass rate; undefined when there is no such run. */
export function runSummary(store: WorkspaceStore, id: string): EvalRunSummary | undefined {
  const record = store.evalRuns.run(id);
  const loaded = record && loadRunResults(store, id);
  if (!record || !loaded) return undefined;
  const names = [...new Set(loaded.results.flatMap((result) => Object.keys(result.grades)))];
  return {
    id,
    model: record.model,
    dataset: record.dataset,
    createdAt: record.createdAt,
    finishedAt: record.finishedAt,
    examples: loaded.results.length,
    graders: names.map((grader) => {
      const outcomes = loaded.results.map((result) => result.grades[grader]).filter((outcome) => outcome);
      const scores = outcomes
        .map((outcome) => outcome!.score)
        .filter((score): score is number => score !== undefined);
      const passes = outcomes
        .map((outcome) => outcome!.pass)
        .filter((pass): pass is boolean => pass !== undefined);
      return {
        grader,
        mean: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
        passRate: passes.length ? passes.filter(Boolean).length / passes.length : null,
      };
    }),
  };
}

/**
 * `tailor compare A B` for the web: the two runs' results paired by example id (A's order), and
 * `comparePaired`'s statistics on them. An example whose combined score is not a number on either
 * side is left out (JSON cannot carry it, and it says nothing about which run is better).
 */
export function compareRuns(store: WorkspaceStore, idA: string, idB: string): CompareResponse {
  const [a, b] = [idA, idB].map((id) => {
    const summary = runSummary(store, id);
    const loaded = summary && loadRunResults(store, id);
    if (!summary || !loaded) throw new ViewError(`no eval run "${id}"`, 404);
    return { summary, loaded };
  }) as [
    { summary: EvalRunSummary; loaded: NonNullable<ReturnType<typeof loadRunResults>> },
    { summary: EvalRunSummary; loaded: NonNullable<ReturnType<typeof loadRunResults>> },
  ];
  const pairs: PairedExample[] = pairResults(a.loaded.results, b.loaded.results).filter(
    (pair) => Number.isFinite(pair.scoreA) && Number.isFinite(pair.scoreB),
  );
  if (pairs.length === 0)
    throw new ViewError(`runs "${idA}" and "${idB}" share no scored examples`, 400, 'b');
  const comparison = comparePaired(pairs);
  return {
    a: a.summary,
    b: b.summary,
    examples: comparison.examples,
    difference: estimate(comparison.difference),
    wins: comparison.wins,
    losses: comparison.losses,
    ties: comparison.ties,
    signTestP: comparison.signTestP,
    mcnemarP: comparison.mcnemarP,
    regressions: comparison.regressions,
    pairs,
  };
}

// ---- training runs -------------------------------------------------------------------------------

export function trainingRuns(store: WorkspaceStore): TrainingRunSummary[] {
  const specialists = store.training.specialists();
  return store.training
    .runs()
    .map((run) => trainingSummary(run, specialists, readMetrics(run.runDirectory)))
    .reverse();
}

export function trainingRunDetail(store: WorkspaceStore, id: string): TrainingRunDetail {
  const run = store.training.run(id);
  if (!run) throw new ViewError(`no training run "${id}"`, 404);
  const rows = readMetrics(run.runDirectory);
  const summary = trainingSummary(run, store.training.specialists(), rows);
  const { consistency, error } = readTrainingRunResult(run.result);
  const train = rows.filter((row) => row.type === 'train');
  const series = (key: string): Point[] =>
    train.filter((row) => finite(row[key])).map((row) => ({ step: row.step, value: row[key] as number }));
  const validationKey = summary.validationMetric === 'score' ? 'score' : 'loss';
  const validation = rows
    .filter((row) => row.type === 'validation' && finite(row[validationKey]))
    .map((row) => ({ step: row.step, value: row[validationKey] as number }));

  // GRPO's columns (src/train/methods/grpo.ts): rewardMean, reward.<grader>.mean, monitorMean, hackingFlag.
  const graders = [
    ...new Set(
      train.flatMap((row) =>
        Object.keys(row)
          .map((key) => /^reward\.(.+)\.mean$/.exec(key)?.[1])
          .filter((name): name is string => name !== undefined),
      ),
    ),
  ];
  const rewardMean = series('rewardMean');
  const reward =
    rewardMean.length > 0 || graders.length > 0
      ? {
          mean: rewardMean,
          graders: graders.map((grader) => ({ grader, points: series(`reward.${grader}.mean`) })),
        }
      : null;
  const monitorPoints = series('monitorMean');
  const configured = (run.config as { monitor?: unknown } | null)?.monitor;
  const monitor =
    monitorPoints.length > 0
      ? {
          grader: typeof configured === 'string' ? configured : null,
          points: monitorPoints,
          flaggedSteps: train.filter((row) => row.hackingFlag === 1).map((row) => row.step),
        }
      : null;
  const last = train.at(-1);
  return {
    run: summary,
    runDirectory: run.runDirectory,
    config: flatten(run.config),
    error: error ?? null,
    loss: series('loss'),
    learningRate: series('learningRate'),
    validation,
    reward,
    monitor,
    consistency: consistency
      ? {
          passed: consistency.passed,
          positions: consistency.positions,
          baseMeanDifference: consistency.base.meanDifference,
          adaptedMeanDifference: consistency.adapted.meanDifference,
          tolerance: consistency.tolerance,
          effectMeanSize: consistency.effect?.meanSize ?? null,
          effectMeanError: consistency.effect?.meanError ?? null,
        }
      : null,
    progress: {
      step: last?.step ?? 0,
      elapsedSeconds: finite(last?.elapsedSeconds) ? (last.elapsedSeconds as number) : null,
      tokensPerSecond: finite(last?.tokensPerSecond) ? (last.tokensPerSecond as number) : null,
    },
  };
}

function trainingSummary(
  run: TrainingRunRecord,
  specialists: SpecialistRecord[],
  rows: MetricRow[],
): TrainingRunSummary {
  const { training, specialist } = readTrainingRunResult(run.result);
  // As `tailor train list` says it: the result's metric, else the method's own.
  const metric =
    training?.validationMetric ??
    (rows.some((row) => row.type === 'validation' && finite(row.score)) ? 'score' : undefined) ??
    methodNamed(run.method)?.validationMetric ??
    'loss';
  const produced = specialists.filter((entry) => entry.trainingRun === run.id).at(-1);
  const lastStep = rows.filter((row) => row.type === 'train').at(-1)?.step;
  const best = training?.bestValidationLoss;
  return {
    id: run.id,
    method: run.method,
    base: run.base,
    // A run whose process was killed still says running in the store: it shows as interrupted.
    status: runStatus(run),
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    steps: training?.steps ?? lastStep ?? null,
    validationMetric: metric,
    bestValidation: typeof best === 'number' ? best : bestOf(rows, metric),
    specialist: produced ? `${produced.name} v${produced.version}` : (specialist ?? null),
  };
}

/**
 * The loop's metrics.jsonl (src/train/training-loop.ts: a `train` line per step, a `validation` line
 * per evaluation). A running run may be caught mid-line: a line that does not parse is skipped.
 */
function readMetrics(runDirectory: string): MetricRow[] {
  const file = join(runDirectory, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  let text: string;
  try {
    text = readTextFile(file);
  } catch {
    return [];
  }
  return parseJsonLines(text)
    .map((line) => line.value)
    .filter(
      (value): value is MetricRow =>
        typeof value === 'object' &&
        value !== null &&
        ((value as MetricRow).type === 'train' || (value as MetricRow).type === 'validation') &&
        typeof (value as MetricRow).step === 'number',
    );
}

/** The best validation value so far, from the metrics (a running run has no result yet). */
function bestOf(rows: MetricRow[], metric: 'loss' | 'score'): number | null {
  const values = rows
    .filter((row) => row.type === 'validation' && finite(row[metric]))
    .map((row) => row[metric] as number);
  if (values.length === 0) return null;
  return metric === 'score' ? Math.max(...values) : Math.min(...values);
}

/** A config as `a.b` / value rows; arrays and long values as (clipped) JSON. */
function flatten(value: unknown, prefix = ''): Array<{ key: string; value: string }> {
  if (value === null || value === undefined) return prefix ? [{ key: prefix, value: String(value) }] : [];
  if (typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
      inner === undefined ? [] : flatten(inner, prefix ? `${prefix}.${key}` : key),
    );
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return [{ key: prefix || 'config', value: text.length > 200 ? `${text.slice(0, 199)}…` : text }];
}

// ---- judges ------------------------------------------------------------------------------------

/** Judge versions as `tailor align judges` lists them, with their held-out κ where recorded. */
export function judgeList(store: WorkspaceStore): JudgeVersionView[] {
  return store.judgeVersions.list().map((entry) => {
    // Written by src/align: tailor align tune (a RubricConfig) or tailor align train (a probe).
    const config = entry.config as Partial<RubricConfig | TrainedJudgeConfig> | null;
    const test = (entry.lineage.test ?? {}) as {
      untuned?: unknown;
      tuned?: unknown;
      kappa?: unknown;
      items?: unknown;
    };
    const trained = config?.type === 'probe';
    const winner = typeof entry.lineage.winner === 'string' ? entry.lineage.winner : undefined;
    const kind = trained ? 'trained' : winner !== undefined && winner !== 'untuned' ? 'tuned' : 'rubric';
    const kappa = trained ? test.kappa : test.tuned;
    return {
      name: entry.name,
      version: entry.version,
      kind,
      parentVersion: entry.parentVersion ?? null,
      kappa: estimateOf(kappa),
      untunedKappa: trained ? null : (estimateOf(test.untuned)?.mean ?? null),
      testItems: finite(test.items) ? test.items : null,
      detail: trained
        ? `probe on ${String((config as TrainedJudgeConfig).base)}`
        : winner !== undefined
          ? `winner: ${winner}`
          : '',
      createdAt: entry.createdAt,
    };
  });
}

// ---- traffic -----------------------------------------------------------------------------------

export function recentTraffic(
  store: WorkspaceStore,
  filter: { model?: string | undefined; limit: number },
): TrafficItem[] {
  return store.traffic.recent(filter).map((traffic) => {
    const label = store.labels.latestOnItem(`traffic:${traffic.id}`);
    return {
      id: traffic.id,
      model: traffic.model,
      status: traffic.status,
      latencyMs: traffic.latencyMs,
      inputTokens: traffic.inputTokens ?? null,
      outputTokens: traffic.outputTokens ?? null,
      createdAt: traffic.createdAt,
      preview: clip(lastUserMessage(traffic.request), 160),
      feedback: label
        ? { pass: label.pass ?? null, score: label.score ?? null, annotator: label.annotator }
        : null,
    };
  });
}

/** The text of a chat request's last user turn (OpenAI wire format: a string or text parts). */
function lastUserMessage(request: unknown): string {
  const messages = (request as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return '';
  const last = [...messages].reverse().find((message) => (message as { role?: unknown })?.role === 'user') as
    | { content?: unknown }
    | undefined;
  const content = last?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((part) => (part as { text?: unknown })?.text ?? '').join(' ');
  return '';
}

// ---- helpers -------------------------------------------------------------------------------------

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function estimate(value: { mean: number; low: number; high: number }): EstimateView {
  return {
    mean: finite(value.mean) ? value.mean : null,
    low: finite(value.low) ? value.low : null,
    high: finite(value.high) ? value.high : null,
  };
}

/** A stored Estimate (NaN was written as null), or null when it is not one. */
function estimateOf(value: unknown): EstimateView | null {
  if (typeof value !== 'object' || value === null) return null;
  const { mean, low, high } = value as Record<string, unknown>;
  if (!finite(mean)) return null;
  return { mean, low: finite(low) ? low : null, high: finite(high) ? high : null };
}

function clip(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

/** A stored result's grades as the API shows them: a grader that failed to run says so in its reason. */
export function gradeViews(grades: Record<string, GraderOutcome>): GradeView[] {
  return Object.entries(grades).map(([grader, outcome]) => ({
    grader,
    score: outcome.score ?? null,
    pass: outcome.pass ?? null,
    reason: outcome.error ? `grader error: ${outcome.error}` : (outcome.reason ?? ''),
  }));
}

type GradeView = QueueItem['grades'][number];
