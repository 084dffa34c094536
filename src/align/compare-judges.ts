import { Random } from '../common/random.js';
import type { Estimate } from '../common/statistics.js';
import { ConfigError } from '../core/errors.js';
import type { EvalRecord } from '../task/dataset.js';
import type { Grader } from '../task/graders/index.js';
import { type JudgeVerdict, judgeAgreement } from './agreement.js';
import { measureJudge } from './align.js';
import type { JudgeVersion } from './judge-versions.js';
import type { Label, LabelledItem } from './labels.js';
import { aurocEstimate } from './metrics.js';

/**
 * Every judge of one criterion on the same held-out items (`tailor align compare`): the rubric judge
 * as tailor.yaml has it, each tuned version, and each trained judge. The items are a trained judge's
 * held-out test set, which no choice of that judge looked at; every judge is run on them afresh, so
 * the numbers compare like with like. A tuned rubric was tuned on its own split of the labels: how
 * many of these items it tuned on is reported beside it rather than hidden.
 */
export interface JudgeColumn {
  label: string;
  kind: 'rubric' | 'tuned rubric' | 'trained probe';
  /** Items with both a verdict and an expert majority. */
  items: number;
  kappa: Estimate;
  accuracy: Estimate;
  truePositiveRate: Estimate;
  trueNegativeRate: Estimate;
  /** Trained judges: AUROC of their probability. Rubric judges give no probability. */
  auroc: Estimate | undefined;
  /** Of the compared items, how many this judge was tuned or trained on (its train and dev sets). */
  seen: number;
  errors: number;
}

export interface JudgeComparison {
  /** The trained judge whose held-out test items every judge is compared on. */
  heldOutOf: { name: string; version: number };
  items: number;
  columns: JudgeColumn[];
}

/** What the caller builds for each judge: a rubric grader, or a trained judge's scorer. */
export type ComparedJudge =
  | { kind: 'rubric' | 'tuned rubric'; label: string; version: JudgeVersion | undefined; grader: Grader }
  | {
      kind: 'trained probe';
      label: string;
      version: JudgeVersion;
      score: (input: Record<string, unknown>, output: string) => Promise<number>;
      passAt: number;
    };

export async function compareJudges(options: {
  heldOutOf: JudgeVersion;
  judges: ComparedJudge[];
  labels: Label[];
  items: LabelledItem[];
  records: Map<string, EvalRecord>;
  concurrency: number;
  /** A seeded sample of this many held-out items (all when omitted). */
  limit?: number;
  onProgress?: (judge: string, done: number, total: number) => void;
}): Promise<JudgeComparison> {
  const heldOut = new Set(setsOf(options.heldOutOf)?.test ?? []);
  if (heldOut.size === 0)
    throw new ConfigError(
      `${options.heldOutOf.name} v${options.heldOutOf.version} records no held-out test items to compare on`,
      { hint: 'Compare on a judge trained with tailor align train.' },
    );
  let items = options.items.filter((item) => heldOut.has(item.itemId) && item.pass !== undefined);
  if (options.limit !== undefined) items = new Random(0).permutation(items).slice(0, options.limit);
  const ids = new Set(items.map((item) => item.itemId));
  const labels = options.labels.filter((label) => ids.has(label.itemId));

  const columns: JudgeColumn[] = [];
  for (const judge of options.judges) {
    const progress = (done: number, total: number) => options.onProgress?.(judge.label, done, total);
    const { verdicts, probabilities, errors } =
      judge.kind === 'trained probe'
        ? await scoreTrained(judge, items, options.records, progress)
        : await runRubric(judge.grader, labels, items, options, progress);
    const agreement = judgeAgreement(items, verdicts);
    const tuned = judge.version ? setsOf(judge.version) : undefined;
    const seen = tuned ? new Set([...tuned.train, ...tuned.dev]) : new Set<string>();
    columns.push({
      label: judge.label,
      kind: judge.kind,
      items: agreement.items,
      kappa: agreement.pass.kappa,
      accuracy: agreement.pass.accuracy,
      truePositiveRate: agreement.pass.tpr,
      trueNegativeRate: agreement.pass.tnr,
      auroc: probabilities ? aurocOf(items, probabilities) : undefined,
      seen: items.filter((item) => seen.has(item.itemId)).length,
      errors,
    });
  }
  return {
    heldOutOf: { name: options.heldOutOf.name, version: options.heldOutOf.version },
    items: items.length,
    columns,
  };
}

function setsOf(version: JudgeVersion): { train: string[]; dev: string[]; test: string[] } | undefined {
  const sets = version.lineage.sets as { train?: unknown; dev?: unknown; test?: unknown } | undefined;
  const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  return sets ? { train: list(sets.train), dev: list(sets.dev), test: list(sets.test) } : undefined;
}

async function runRubric(
  grader: Grader,
  labels: Label[],
  items: LabelledItem[],
  options: { records: Map<string, EvalRecord>; concurrency: number },
  onProgress: (done: number, total: number) => void,
) {
  const { report, verdicts } = await measureJudge({
    judge: { name: '', version: undefined, model: '', rubric: undefined },
    grader,
    labels,
    items,
    records: options.records,
    concurrency: options.concurrency,
    onProgress,
  });
  return { verdicts, probabilities: undefined, errors: report.run.errors };
}

/** One item at a time: the trained judge's reader runs one request at a time anyway. */
async function scoreTrained(
  judge: Extract<ComparedJudge, { kind: 'trained probe' }>,
  items: LabelledItem[],
  records: Map<string, EvalRecord>,
  onProgress: (done: number, total: number) => void,
) {
  const verdicts: JudgeVerdict[] = [];
  const probabilities = new Map<string, number>();
  let errors = 0;
  for (const [index, item] of items.entries()) {
    const record = records.get(item.exampleId);
    if (record) {
      try {
        const p = await judge.score(record.input, item.output);
        probabilities.set(item.itemId, p);
        verdicts.push({ itemId: item.itemId, pass: p >= judge.passAt, score: undefined, reasoning: '' });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        errors += 1; // too long for the judge's reading: not a verdict
      }
    }
    onProgress(index + 1, items.length);
  }
  return { verdicts, probabilities, errors };
}

function aurocOf(items: LabelledItem[], probabilities: Map<string, number>): Estimate {
  const scored = items.filter((item) => probabilities.has(item.itemId));
  return aurocEstimate(
    scored.map((item) => probabilities.get(item.itemId)!),
    scored.map((item) => item.pass!),
  );
}
