import { describe, expect, it } from 'vitest';
import { trainedJudgeGrader } from './trained-judge.js';

describe('the trained-judge grader', () => {
  it("scores the scorer's probability and passes from passAt, reading the input and the raw output", async () => {
    const seen: Array<[Record<string, unknown>, string]> = [];
    const grader = trainedJudgeGrader(async (input, output) => {
      seen.push([input, output]);
      return output.length / 10;
    }, 0.5);
    const context = { parsed: undefined, reference: undefined, input: { note: 'n' } };
    expect(await grader({ ...context, output: '123456' })).toEqual({
      score: 0.6,
      pass: true,
      reason: 'the experts would pass it with probability 0.600 (passes from 0.5)',
    });
    expect(await grader({ ...context, output: '1234' })).toMatchObject({ score: 0.4, pass: false });
    expect(seen).toEqual([
      [{ note: 'n' }, '123456'],
      [{ note: 'n' }, '1234'],
    ]);
  });
});
