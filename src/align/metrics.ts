import { bootstrapStatistic, type Estimate } from '../common/statistics.js';

/**
 * Agreement statistics between a judge and experts, and among experts. Plain functions over arrays,
 * checked in metrics.test.ts against published worked examples and against scikit-learn, SciPy and
 * the `krippendorff` package.
 */

export interface Confusion {
  /** Judge pass, experts pass. */
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
  trueNegative: number;
}

export function confusion(judge: boolean[], expert: boolean[]): Confusion {
  const matrix = { truePositive: 0, falsePositive: 0, falseNegative: 0, trueNegative: 0 };
  judge.forEach((verdict, index) => {
    const truth = expert[index]!;
    if (verdict && truth) matrix.truePositive++;
    else if (verdict) matrix.falsePositive++;
    else if (truth) matrix.falseNegative++;
    else matrix.trueNegative++;
  });
  return matrix;
}

/**
 * Area under the ROC curve of scores against binary truth: the probability that a random positive
 * scores above a random negative, ties counting half (the Mann–Whitney U statistic, normalised). NaN
 * when either class is missing.
 */
/** AUROC with a seeded bootstrap 95% CI over the scored items. */
export function aurocEstimate(scores: number[], truth: boolean[]): Estimate {
  return bootstrapStatistic(
    scores.length,
    (indices) =>
      auroc(
        indices.map((i) => scores[i]!),
        indices.map((i) => truth[i]!),
      ),
    { seed: 2 },
  );
}

export function auroc(scores: number[], truth: boolean[]): number {
  const ranked = scores
    .map((score, index) => ({ score, positive: truth[index]! }))
    .sort((a, b) => a.score - b.score);
  const positives = ranked.filter(({ positive }) => positive).length;
  const negatives = ranked.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  // Midranks for ties, then the rank sum of the positives.
  let rankSum = 0;
  for (let start = 0; start < ranked.length; ) {
    let end = start;
    while (end + 1 < ranked.length && ranked[end + 1]!.score === ranked[start]!.score) end += 1;
    const midrank = (start + end) / 2 + 1;
    for (let index = start; index <= end; index += 1) if (ranked[index]!.positive) rankSum += midrank;
    start = end + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface BinaryAgreement {
  accuracy: number;
  kappa: number;
  /** Share of expert passes the judge passes (recall of "pass"). */
  tpr: number;
  /** Share of expert fails the judge fails. */
  tnr: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Pass/fail agreement; undefined ratios (nothing to divide by) are NaN, never a made-up 0 or 1. */
export function binaryAgreement(judge: boolean[], expert: boolean[]): BinaryAgreement {
  const {
    truePositive: tp,
    falsePositive: fp,
    falseNegative: fn,
    trueNegative: tn,
  } = confusion(judge, expert);
  const ratio = (a: number, b: number) => (b === 0 ? Number.NaN : a / b);
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  return {
    accuracy: ratio(tp + tn, tp + fp + fn + tn),
    kappa: cohenKappa(judge.map(String), expert.map(String)),
    tpr: recall,
    tnr: ratio(tn, tn + fp),
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
  };
}

/**
 * Cohen's κ between two raters. With `weights` the labels are ordinal numbers and disagreements cost
 * |i − j| (linear) or (i − j)² (quadratic), normalised by the range of the categories.
 */
export function cohenKappa(
  a: (string | number)[],
  b: (string | number)[],
  weights: 'none' | 'linear' | 'quadratic' = 'none',
): number {
  if (a.length !== b.length) throw new Error('cohenKappa: the two raters must label the same items');
  const categories = [...new Set([...a, ...b])].sort((x, y) =>
    typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)),
  );
  const index = new Map(categories.map((category, position) => [category, position]));
  const k = categories.length;
  if (k < 2) return Number.NaN; // one category only: chance agreement is 1, κ undefined
  const observed = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  a.forEach((label, item) => {
    observed[index.get(label)!]![index.get(b[item]!)!]! += 1;
  });
  const n = a.length;
  const rows = observed.map((row) => row.reduce((sum, value) => sum + value, 0));
  const columns = categories.map((_, column) => observed.reduce((sum, row) => sum + row[column]!, 0));
  const span = weights === 'none' ? 1 : Number(categories[k - 1]) - Number(categories[0]);
  const cost = (i: number, j: number) => {
    if (weights === 'none') return i === j ? 0 : 1;
    const distance = Math.abs(Number(categories[i]) - Number(categories[j])) / span;
    return weights === 'linear' ? distance : distance * distance;
  };
  let disagreeObserved = 0;
  let disagreeExpected = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      disagreeObserved += cost(i, j) * observed[i]![j]!;
      disagreeExpected += (cost(i, j) * rows[i]! * columns[j]!) / n;
    }
  return disagreeExpected === 0 ? Number.NaN : 1 - disagreeObserved / disagreeExpected;
}

/** Ranks from 1, ties sharing their average rank. */
function ranks(values: number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((x, y) => x.value - y.value);
  const result = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    const rank = (start + end) / 2 + 1;
    for (let position = start; position <= end; position++) result[order[position]!.index] = rank;
    start = end + 1;
  }
  return result;
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const meanX = x.reduce((sum, value) => sum + value, 0) / n;
  const meanY = y.reduce((sum, value) => sum + value, 0) / n;
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let i = 0; i < n; i++) {
    covariance += (x[i]! - meanX) * (y[i]! - meanY);
    varianceX += (x[i]! - meanX) ** 2;
    varianceY += (y[i]! - meanY) ** 2;
  }
  return varianceX === 0 || varianceY === 0 ? Number.NaN : covariance / Math.sqrt(varianceX * varianceY);
}

/** Spearman's ρ: Pearson's r of the (tie-averaged) ranks. */
export function spearman(x: number[], y: number[]): number {
  return pearson(ranks(x), ranks(y));
}

/** Kendall's τ-b, which corrects for ties in either variable (scores 1–5 tie a lot). */
export function kendallTauB(x: number[], y: number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  const denominator = Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
  return denominator === 0 ? Number.NaN : (concordant - discordant) / denominator;
}

/**
 * Fleiss' κ for items each rated by the same number of raters: `counts[item][category]` is how many
 * raters put the item in that category.
 */
export function fleissKappa(counts: number[][]): number {
  const raters = counts[0]?.reduce((sum, value) => sum + value, 0) ?? 0;
  if (raters < 2 || counts.some((row) => row.reduce((sum, value) => sum + value, 0) !== raters))
    throw new Error('fleissKappa: every item needs the same number (≥ 2) of ratings');
  const items = counts.length;
  const categories = counts[0]!.length;
  const share = Array.from(
    { length: categories },
    (_, category) => counts.reduce((sum, row) => sum + row[category]!, 0) / (items * raters),
  );
  const perItem = counts.map(
    (row) => (row.reduce((sum, value) => sum + value * value, 0) - raters) / (raters * (raters - 1)),
  );
  const observed = perItem.reduce((sum, value) => sum + value, 0) / items;
  const expected = share.reduce((sum, value) => sum + value * value, 0);
  return expected === 1 ? Number.NaN : (observed - expected) / (1 - expected);
}

export type MeasurementLevel = 'nominal' | 'ordinal' | 'interval';

/**
 * Krippendorff's α from the coincidence matrix. `units[u]` holds the values the coders gave unit u
 * (missing ratings simply absent); units with fewer than two values carry no pairable information and
 * are skipped, which is what lets α handle any number of coders and missing data.
 */
export function krippendorffAlpha(units: (number | string)[][], level: MeasurementLevel = 'nominal'): number {
  const pairable = units.filter((values) => values.length >= 2);
  const values = [...new Set(pairable.flat())].sort((x, y) =>
    typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)),
  );
  if (level !== 'nominal' && values.some((value) => typeof value !== 'number'))
    throw new Error(`krippendorffAlpha: ${level} data must be numbers`);
  const index = new Map(values.map((value, position) => [value, position]));
  const k = values.length;
  const coincidences = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (const unit of pairable) {
    const m = unit.length;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++)
        if (i !== j) coincidences[index.get(unit[i]!)!]![index.get(unit[j]!)!]! += 1 / (m - 1);
  }
  const marginals = coincidences.map((row) => row.reduce((sum, value) => sum + value, 0));
  const n = marginals.reduce((sum, value) => sum + value, 0);
  const distance = (c: number, k2: number): number => {
    if (c === k2) return 0;
    if (level === 'nominal') return 1;
    if (level === 'interval') return (Number(values[c]) - Number(values[k2])) ** 2;
    const [low, high] = c < k2 ? [c, k2] : [k2, c];
    let between = 0;
    for (let g = low; g <= high; g++) between += marginals[g]!;
    return (between - (marginals[c]! + marginals[k2]!) / 2) ** 2;
  };
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < k; c++)
    for (let k2 = 0; k2 < k; k2++) {
      const delta = distance(c, k2);
      observed += coincidences[c]![k2]! * delta;
      expected += marginals[c]! * marginals[k2]! * delta;
    }
  if (expected === 0) return Number.NaN;
  return 1 - ((n - 1) * observed) / expected;
}
