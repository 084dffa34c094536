import { describe, expect, it } from 'vitest';
import { tinyExamples } from '../test-support/tiny-hf-model.js';
import { learningRateAt, planBatches } from './schedule.js';

describe('data order and schedule', () => {
  it('plans the same batches for the same seed, covers each example once per epoch, buckets by length', () => {
    const examples = tinyExamples(40);
    const settings = { epochs: 2, batchSize: 4, seed: 0 };
    const batches = planBatches(examples, settings);
    expect(batches).toHaveLength(20);
    expect(planBatches(examples, settings)).toEqual(batches);
    expect(planBatches(examples, { ...settings, seed: 1 })).not.toEqual(batches);
    const firstEpoch = batches
      .slice(0, 10)
      .flat()
      .map((example) => example.id);
    expect(new Set(firstEpoch).size).toBe(40);
    // Within a batch, lengths are sorted (one window of 16 batches covers this small epoch).
    for (const batch of batches) {
      const lengths = batch.map((example) => example.tokens.length);
      expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    }
  });

  it('warms up linearly, then decays by cosine or linearly to a tenth of the peak', () => {
    const settings = { learningRate: 1, warmupSteps: 4, schedule: 'cosine' as const };
    expect([0, 1, 2, 3].map((step) => learningRateAt(step, 14, settings))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(learningRateAt(4, 14, settings)).toBeCloseTo(1, 10);
    expect(learningRateAt(9, 14, settings)).toBeCloseTo(0.1 + 0.9 * 0.5, 10); // half-way: cos(pi/2) = 0
    expect(learningRateAt(14, 14, settings)).toBeCloseTo(0.1, 10);
    expect(learningRateAt(9, 14, { ...settings, schedule: 'linear' })).toBeCloseTo(0.55, 10);
    expect(learningRateAt(9, 14, { ...settings, schedule: 'constant' })).toBe(1);
  });
});
