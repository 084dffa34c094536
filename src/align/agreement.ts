import { bootstrapStatistic, type Estimate } from '../common/statistics.js';
import type { Label, LabelledItem } from './labels.js';
import {
  type BinaryAgreement,
  binaryAgreement,
  type Confusion,
  cohenKappa,
  confusion,
  fleissKappa,
  kendallTauB,
  krippendorffAlpha,
  spearman,
} from './metrics.js';

/** Below this many items a CI is too wide to mean much; reports warn. */
export const minimumItems = 30;

/**
 * The human ceiling: how well the experts agree with each other. A judge cannot be expected to agree
 * with the experts better than they agree among themselves.
 */
export interface HumanAgreement {
  annotators: { name: string; labels: number; passRate: number; meanScore: number }[];
  /** Items with two or more pass/fail labels (the ones agreement is computed on). */
  items: number;
  passAlpha: Estimate;
  /** Fleiss' κ over the items with the most common number of raters. */
  passFleiss: number;
  /** Mean Cohen's κ over annotator pairs, on the items both labelled. */
  passPairwiseKappa: number;
  scoreAlpha: Estimate;
}

export function humanAgreement(labels: Label[], items: LabelledItem[]): HumanAgreement {
  const names = [...new Set(labels.map((label) => label.annotator))].sort();
  const annotators = names.map((name) => {
    const own = labels.filter((label) => label.annotator === name);
    const passes = own.filter((label) => label.pass !== undefined);
    const scores = own.map((label) => label.score).filter((score): score is number => score !== undefined);
    return {
      name,
      labels: own.length,
      passRate: passes.length ? passes.filter((label) => label.pass).length / passes.length : Number.NaN,
      meanScore: scores.length ? scores.reduce((sum, score) => sum + score, 0) / scores.length : Number.NaN,
    };
  });
  const passUnits = items.map((item) =>
    item.labels.filter((label) => label.pass !== undefined).map((label) => (label.pass ? 'pass' : 'fail')),
  );
  const scoreUnits = items.map((item) =>
    item.labels.map((label) => label.score).filter((score): score is number => score !== undefined),
  );
  const multi = passUnits.filter((unit) => unit.length >= 2);
  const alphaOf = (units: (string | number)[][], level: 'nominal' | 'ordinal') =>
    bootstrapStatistic(units.length, (indices) =>
      krippendorffAlpha(
        indices.map((index) => units[index]!),
        level,
      ),
    );
  const counts = new Map<number, number>();
  for (const unit of multi) counts.set(unit.length, (counts.get(unit.length) ?? 0) + 1);
  const modal = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  const fleissUnits = multi.filter((unit) => unit.length === modal);
  return {
    annotators,
    items: multi.length,
    passAlpha: alphaOf(multi, 'nominal'),
    passFleiss:
      fleissUnits.length === 0
        ? Number.NaN
        : fleissKappa(
            fleissUnits.map((unit) => [
              unit.filter((value) => value === 'pass').length,
              unit.filter((value) => value === 'fail').length,
            ]),
          ),
    passPairwiseKappa: meanPairwiseKappa(names, items),
    scoreAlpha: alphaOf(
      scoreUnits.filter((unit) => unit.length >= 2),
      'ordinal',
    ),
  };
}

function meanPairwiseKappa(names: string[], items: LabelledItem[]): number {
  const kappas: number[] = [];
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++) {
      const a: string[] = [];
      const b: string[] = [];
      for (const item of items) {
        const first = item.labels.find((label) => label.annotator === names[i] && label.pass !== undefined);
        const second = item.labels.find((label) => label.annotator === names[j] && label.pass !== undefined);
        if (first && second) {
          a.push(String(first.pass));
          b.push(String(second.pass));
        }
      }
      const kappa = a.length > 0 ? cohenKappa(a, b) : Number.NaN;
      if (Number.isFinite(kappa)) kappas.push(kappa);
    }
  return kappas.length ? kappas.reduce((sum, value) => sum + value, 0) / kappas.length : Number.NaN;
}

/** One judge verdict on a labelled item. */
export interface JudgeVerdict {
  itemId: string;
  pass: boolean;
  /** The judge's own scale when it has one (1–5), else undefined. */
  score: number | undefined;
  reasoning: string;
}

export interface JudgeAgreement {
  /** Items with both a judge verdict and an expert consensus. */
  items: number;
  confusion: Confusion;
  pass: { [K in keyof BinaryAgreement]: Estimate };
  /** Judge 1–5 against the experts' median score (items that have both). */
  scores: { items: number; weightedKappa: Estimate; spearman: Estimate; kendallTau: Estimate } | undefined;
}

/** The judge against the experts' consensus, each statistic with a bootstrap 95% CI over items. */
export function judgeAgreement(items: LabelledItem[], verdicts: JudgeVerdict[]): JudgeAgreement {
  const byItem = new Map(verdicts.map((verdict) => [verdict.itemId, verdict]));
  const passPairs = items
    .filter((item) => item.pass !== undefined && byItem.has(item.itemId))
    .map((item) => ({ judge: byItem.get(item.itemId)!.pass, expert: item.pass! }));
  const judge = passPairs.map((pair) => pair.judge);
  const expert = passPairs.map((pair) => pair.expert);
  const statistic = (key: keyof BinaryAgreement) =>
    bootstrapStatistic(
      passPairs.length,
      (indices) =>
        binaryAgreement(
          indices.map((index) => judge[index]!),
          indices.map((index) => expert[index]!),
        )[key],
    );
  const keys: (keyof BinaryAgreement)[] = ['accuracy', 'kappa', 'tpr', 'tnr', 'precision', 'recall', 'f1'];
  const scorePairs = items
    .filter((item) => item.score !== undefined && byItem.get(item.itemId)?.score !== undefined)
    .map((item) => ({ judge: byItem.get(item.itemId)!.score!, expert: item.score! }));
  const x = scorePairs.map((pair) => pair.judge);
  const y = scorePairs.map((pair) => pair.expert);
  const over = (fn: (a: number[], b: number[]) => number) =>
    bootstrapStatistic(scorePairs.length, (indices) =>
      fn(
        indices.map((index) => x[index]!),
        indices.map((index) => y[index]!),
      ),
    );
  return {
    items: passPairs.length,
    confusion: confusion(judge, expert),
    pass: Object.fromEntries(keys.map((key) => [key, statistic(key)])) as JudgeAgreement['pass'],
    scores:
      scorePairs.length === 0
        ? undefined
        : {
            items: scorePairs.length,
            weightedKappa: over((a, b) => cohenKappa(a, b, 'quadratic')),
            spearman: over(spearman),
            kendallTau: over(kendallTauB),
          },
  };
}
