import { Random } from './random.js';

/** Mean with a percentile-bootstrap 95% CI (seeded, so reports are reproducible). */
export interface Estimate {
  mean: number;
  low: number;
  high: number;
  count: number;
}

export function bootstrapMean(values: number[], resamples = 2000, seed = 1): Estimate {
  const count = values.length;
  if (count === 0) return { mean: Number.NaN, low: Number.NaN, high: Number.NaN, count };
  const mean = values.reduce((sum, value) => sum + value, 0) / count;
  const random = new Random(seed);
  const means: number[] = [];
  for (let resample = 0; resample < resamples; resample++) {
    let sum = 0;
    for (let draw = 0; draw < count; draw++) sum += values[Math.floor(random.next() * count)]!;
    means.push(sum / count);
  }
  means.sort((a, b) => a - b);
  return { mean, low: quantile(means, 0.025), high: quantile(means, 0.975), count };
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}
