import { describe, expect, it } from 'vitest';
import { Random } from './random.js';
import { bootstrapMean, quantile } from './statistics.js';

describe('statistics', () => {
  it('quantile interpolates like numpy (linear)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30], 0.25)).toBe(15);
    expect(quantile([5], 0.95)).toBe(5);
  });

  it('bootstrap CI collapses on constant data and is reproducible', () => {
    const constant = bootstrapMean([0.7, 0.7, 0.7]);
    for (const value of [constant.mean, constant.low, constant.high]) expect(value).toBeCloseTo(0.7, 12);
    expect(bootstrapMean([0, 1, 1, 0, 1])).toEqual(bootstrapMean([0, 1, 1, 0, 1]));
    expect(Number.isNaN(bootstrapMean([]).mean)).toBe(true);
  });

  it('agrees with the normal-approximation CI on a large sample', () => {
    const random = new Random(3);
    const values: number[] = Array.from({ length: 2000 }, () => (random.next() < 0.3 ? 1 : 0));
    const estimate = bootstrapMean(values);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const standardError = Math.sqrt((mean * (1 - mean)) / values.length);
    expect(estimate.mean).toBeCloseTo(mean, 12);
    expect(estimate.low).toBeCloseTo(mean - 1.96 * standardError, 2);
    expect(estimate.high).toBeCloseTo(mean + 1.96 * standardError, 2);
  });
});
