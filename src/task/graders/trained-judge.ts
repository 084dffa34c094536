import type { Grader } from './grader.js';

/**
 * A judge trained on expert labels (`tailor align train`): its score is the probability that the
 * experts would pass the output, and it passes from `passAt`. The scorer (the probe's base model and
 * head) comes from the command that grades: see src/align/trained-judges.ts.
 */
export function trainedJudgeGrader(
  scorer: (input: Record<string, unknown>, output: string) => Promise<number>,
  passAt: number,
): Grader {
  return async ({ input, output }) => {
    const probability = await scorer(input, output);
    return {
      score: probability,
      pass: probability >= passAt,
      reason: `the experts would pass it with probability ${probability.toFixed(3)} (passes from ${passAt})`,
    };
  };
}
