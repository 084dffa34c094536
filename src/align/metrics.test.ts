import { describe, expect, it } from 'vitest';
import { bootstrapStatistic } from '../common/statistics.js';
import {
  binaryAgreement,
  cohenKappa,
  confusion,
  fleissKappa,
  kendallTauB,
  krippendorffAlpha,
  spearman,
} from './metrics.js';

// Expected values are published worked examples, or were computed independently with scikit-learn
// 1.x (cohen_kappa_score), SciPy (spearmanr, kendalltau variant b), statsmodels (fleiss_kappa) and
// the `krippendorff` package on the same data.

describe("Cohen's κ", () => {
  it('matches the textbook 2×2 example (po 0.7, pe 0.5 → κ 0.4)', () => {
    const a = [...Array(25).fill('yes'), ...Array(25).fill('no')];
    const b = [
      ...Array(20).fill('yes'),
      ...Array(5).fill('no'),
      ...Array(10).fill('yes'),
      ...Array(15).fill('no'),
    ];
    expect(cohenKappa(a, b)).toBeCloseTo(0.4, 12);
  });

  it('matches scikit-learn unweighted, linear and quadratic on a 1–5 scale', () => {
    const a = [1, 2, 3, 4, 5, 3, 2, 4, 5, 1, 2, 3, 3, 4, 2, 5];
    const b = [1, 3, 3, 5, 5, 2, 2, 4, 4, 2, 2, 3, 4, 4, 1, 5];
    expect(cohenKappa(a, b)).toBeCloseTo(0.4482758620689655, 12);
    expect(cohenKappa(a, b, 'linear')).toBeCloseTo(0.7037037037037037, 12);
    expect(cohenKappa(a, b, 'quadratic')).toBeCloseTo(0.8721461187214612, 12);
  });

  it('is undefined, not 1, when only one category occurs', () => {
    expect(cohenKappa(['pass', 'pass'], ['pass', 'pass'])).toBeNaN();
  });
});

describe('pass/fail agreement', () => {
  it('counts the confusion matrix and derives the rates from it', () => {
    const judge = [true, true, true, false, false, false, true, false];
    const expert = [true, true, false, false, false, true, true, false];
    expect(confusion(judge, expert)).toEqual({
      truePositive: 3,
      falsePositive: 1,
      falseNegative: 1,
      trueNegative: 3,
    });
    const agreement = binaryAgreement(judge, expert);
    expect(agreement).toMatchObject({ accuracy: 0.75, tpr: 0.75, tnr: 0.75, precision: 0.75, recall: 0.75 });
    expect(agreement.f1).toBeCloseTo(0.75, 12);
    expect(agreement.kappa).toBeCloseTo(0.5, 12); // po 0.75, pe 0.5
  });
});

describe('rank correlations', () => {
  it('match SciPy with ties', () => {
    const x = [0.1, 0.4, 0.4, 0.9, 0.3, 0.3, 0.7, 0.2];
    const y = [1, 3, 2, 5, 2, 3, 4, 1];
    expect(spearman(x, y)).toBeCloseTo(0.8957223781626443, 12);
    expect(kendallTauB(x, y)).toBeCloseTo(0.8236877675803729, 12);
  });
});

describe('inter-annotator agreement', () => {
  it("reproduces Fleiss' worked example (10 subjects, 14 raters, 5 categories: κ 0.210)", () => {
    const table = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    expect(fleissKappa(table)).toBeCloseTo(0.20993070442195522, 12);
    expect(() =>
      fleissKappa([
        [1, 1],
        [3, 0],
      ]),
    ).toThrow(/same number/);
  });

  it("reproduces Krippendorff's (2011) example with 4 coders, 12 units and missing data", () => {
    // Rows are units, values the ratings present (coders A–D; blanks dropped).
    const units = [
      [1, 1, 1],
      [2, 2, 3, 2],
      [3, 3, 3, 3],
      [3, 3, 3, 3],
      [2, 2, 2, 2],
      [1, 2, 3, 4],
      [4, 4, 4, 4],
      [1, 1, 2, 1],
      [2, 2, 2, 2],
      [5, 5, 5],
      [1, 1],
      [3],
    ];
    expect(krippendorffAlpha(units, 'nominal')).toBeCloseTo(0.743421052631579, 12);
    expect(krippendorffAlpha(units, 'ordinal')).toBeCloseTo(0.8153875037548814, 12);
    expect(krippendorffAlpha(units, 'interval')).toBeCloseTo(0.8491071428571428, 12);
  });
});

describe('bootstrap of a statistic', () => {
  it('brackets the point estimate and is reproducible for a seed', () => {
    const judge = Array.from({ length: 60 }, (_, index) => index % 3 !== 0);
    const expert = Array.from({ length: 60 }, (_, index) => index % 4 !== 0);
    const kappa = (indices: number[]) =>
      cohenKappa(
        indices.map((index) => String(judge[index])),
        indices.map((index) => String(expert[index])),
      );
    const estimate = bootstrapStatistic(60, kappa);
    expect(estimate.low).toBeLessThanOrEqual(estimate.mean);
    expect(estimate.high).toBeGreaterThanOrEqual(estimate.mean);
    expect(bootstrapStatistic(60, kappa)).toEqual(estimate);
  });
});
