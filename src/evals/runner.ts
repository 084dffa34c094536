import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bootstrapMean, type Estimate, quantile } from '../common/statistics.js';
import type { ChatModel } from '../core/chat-model.js';
import type { GraderConfig } from '../core/task-config.js';
import type { EvalResultRecord } from '../store/eval-run-repository.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { type EvalRecord, promptMessages } from '../task/dataset.js';
import { combineGrades, type GraderOutcome, gradeOutput } from '../task/grading.js';
import type { Task, TaskGrader } from '../task/task.js';

export type { GraderOutcome } from '../task/grading.js';

/**
 * An eval run: generate (or take the supplied output), grade with every grader, store each example's
 * result as soon as it is done. The run id is a hash of everything that determines the results, so
 * running the same command again continues a killed run instead of starting over.
 */
export interface EvalRunOptions {
  task: Task;
  /** The model under test; omitted when every record brings its own output. */
  model: ChatModel | undefined;
  modelLabel: string;
  datasetPath: string;
  records: EvalRecord[];
  graders: TaskGrader[];
  store: WorkspaceStore;
  concurrency: number;
  maxTokens: number;
  /**
   * A baseline's outputs by example id, for pairwise graders: its label (a run id or a file) and the
   * outputs are part of the run id.
   */
  baseline?: { label: string; outputs: Map<string, string> };
  /** An example passes when its weighted score reaches this and every required grader passes. */
  passThreshold?: number;
  /**
   * Supplied outputs (an incumbent's) priced as the API model they stand for: tokens estimated from
   * the prompt and output text at 4 characters a token (OpenAI's rule of thumb for English), times
   * this price per million tokens. Without it a supplied output has no cost, not a cost of $0.
   */
  pricedAs?: { model: string; inputPerMillion: number; outputPerMillion: number };
  onProgress?: (progress: { done: number; total: number; resumed: number; meanScore: number }) => void;
}

/** One example's result: what the store keeps, plus the score and pass combined from its grades. */
export interface ExampleResult extends EvalResultRecord {
  grades: Record<string, GraderOutcome>;
  score: number;
  pass: boolean;
}

export interface GraderSummary {
  name: string;
  score: Estimate;
  passRate: number;
  errors: number;
  /** Pairwise graders: the share of judged pairs with the same verdict in both orders. */
  positionConsistency?: number;
}

export interface EvalSummary {
  runId: string;
  model: string;
  dataset: string;
  examples: number;
  resumed: number;
  overall: Estimate;
  passRate: number;
  graders: GraderSummary[];
  latencyMs: { p50: number; p95: number };
  tokensPerRequest: { input: number; output: number };
  costPer1000Requests: number | null;
  /** LLM-judge spend, kept apart from the model under test. */
  judge: { tokensPerRequest: number; costPer1000Requests: number | null };
  /**
   * How latency, tokens and cost were obtained: `measured` when the model ran here; for supplied
   * outputs latency is not measured, and tokens and cost are `estimated` (with `pricedAs`) or absent.
   */
  economics: {
    latency: 'measured' | 'not measured';
    tokens: 'measured' | 'estimated' | 'not measured';
    pricedAs?: string;
  };
}

/** Per-example scores of a stored run, recombined with the run's own grader configs. */
export function loadRunResults(
  store: WorkspaceStore,
  runId: string,
):
  | { model: string; dataset: string; results: ExampleResult[]; economics: EvalSummary['economics'] }
  | undefined {
  const run = store.evalRuns.run(runId);
  if (!run) return undefined;
  const { graders, economics } = run.config as StoredRunConfig;
  const configs = graders.map((config) => ({ config }));
  return {
    model: run.model,
    dataset: run.dataset,
    economics: economics ?? { latency: 'measured', tokens: 'measured' },
    results: store.evalRuns.results(runId).map((record) => {
      const result = fromRecord(record);
      return { ...result, ...combineGrades(configs, result.grades, 0.8) };
    }),
  };
}

export function evalRunId(
  options: Pick<
    EvalRunOptions,
    'task' | 'modelLabel' | 'datasetPath' | 'graders' | 'maxTokens' | 'baseline' | 'pricedAs'
  >,
): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify([
      options.task.name,
      options.task.system,
      options.task.prompt,
      options.modelLabel,
      options.maxTokens,
    ]),
  );
  hash.update(readFileSync(options.datasetPath));
  hash.update(JSON.stringify(options.graders.map((entry) => entry.config)));
  if (options.baseline)
    hash.update(JSON.stringify([options.baseline.label, [...options.baseline.outputs].sort()]));
  // Priced supplied outputs store their estimated cost: another price is another run.
  if (options.pricedAs) hash.update(JSON.stringify(options.pricedAs));
  return hash.digest('hex').slice(0, 16);
}

export async function runEval(
  options: EvalRunOptions,
): Promise<{ summary: EvalSummary; results: ExampleResult[] }> {
  const runId = evalRunId(options);
  const evalRuns = options.store.evalRuns;
  const config: StoredRunConfig = {
    graders: options.graders.map((entry) => entry.config),
    maxTokens: options.maxTokens,
    economics: economicsBasis(options),
  };
  evalRuns.start({
    id: runId,
    task: options.task.name,
    model: options.modelLabel,
    dataset: options.datasetPath,
    config,
  });
  const existing = new Map(evalRuns.results(runId).map((record) => [record.exampleId, fromRecord(record)]));
  const results: ExampleResult[] = [];
  const resumed = options.records.filter((record) => existing.has(record.id)).length;
  let done = resumed;
  let scoreSum = [...existing.values()].reduce((sum, result) => sum + result.score, 0);
  const pending = options.records.filter((record) => !existing.has(record.id));
  options.onProgress?.({
    done,
    total: options.records.length,
    resumed,
    meanScore: done ? scoreSum / done : 0,
  });

  const evaluate = async (record: EvalRecord): Promise<void> => {
    const result = await evaluateRecord(record, options);
    evalRuns.saveResult(runId, result);
    existing.set(record.id, result);
    done++;
    scoreSum += result.score;
    options.onProgress?.({ done, total: options.records.length, resumed, meanScore: scoreSum / done });
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, pending.length)) }, async () => {
      while (next < pending.length) await evaluate(pending[next++]!);
    }),
  );
  evalRuns.finish(runId);
  for (const record of options.records) results.push(existing.get(record.id)!);
  return { summary: summarise(runId, options, results, resumed), results };
}

async function evaluateRecord(record: EvalRecord, options: EvalRunOptions): Promise<ExampleResult> {
  let output = record.output;
  let usage = { inputTokens: 0, outputTokens: 0 };
  let latencyMs = 0;
  let costUsd: number | null = null;
  if (output !== undefined && options.pricedAs) {
    const prompt = promptMessages(options.task, record)
      .map((message) => message.content)
      .join('\n');
    usage = { inputTokens: estimateTokens(prompt), outputTokens: estimateTokens(output) };
    costUsd =
      (usage.inputTokens * options.pricedAs.inputPerMillion +
        usage.outputTokens * options.pricedAs.outputPerMillion) /
      1e6;
  }
  if (output === undefined) {
    if (!options.model) throw new Error(`record ${record.id} has no output and no model was given`);
    const messages = promptMessages(options.task, record);
    const result = await options.model.generate(messages, {
      temperature: 0,
      maxTokens: options.maxTokens,
      ...(options.task.output.format === 'json' && options.task.output.schema
        ? { jsonSchema: options.task.output.schema }
        : {}),
    });
    output = result.text;
    usage = result.usage;
    latencyMs = result.latencyMs;
    costUsd = result.costUsd;
  }
  const { grades, score, pass } = await gradeOutput(
    options.graders,
    { ...record, baseline: options.baseline?.outputs.get(record.id) },
    output,
    options.passThreshold ?? 0.8,
  );
  return {
    exampleId: record.id,
    output,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    latencyMs,
    costUsd,
    grades,
    score,
    pass,
  };
}

/** How a run's latency, tokens and cost are known: measured when its model ran here. */
function economicsBasis(options: Pick<EvalRunOptions, 'model' | 'pricedAs'>): EvalSummary['economics'] {
  if (options.model) return { latency: 'measured', tokens: 'measured' };
  return {
    latency: 'not measured',
    tokens: options.pricedAs ? 'estimated' : 'not measured',
    ...(options.pricedAs ? { pricedAs: options.pricedAs.model } : {}),
  };
}

/** Tokens of a text an API model would count, estimated at 4 characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function positionConsistency(grades: GraderOutcome[]): number {
  const judged = grades.filter((grade) => typeof grade.details?.consistent === 'boolean');
  if (judged.length === 0) return Number.NaN;
  return judged.filter((grade) => grade.details!.consistent === true).length / judged.length;
}

/** What a run stores as its config: enough to recombine its grades later. */
interface StoredRunConfig {
  graders: GraderConfig[];
  maxTokens: number;
  /** Absent from runs stored before it was kept: read as measured. */
  economics?: EvalSummary['economics'];
}

// Stored results carry grades only; score and pass are recombined from them by the caller.
function fromRecord(record: EvalResultRecord): ExampleResult {
  return {
    ...record,
    grades: record.grades as Record<string, GraderOutcome>,
    score: 0,
    pass: false,
  };
}

function summarise(
  runId: string,
  options: EvalRunOptions,
  results: ExampleResult[],
  resumed: number,
): EvalSummary {
  // Recombine stored rows so resumed results carry score and pass like fresh ones.
  for (const result of results)
    Object.assign(result, combineGrades(options.graders, result.grades, options.passThreshold ?? 0.8));
  const graders = options.graders.map(({ config }) => {
    const outcomes = results.map((result) => result.grades[config.name]);
    const scored = outcomes.filter(
      (grade): grade is GraderOutcome & { score: number } => grade?.score !== undefined,
    );
    return {
      name: config.name,
      score: bootstrapMean(scored.map((grade) => grade.score)),
      passRate:
        scored.length === 0 ? Number.NaN : scored.filter((grade) => grade.pass).length / scored.length,
      errors: outcomes.filter((grade) => grade?.error !== undefined).length,
      ...(config.type === 'pairwise' ? { positionConsistency: positionConsistency(scored) } : {}),
    };
  });
  const judgeDetails = results.flatMap((result) =>
    Object.values(result.grades)
      .map(
        (grade) =>
          grade.details as
            | { judgeUsage?: { inputTokens: number; outputTokens: number }; judgeCostUsd?: number | null }
            | undefined,
      )
      .filter((details) => details?.judgeUsage !== undefined),
  );
  const latencies = results.map((result) => result.latencyMs).sort((a, b) => a - b);
  const costs = results.map((result) => result.costUsd);
  const count = Math.max(1, results.length);
  return {
    runId,
    model: options.modelLabel,
    dataset: options.datasetPath,
    examples: results.length,
    resumed,
    overall: bootstrapMean(results.map((result) => result.score)),
    passRate: results.filter((result) => result.pass).length / count,
    graders,
    latencyMs: { p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95) },
    tokensPerRequest: {
      input: results.reduce((sum, result) => sum + result.inputTokens, 0) / count,
      output: results.reduce((sum, result) => sum + result.outputTokens, 0) / count,
    },
    economics: economicsBasis(options),
    costPer1000Requests: costs.some((cost) => cost === null)
      ? null
      : (costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0) / count) * 1000,
    judge: {
      tokensPerRequest:
        judgeDetails.reduce(
          (sum, details) => sum + details!.judgeUsage!.inputTokens + details!.judgeUsage!.outputTokens,
          0,
        ) / count,
      costPer1000Requests: judgeDetails.some((details) => details!.judgeCostUsd === null)
        ? null
        : (judgeDetails.reduce((sum, details) => sum + (details!.judgeCostUsd ?? 0), 0) / count) * 1000,
    },
  };
}
