import { Random } from '../common/random.js';
import type { LearningRateConfig } from '../core/train-config.js';
import type { TokenizedExample } from './chat-tokens.js';

/**
 * What the shared loop plans before its first step, for every method: the batches of every step in
 * order, and the learning rate of each step. Both are pure functions of the config and the data, so
 * a resumed run skips ahead in the very same plan.
 */

export interface BatchPlan {
  batchSize: number;
  /** Stop after this many steps whatever `epochs` says. */
  maxSteps?: number | undefined;
  epochs: number;
  seed: number;
}

/**
 * Batches for every step. Each epoch shuffles with its own seed, then sorts windows of 16 batches by
 * length and cuts them into batches (length bucketing: similar lengths pad less), then shuffles the
 * batch order so lengths do not trend through the epoch.
 */
export function planBatches<T>(
  items: T[],
  plan: BatchPlan,
  length: (item: T) => number = (item) => (item as TokenizedExample).tokens.length,
): T[][] {
  const perEpoch = Math.ceil(items.length / plan.batchSize);
  const totalSteps = plan.maxSteps ?? Math.ceil(plan.epochs * perEpoch);
  const batches: T[][] = [];
  for (let epoch = 0; batches.length < totalSteps; epoch += 1) {
    const random = new Random(plan.seed * 1_000_003 + epoch);
    const shuffled = random.shuffle(items);
    const window = plan.batchSize * 16;
    const epochBatches: T[][] = [];
    for (let start = 0; start < shuffled.length; start += window) {
      const sorted = shuffled.slice(start, start + window).sort((a, b) => length(a) - length(b));
      for (let cut = 0; cut < sorted.length; cut += plan.batchSize) {
        epochBatches.push(sorted.slice(cut, cut + plan.batchSize));
      }
    }
    batches.push(...random.shuffle(epochBatches));
  }
  return batches.slice(0, totalSteps);
}

/** Linear warm-up, then cosine or linear decay to a tenth of the peak (or constant). */
export function learningRateAt(step: number, totalSteps: number, config: LearningRateConfig): number {
  const peak = config.learningRate;
  if (step < config.warmupSteps) return (peak * (step + 1)) / config.warmupSteps;
  if (config.schedule === 'constant') return peak;
  const progress = Math.min(1, (step - config.warmupSteps) / Math.max(1, totalSteps - config.warmupSteps));
  const floor = peak * 0.1;
  const shape = config.schedule === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return floor + (peak - floor) * shape;
}
