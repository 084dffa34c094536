import { describe, expect, it } from 'vitest';
import { GraderError, parseJson } from './grader.js';
import { setF1Grader } from './set-f1.js';

const grade = (grader: ReturnType<typeof setF1Grader>, output: string, reference: unknown) =>
  grader({ output, parsed: parseJson(output), reference, input: {} });

describe('set-f1', () => {
  const reference = { city: ['Paris', 'Lyon'], date: 'monday', airline: [] };

  it('scores per-key sets of values, order and case free', () => {
    const grader = setF1Grader(undefined, 'lowercase', 'micro', 1);
    expect(grade(grader, '{"date": "Monday", "city": ["lyon", "paris"]}', reference)).toMatchObject({
      score: 1,
      pass: true,
    });
    // 2 hits of 3 expected values, 1 extra: precision 2/3, recall 2/3.
    const partial = grade(grader, '{"city": ["Paris", "Nice"], "date": ["monday"]}', reference);
    expect(partial.score).toBeCloseTo(2 / 3, 10);
    expect(partial.pass).toBe(false);
    expect(partial.details).toMatchObject({ missing: { city: ['lyon'] } });
    // A value under the wrong key is both a miss and an extra.
    expect(grade(grader, '{"date": ["paris", "lyon"]}', reference).score).toBeCloseTo(0, 10);
  });

  it('macro averages the keys that hold a value on either side', () => {
    const grader = setF1Grader(undefined, 'lowercase', 'macro', 0.5);
    // city: precision 1, recall 1/2, F1 2/3; date: F1 1; airline is empty on both sides and left out.
    const result = grade(grader, '{"city": ["paris"], "date": "monday"}', reference);
    expect(result.score).toBeCloseTo((2 / 3 + 1) / 2, 10);
    expect(result.pass).toBe(true);
  });

  it('keeps case when asked, reads a nested path, and tells a bad output from a bad reference', () => {
    const exact = setF1Grader('slots', 'none', 'micro', 1);
    expect(grade(exact, '{"slots": {"city": ["paris"]}}', { slots: { city: ['Paris'] } }).score).toBe(0);
    expect(grade(exact, '{"slots": {}}', { slots: {} })).toMatchObject({ score: 1, reason: 'both empty' });
    expect(grade(exact, 'not json', { slots: { city: ['Paris'] } })).toMatchObject({ score: 0, pass: false });
    expect(() => grade(exact, '{"slots": {}}', { other: 1 })).toThrow(GraderError);
  });
});
