import type { EvalRecord } from '../task/dataset.js';
import type { Grader } from '../task/graders/index.js';
import {
  type HumanAgreement,
  humanAgreement,
  type JudgeAgreement,
  type JudgeVerdict,
  judgeAgreement,
  minimumItems,
} from './agreement.js';
import { judgeItems } from './judge-run.js';
import type { Label, LabelledItem } from './labels.js';
import type { ProbeReport } from './probes.js';

/**
 * One judge measured against the experts: its agreement with their consensus (with CIs), the human
 * ceiling next to it, the worst disagreements with the experts' critiques beside the judge's
 * reasoning, and (when run) the bias probes. This is what `tailor align report` prints and what the
 * judge card renders.
 */
export interface AlignmentReport {
  judge: { name: string; version: number | undefined; model: string; rubric: string | undefined };
  labels: { labels: number; items: number; annotators: number };
  human: HumanAgreement;
  agreement: JudgeAgreement;
  run: { judged: number; errors: number; missing: number };
  disagreements: Disagreement[];
  probes: ProbeReport | undefined;
  warnings: string[];
}

export interface Disagreement {
  itemId: string;
  exampleId: string;
  expertPass: boolean;
  expertScore: number | undefined;
  judgePass: boolean;
  judgeScore: number | undefined;
  critiques: { annotator: string; critique: string }[];
  reasoning: string;
}

export async function measureJudge(options: {
  judge: AlignmentReport['judge'];
  grader: Grader;
  labels: Label[];
  items: LabelledItem[];
  records: Map<string, EvalRecord>;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<{ report: Omit<AlignmentReport, 'probes'>; verdicts: JudgeVerdict[] }> {
  const run = await judgeItems(options);
  const agreement = judgeAgreement(options.items, run.verdicts);
  const human = humanAgreement(options.labels, options.items);
  const warnings: string[] = [];
  if (agreement.items < minimumItems)
    warnings.push(
      `only ${agreement.items} items have both a judge verdict and an expert consensus; with fewer than ${minimumItems} the confidence intervals are too wide to mean much`,
    );
  if (run.missing.length > 0)
    warnings.push(
      `${run.missing.length} labelled items name examples that are in none of the task's datasets and were skipped`,
    );
  if (run.errors.length > 0)
    warnings.push(
      `the judge failed on ${run.errors.length} items (not counted as verdicts): ${run.errors[0]!.message}`,
    );
  return {
    report: {
      judge: options.judge,
      labels: {
        labels: options.labels.length,
        items: options.items.length,
        annotators: new Set(options.labels.map((label) => label.annotator)).size,
      },
      human,
      agreement,
      run: { judged: run.verdicts.length, errors: run.errors.length, missing: run.missing.length },
      disagreements: disagreements(options.items, run.verdicts),
      warnings,
    },
    verdicts: run.verdicts,
  };
}

/** Items where the judge's pass/fail differs from the experts', largest score gap first. */
function disagreements(items: LabelledItem[], verdicts: JudgeVerdict[], limit = 10): Disagreement[] {
  const byItem = new Map(verdicts.map((verdict) => [verdict.itemId, verdict]));
  const gap = (item: LabelledItem, verdict: JudgeVerdict) =>
    item.score !== undefined && verdict.score !== undefined ? Math.abs(item.score - verdict.score) : 0;
  return items
    .filter((item) => item.pass !== undefined && byItem.has(item.itemId))
    .filter((item) => byItem.get(item.itemId)!.pass !== item.pass)
    .sort((a, b) => gap(b, byItem.get(b.itemId)!) - gap(a, byItem.get(a.itemId)!))
    .slice(0, limit)
    .map((item) => {
      const verdict = byItem.get(item.itemId)!;
      return {
        itemId: item.itemId,
        exampleId: item.exampleId,
        expertPass: item.pass!,
        expertScore: item.score,
        judgePass: verdict.pass,
        judgeScore: verdict.score,
        critiques: item.labels
          .filter((label) => label.critique)
          .map((label) => ({ annotator: label.annotator, critique: label.critique! })),
        reasoning: verdict.reasoning,
      };
    });
}
