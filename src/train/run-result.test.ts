import { describe, expect, it } from 'vitest';
import { readTrainingRunResult, type TrainingRunResult } from './run-result.js';

describe('a training run result read back from the store', () => {
  it('keeps the parts that fit the schema, and a best value that was not a number as null', () => {
    const written: TrainingRunResult = {
      training: {
        steps: 4,
        adapterDirectory: '/runs/a/final',
        bestValidationLoss: Number.NaN,
        firstValidationLoss: undefined,
        stoppedEarly: false,
      },
      consistency: {
        positions: 10,
        base: { maxDifference: 0.1, meanDifference: 0.01 },
        adapted: { maxDifference: 0.1, meanDifference: 0.01 },
        tolerance: 0.02,
        passed: true,
      },
      specialist: 'a v1',
    };
    const stored = JSON.parse(
      JSON.stringify({ ...written, training: { ...written.training, flaggedSteps: [] } }),
    );
    expect(readTrainingRunResult(stored)).toEqual({
      training: {
        steps: 4,
        adapterDirectory: '/runs/a/final',
        bestValidationLoss: null,
        stoppedEarly: false,
      },
      consistency: written.consistency,
      specialist: 'a v1',
      error: undefined,
    });
    expect(readTrainingRunResult({ ...stored, consistency: {} }).training?.steps).toBe(4);
    expect(readTrainingRunResult({ error: 'boom' })).toMatchObject({ error: 'boom', training: undefined });
    expect(readTrainingRunResult(null)).toEqual({
      training: undefined,
      consistency: undefined,
      specialist: undefined,
      error: undefined,
    });
  });
});
