import { bootstrapStatistic, type Estimate } from '../common/statistics.js';
import type { EvalRecord } from '../task/dataset.js';
import { parseJson } from '../task/graders/grader.js';
import { valueAt } from '../task/template.js';
import type { ExampleResult } from './runner.js';

/**
 * Dataset-level classification metrics for a label field (`eval --classes sentiment`). A mean of
 * per-example scores is accuracy; the numbers published for classification data sets are F1 per class
 * and its macro or support-weighted average, which only exist over the whole set. The label is read
 * at the same path in the parsed output and in the reference. An output with no label there (not
 * JSON, or the field missing) is predicted as `(none)`: wrong for every class, never a class itself.
 */
export interface ClassScore {
  label: string;
  /** Reference examples of this class. */
  support: number;
  /** Outputs that named this class. */
  predicted: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationReport {
  field: string;
  examples: number;
  /** Outputs with no label at the field. */
  unlabelled: number;
  /** The reference classes, most frequent first. */
  classes: ClassScore[];
  accuracy: Estimate;
  /** The unweighted mean of the classes' F1. */
  macroF1: Estimate;
  /** The classes' F1 weighted by their support. */
  weightedF1: Estimate;
  /** Counts by reference class, then predicted label (predicted labels outside the classes included). */
  confusion: Record<string, Record<string, number>>;
}

export const noLabel = '(none)';

export function classificationReport(
  records: readonly EvalRecord[],
  results: readonly ExampleResult[],
  field: string,
): ClassificationReport {
  const byId = new Map(records.map((record) => [record.id, record]));
  const pairs: { truth: string; predicted: string }[] = [];
  for (const result of results) {
    const truth = labelOf(byId.get(result.exampleId)?.reference, field);
    // An example whose reference has no label cannot count for or against any class.
    if (truth === noLabel) continue;
    pairs.push({ truth, predicted: labelOf(parseJson(result.output), field) });
  }
  const support = new Map<string, number>();
  for (const pair of pairs) support.set(pair.truth, (support.get(pair.truth) ?? 0) + 1);
  const labels = [...support].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([label]) => label);

  const statistic =
    (metric: (scores: ClassScore[], correct: number, total: number) => number) => (indices: number[]) => {
      const chosen = indices.map((index) => pairs[index]!);
      const scores = classScores(labels, chosen);
      const correct = chosen.filter((pair) => pair.truth === pair.predicted).length;
      return metric(scores, correct, chosen.length);
    };
  const options = { resamples: 1000, seed: 1 };
  const confusion: Record<string, Record<string, number>> = {};
  for (const pair of pairs) {
    const row = confusion[pair.truth] ?? {};
    row[pair.predicted] = (row[pair.predicted] ?? 0) + 1;
    confusion[pair.truth] = row;
  }
  return {
    field,
    examples: pairs.length,
    unlabelled: pairs.filter((pair) => pair.predicted === noLabel).length,
    classes: classScores(labels, pairs),
    accuracy: bootstrapStatistic(
      pairs.length,
      statistic((_, correct, total) => correct / total),
      options,
    ),
    macroF1: bootstrapStatistic(pairs.length, statistic(macroF1), options),
    weightedF1: bootstrapStatistic(pairs.length, statistic(weightedF1), options),
    confusion,
  };
}

function labelOf(value: unknown, field: string): string {
  const label = value === undefined ? undefined : valueAt(value, field);
  if (label === undefined || label === null || label === '') return noLabel;
  return typeof label === 'string' ? label.trim().toLowerCase() : JSON.stringify(label);
}

/**
 * Precision, recall and F1 per class. A class with nothing predicted has precision 0 (and F1 0), as
 * scikit-learn reports it with `zero_division=0`.
 */
function classScores(labels: readonly string[], pairs: readonly { truth: string; predicted: string }[]) {
  return labels.map((label): ClassScore => {
    let truePositives = 0;
    let support = 0;
    let predicted = 0;
    for (const pair of pairs) {
      if (pair.truth === label) support++;
      if (pair.predicted === label) predicted++;
      if (pair.truth === label && pair.predicted === label) truePositives++;
    }
    const precision = predicted === 0 ? 0 : truePositives / predicted;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, support, predicted, precision, recall, f1 };
  });
}

/** Over the classes present in the (re)sample's references, as scikit-learn's average='macro'. */
function macroF1(scores: ClassScore[]): number {
  const present = scores.filter((score) => score.support > 0);
  return present.reduce((sum, score) => sum + score.f1, 0) / present.length;
}

function weightedF1(scores: ClassScore[]): number {
  const total = scores.reduce((sum, score) => sum + score.support, 0);
  return scores.reduce((sum, score) => sum + score.f1 * score.support, 0) / total;
}
