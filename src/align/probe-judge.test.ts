import { describe, expect, it } from 'vitest';
import { Random } from '../common/random.js';
import { passLabel } from '../test-support/labels.js';
import { type Label, labelledItems } from './labels.js';
import { auroc } from './metrics.js';
import { fitLogistic, probability, softLabel, trainProbeJudge } from './probe-judge.js';

const label = passLabel;

/**
 * 120 items, three annotators each: the first feature carries the item's quality, the other 39 are
 * noise; the experts pass an item whose quality is positive, and on borderline items one of them
 * disagrees.
 */
function syntheticTask() {
  const random = new Random(3);
  const features = new Map<string, number[]>();
  const labels: Label[] = [];
  for (let index = 0; index < 120; index += 1) {
    const id = `item-${String(index).padStart(3, '0')}`;
    const quality = random.next() * 2 - 1;
    features.set(id, [
      quality + 0.1 * (random.next() - 0.5),
      ...Array.from({ length: 39 }, () => random.next()),
    ]);
    const pass = quality > 0;
    labels.push(
      label(id, 'a', pass),
      label(id, 'b', pass),
      label(id, 'c', Math.abs(quality) < 0.1 ? !pass : pass),
    );
  }
  return { features, items: labelledItems(labels) };
}

describe('AUROC', () => {
  it('is the chance a positive outscores a negative, ties counting half', () => {
    // scikit-learn's roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
    expect(auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 10);
    expect(auroc([0.5, 0.5], [false, true])).toBe(0.5);
    expect(auroc([1, 2, 3], [true, true, true])).toBeNaN();
  });
});

describe('a logistic probe', () => {
  it('learns a separable signal, and a stronger L2 shrinks its weights', () => {
    const x = [
      [0, 1],
      [1, 1],
      [2, 0],
      [3, 0],
    ];
    const y = [0, 0, 1, 1];
    const loose = fitLogistic(x, y, 0.01);
    const tight = fitLogistic(x, y, 10);
    expect(x.map((row) => probability(loose, row) >= 0.5)).toEqual([false, false, true, true]);
    const norm = (weights: number[]) => Math.hypot(...weights);
    expect(norm(tight.weights)).toBeLessThan(norm(loose.weights));
  });
});

describe('a probe judge trained on expert labels', () => {
  it('splits by item, learns soft targets, picks L2 on dev and reports held-out agreement', () => {
    const { features, items } = syntheticTask();
    // Two of three passing is a target of 2/3, not a plain pass.
    const split = items.find((item) => item.labels.some((l) => l.pass) && item.labels.some((l) => !l.pass))!;
    expect(softLabel(split)).toBeCloseTo(split.pass ? 2 / 3 : 1 / 3, 10);

    const result = trainProbeJudge({ items, features, seed: 0 });
    const { train, dev, test } = result.sets;
    expect(train.length + dev.length + test.length).toBe(120);
    // No item on two sides: all its annotators' labels go with it.
    expect(new Set([...train, ...dev, ...test]).size).toBe(120);
    expect(result.candidates.map((candidate) => candidate.l2)).toEqual([0.01, 0.1, 1, 10]);
    const best = result.candidates.reduce((a, b) => (b.devLogLoss < a.devLogLoss ? b : a));
    expect(result.head.l2).toBe(best.l2);
    expect(result.test.items).toBe(test.length);
    expect(result.test.kappa.mean).toBeGreaterThan(0.7);
    expect(result.test.kappa.low).toBeLessThanOrEqual(result.test.kappa.mean);
    expect(result.test.auroc.mean).toBeGreaterThan(0.9);
    expect(result.test.reliability.reduce((sum, bin) => sum + bin.items, 0)).toBe(test.length);
    // The same labels and seed give the same judge.
    expect(trainProbeJudge({ items, features, seed: 0 }).head).toEqual(result.head);
  });

  it('draws a learning curve on nested shares of the train items, scored on the same test items', () => {
    const { features, items } = syntheticTask();
    const result = trainProbeJudge({ items, features, seed: 0 });
    const curve = result.learningCurve;
    expect(curve.map((point) => point.fraction)).toEqual([0.25, 0.5, 1]);
    const trainItems = curve.map((point) => point.trainItems);
    expect(trainItems[2]).toBe(result.sets.train.length);
    expect(trainItems[0]).toBeLessThan(trainItems[1]!);
    expect(trainItems[1]).toBeLessThan(trainItems[2]!);
    // Each share keeps both verdicts in the train set's proportions (stratified).
    expect(Math.abs(trainItems[0]! - result.sets.train.length / 4)).toBeLessThanOrEqual(1);
    // The full point is the judge itself; every point is scored on all the test items.
    expect(curve[2]!.kappa).toEqual(result.test.kappa);
    for (const point of curve) expect(point.kappa.count).toBe(result.test.items);
    // With one informative feature, fifteen labels already find it.
    expect(curve[0]!.auroc.mean).toBeGreaterThan(0.8);
  });
});
