import { Random } from '../common/random.js';
import { bootstrapStatistic, type Estimate } from '../common/statistics.js';
import type { LabelledItem } from './labels.js';
import { aurocEstimate, binaryAgreement, cohenKappa } from './metrics.js';
import { splitItems } from './tune.js';

/**
 * A judge trained on the experts' labels instead of prompted: a regularised logistic head on a
 * frozen base model's hidden states while it reads the judged input and output (probe-features.ts).
 * A 135M model prompted with a rubric agrees with the experts at chance; what it computes while
 * reading an answer still carries what a linear head can learn from a hundred labels.
 *
 * The labels are split by item (every annotator of an item on the same side), stratified by the
 * majority verdict and seeded: train fits the head, dev picks the regularisation, test is looked at
 * once, for the numbers reported. Annotators' disagreement is kept as a soft target: an item two of
 * three experts passed is learnt as 0.67, not as a plain pass.
 */
export interface ProbeHead {
  /** Per feature: subtracted, then divided by `scale` (train statistics). */
  center: number[];
  scale: number[];
  weights: number[];
  bias: number;
  /** The L2 strength dev chose. */
  l2: number;
}

export interface ProbeJudgeResult {
  head: ProbeHead;
  sets: { train: string[]; dev: string[]; test: string[] };
  /** Dev log-loss of each L2 strength tried; the lowest wins. */
  candidates: Array<{ l2: number; devLogLoss: number; devKappa: number }>;
  test: ProbeTestReport;
  /**
   * Held-out κ and AUROC of heads fitted on a share of the train items (the same dev picks the L2,
   * the same test items are scored), so a team sees what more labels buy. The last point is the
   * judge itself.
   */
  learningCurve: LearningPoint[];
}

export interface LearningPoint {
  /** Share of the train items used, stratified by verdict. */
  fraction: number;
  trainItems: number;
  l2: number;
  kappa: Estimate;
  auroc: Estimate;
}

/** The shares of the train items the learning curve fits on. */
export const learningFractions = [0.25, 0.5, 1];

export interface ProbeTestReport {
  items: number;
  kappa: Estimate;
  accuracy: number;
  /** Of the items the experts passed, the share the probe passed; of those they failed, the share it failed. */
  truePositiveRate: number;
  trueNegativeRate: number;
  auroc: Estimate;
  /** Mean squared error of the probability against the experts' share of passes. */
  brier: number;
  /** Reliability: items binned by predicted probability, each bin's mean prediction and pass share. */
  reliability: Array<{ from: number; to: number; items: number; predicted: number; observed: number }>;
}

/** The default L2 strengths (on standardised features, per example). */
export const l2Grid = [0.01, 0.1, 1, 10];

/** Share of an item's annotators who passed it; undefined without pass/fail labels. */
export function softLabel(item: LabelledItem): number | undefined {
  const verdicts = item.labels.filter((label) => label.pass !== undefined);
  if (verdicts.length === 0) return undefined;
  return verdicts.filter((label) => label.pass).length / verdicts.length;
}

export function trainProbeJudge(options: {
  items: LabelledItem[];
  /** Feature vector of each item, by item id (all of the same length). */
  features: ReadonlyMap<string, number[]>;
  seed: number;
  grid?: readonly number[];
}): ProbeJudgeResult {
  const usable = options.items.filter(
    (item) => item.pass !== undefined && options.features.has(item.itemId) && softLabel(item) !== undefined,
  );
  const sets = splitItems(usable, options.seed);
  const data = (items: LabelledItem[]) => ({
    x: items.map((item) => options.features.get(item.itemId)!),
    y: items.map((item) => softLabel(item)!),
    pass: items.map((item) => item.pass!),
  });
  const train = data(sets.train);
  const dev = data(sets.dev);
  const test = data(sets.test);
  const grid = options.grid ?? l2Grid;
  const fitted = fitOnDev(train, dev, grid);
  const report = (head: ProbeHead) =>
    testReport(
      test.x.map((row) => probability(head, row)),
      test.y,
      test.pass,
    );
  const full = report(fitted.best.head);
  // Smaller train sets are nested prefixes of one seeded order per verdict, so each point holds the
  // labels of the one before it, as a team's growing label set would.
  const order = new Random(options.seed + 1);
  const strata = [true, false].map((verdict) =>
    order.permutation(sets.train.filter((item) => item.pass === verdict)),
  );
  const learningCurve = learningFractions.map((fraction): LearningPoint => {
    if (fraction === 1)
      return {
        fraction,
        trainItems: sets.train.length,
        l2: fitted.best.head.l2,
        kappa: full.kappa,
        auroc: full.auroc,
      };
    const subset = strata.flatMap((stratum) =>
      stratum.slice(0, Math.max(1, Math.round(fraction * stratum.length))),
    );
    const point = fitOnDev(data(subset), dev, grid).best.head;
    const scored = report(point);
    return { fraction, trainItems: subset.length, l2: point.l2, kappa: scored.kappa, auroc: scored.auroc };
  });
  const ids = (items: LabelledItem[]) => items.map((item) => item.itemId);
  return {
    head: fitted.best.head,
    sets: { train: ids(sets.train), dev: ids(sets.dev), test: ids(sets.test) },
    candidates: fitted.candidates.map(({ l2, devLogLoss, devKappa }) => ({ l2, devLogLoss, devKappa })),
    test: full,
    learningCurve,
  };
}

interface LabelledData {
  x: number[][];
  y: number[];
  pass: boolean[];
}

/** A head per L2 strength on `train`; the one with the lowest dev log-loss wins. */
function fitOnDev(train: LabelledData, dev: LabelledData, grid: readonly number[]) {
  const candidates = grid.map((l2) => {
    const head = fitLogistic(train.x, train.y, l2);
    const predicted = dev.x.map((row) => probability(head, row));
    return {
      l2,
      head,
      devLogLoss: logLoss(predicted, dev.y),
      devKappa: cohenKappa(
        predicted.map((p) => (p >= 0.5 ? 'pass' : 'fail')),
        dev.pass.map((pass) => (pass ? 'pass' : 'fail')),
      ),
    };
  });
  const best = candidates.reduce((winner, candidate) =>
    candidate.devLogLoss < winner.devLogLoss ? candidate : winner,
  );
  return { best, candidates };
}

/** The probe's probability that the experts would pass an item with these features. */
export function probability(head: ProbeHead, features: number[]): number {
  let z = head.bias;
  for (let index = 0; index < head.weights.length; index += 1)
    z += head.weights[index]! * ((features[index]! - head.center[index]!) / head.scale[index]!);
  return sigmoid(z);
}

/**
 * Logistic regression with an L2 penalty on the weights (not the bias), on standardised features,
 * fitted by full-batch gradient descent with a fixed schedule: deterministic, and with a hundred
 * examples of a few thousand features it converges in well under a second. Targets may be soft.
 */
export function fitLogistic(x: number[][], y: number[], l2: number, iterations = 400): ProbeHead {
  if (x.length === 0) throw new Error('fitLogistic: no examples');
  const count = x.length;
  const dimensions = x[0]!.length;
  const center = new Float64Array(dimensions);
  const scale = new Float64Array(dimensions);
  for (const row of x) for (let d = 0; d < dimensions; d += 1) center[d] = center[d]! + row[d]! / count;
  for (const row of x)
    for (let d = 0; d < dimensions; d += 1) scale[d] = scale[d]! + (row[d]! - center[d]!) ** 2 / count;
  for (let d = 0; d < dimensions; d += 1) scale[d] = Math.sqrt(scale[d]!) || 1;
  const standard = x.map((row) => Float64Array.from(row, (value, d) => (value - center[d]!) / scale[d]!));
  const weights = new Float64Array(dimensions);
  let bias = 0;
  // The loss is convex and its curvature at most (1/4)·(mean squared norm + 1) + l2: a step of the
  // inverse keeps gradient descent stable without a line search.
  const meanNorm = standard.reduce((sum, row) => sum + row.reduce((s, v) => s + v * v, 0), 0) / count;
  const step = 1 / (0.25 * (meanNorm + 1) + l2);
  const gradient = new Float64Array(dimensions);
  for (let iteration = 0; iteration < iterations; iteration += 1) {
    gradient.fill(0);
    let biasGradient = 0;
    for (let n = 0; n < count; n += 1) {
      const row = standard[n]!;
      let z = bias;
      for (let d = 0; d < dimensions; d += 1) z += weights[d]! * row[d]!;
      const error = (sigmoid(z) - y[n]!) / count;
      biasGradient += error;
      for (let d = 0; d < dimensions; d += 1) gradient[d] = gradient[d]! + error * row[d]!;
    }
    for (let d = 0; d < dimensions; d += 1)
      weights[d] = weights[d]! - step * (gradient[d]! + l2 * weights[d]!);
    bias -= step * biasGradient;
  }
  return { center: [...center], scale: [...scale], weights: [...weights], bias, l2 };
}

function testReport(predicted: number[], soft: number[], pass: boolean[]): ProbeTestReport {
  const verdicts = predicted.map((p) => p >= 0.5);
  const label = (value: boolean) => (value ? 'pass' : 'fail');
  const agreement = binaryAgreement(verdicts, pass);
  const bins = [0, 0.2, 0.4, 0.6, 0.8, 1];
  return {
    items: predicted.length,
    kappa: bootstrapStatistic(
      predicted.length,
      (indices) =>
        cohenKappa(
          indices.map((i) => label(verdicts[i]!)),
          indices.map((i) => label(pass[i]!)),
        ),
      { seed: 1 },
    ),
    accuracy: agreement.accuracy,
    truePositiveRate: agreement.tpr,
    trueNegativeRate: agreement.tnr,
    auroc: aurocEstimate(predicted, pass),
    brier: predicted.reduce((sum, p, i) => sum + (p - soft[i]!) ** 2, 0) / Math.max(1, predicted.length),
    reliability: bins.slice(0, -1).flatMap((from, index) => {
      const to = bins[index + 1]!;
      const members = predicted
        .map((p, i) => ({ p, observed: soft[i]! }))
        .filter(({ p }) => p >= from && (p < to || (to === 1 && p <= 1)));
      if (members.length === 0) return [];
      const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
      return [
        {
          from,
          to,
          items: members.length,
          predicted: mean(members.map(({ p }) => p)),
          observed: mean(members.map(({ observed }) => observed)),
        },
      ];
    }),
  };
}

function logLoss(predicted: number[], y: number[]): number {
  const clip = (p: number) => Math.min(1 - 1e-7, Math.max(1e-7, p));
  return (
    predicted.reduce(
      (sum, p, i) => sum - (y[i]! * Math.log(clip(p)) + (1 - y[i]!) * Math.log(1 - clip(p))),
      0,
    ) / Math.max(1, predicted.length)
  );
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
