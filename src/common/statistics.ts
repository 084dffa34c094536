import { Random } from './random.js';

/** Mean with a percentile-bootstrap 95% CI (seeded, so reports are reproducible). */
export interface Estimate {
  mean: number;
  low: number;
  high: number;
  count: number;
}

/**
 * The mean of `values` with a 95% CI from `resamples` bootstrap resamples, the CI's ends interpolated
 * between resample means (numpy's linear quantile).
 */
export function bootstrapMean(values: number[], resamples = 2000, seed = 1): Estimate {
  const count = values.length;
  if (count === 0) return { mean: Number.NaN, low: Number.NaN, high: Number.NaN, count };
  // Summed in draw order, as the point estimate is: a resample of constant data has exactly its mean.
  const meanOf = (indices: number[]) => {
    let sum = 0;
    for (const index of indices) sum += values[index]!;
    return sum / indices.length;
  };
  const mean = values.reduce((sum, value) => sum + value, 0) / count;
  const means = resampled(count, meanOf, resamples, seed).sort((a, b) => a - b);
  return { mean, low: quantile(means, 0.025), high: quantile(means, 0.975), count };
}

/**
 * Percentile bootstrap over items for any statistic of a resample (given as item indices). Resamples
 * where the statistic is undefined (e.g. κ of a resample with one class) are dropped; the CI is NaN
 * when fewer than half survive. The CI's ends are the nearest resample values, not interpolated.
 */
export function bootstrapStatistic(
  items: number,
  statistic: (indices: number[]) => number,
  { resamples = 1000, seed = 1 } = {},
): Estimate {
  const mean = statistic(Array.from({ length: items }, (_, index) => index));
  const values = resampled(items, statistic, resamples, seed).filter((value) => Number.isFinite(value));
  if (values.length < resamples / 2) return { mean, low: Number.NaN, high: Number.NaN, count: items };
  values.sort((x, y) => x - y);
  const at = (q: number) =>
    values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))]!;
  return { mean, low: at(0.025), high: at(0.975), count: items };
}

/**
 * The statistic of each of `resamples` resamples of `items` items drawn with replacement, seeded. The
 * statistic is handed the same index array each time, refilled (reports bootstrap thousands of times;
 * a fresh array per resample made that several times slower), so it must not keep it.
 */
function resampled(
  items: number,
  statistic: (indices: number[]) => number,
  resamples: number,
  seed: number,
): number[] {
  const random = new Random(seed);
  const indices = new Array<number>(items).fill(0);
  const values: number[] = [];
  for (let resample = 0; resample < resamples; resample++) {
    for (let draw = 0; draw < items; draw++) indices[draw] = Math.floor(random.next() * items);
    values.push(statistic(indices));
  }
  return values;
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}
