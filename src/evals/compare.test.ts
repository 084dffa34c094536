import { describe, expect, it } from 'vitest';
import { comparePaired, exactBinomialTwoSided, pairResults } from './compare.js';

describe('paired comparison', () => {
  it('exact binomial p-values match independently computed values', () => {
    // scipy.stats.binomtest(k, n, 0.5).pvalue
    expect(exactBinomialTwoSided(8, 10)).toBeCloseTo(0.109375, 9);
    expect(exactBinomialTwoSided(5, 10)).toBeCloseTo(1, 9);
    expect(exactBinomialTwoSided(0, 6)).toBeCloseTo(0.03125, 9);
    expect(exactBinomialTwoSided(15, 20)).toBeCloseTo(0.041389465332031, 9);
    expect(exactBinomialTwoSided(0, 0)).toBe(1);
  });

  it('counts wins, losses, ties and regressions, with a CI on the mean difference', () => {
    const pairs = [
      { exampleId: 'a', scoreA: 0.2, scoreB: 0.9, passA: false, passB: true },
      { exampleId: 'b', scoreA: 0.5, scoreB: 0.5, passA: false, passB: false },
      { exampleId: 'c', scoreA: 1, scoreB: 0.4, passA: true, passB: false },
      { exampleId: 'd', scoreA: 0, scoreB: 1, passA: false, passB: true },
    ];
    const comparison = comparePaired(pairs);
    expect(comparison).toMatchObject({ examples: 4, wins: 2, losses: 1, ties: 1, regressions: ['c'] });
    expect(comparison.difference.mean).toBeCloseTo((0.7 + 0 - 0.6 + 1) / 4, 12);
    expect(comparison.difference.low).toBeLessThanOrEqual(comparison.difference.mean);
    expect(comparison.difference.high).toBeGreaterThanOrEqual(comparison.difference.mean);
    expect(comparison.signTestP).toBeCloseTo(1, 9); // 2 wins of 3 decided pairs
    expect(comparison.mcnemarP).toBeCloseTo(1, 9); // 2 vs 1 discordant
  });
});

describe('pairResults', () => {
  it("pairs two runs' results by example id, in the first run's order, leaving out unshared ones", () => {
    const a = [
      { exampleId: 'x', score: 1, pass: true },
      { exampleId: 'y', score: 0.5, pass: false },
      { exampleId: 'only-a', score: 1, pass: true },
    ];
    const b = [
      { exampleId: 'y', score: 0.9, pass: true },
      { exampleId: 'x', score: 0.2, pass: false },
      { exampleId: 'only-b', score: 0, pass: false },
    ];
    expect(pairResults(a, b)).toEqual([
      { exampleId: 'x', scoreA: 1, scoreB: 0.2, passA: true, passB: false },
      { exampleId: 'y', scoreA: 0.5, scoreB: 0.9, passA: false, passB: true },
    ]);
  });
});
