import type { ChatModel } from '../../core/chat-model.js';
import { type Grade, type Grader, GraderError, inputText } from './grader.js';
import { judgePair } from './pairwise-judge.js';

/**
 * Pairwise judge against a baseline: the output under test (B) and the baseline's output for the same
 * example (A, e.g. the incumbent or the base model) are judged in both orders. Score 1 for a win, 0.5
 * for a tie or an order-dependent verdict, 0 for a loss; passes unless it loses. Without a baseline
 * output the grader cannot run, which is a grader error, not a loss.
 */
export function pairwiseGrader(judge: ChatModel, options: { rubric: string; maxTokens: number }): Grader {
  return async ({ output, input, baseline }): Promise<Grade> => {
    if (baseline === undefined)
      throw new GraderError('no baseline output for this example (pass --baseline <run id | outputs.jsonl>)');
    const verdict = await judgePair(judge, {
      rubric: options.rubric,
      input: inputText(input),
      outputA: baseline,
      outputB: output,
      maxTokens: options.maxTokens,
    });
    const outcome = verdict.winner === 'B' ? 'win' : verdict.winner === 'A' ? 'loss' : 'tie';
    return {
      score: outcome === 'win' ? 1 : outcome === 'tie' ? 0.5 : 0,
      pass: outcome !== 'loss',
      reason: verdict.consistent
        ? `${outcome} against the baseline: ${verdict.reasoning[0]}`
        : 'tie: the verdict changed when the order was swapped',
      details: {
        judge: judge.id,
        outcome,
        consistent: verdict.consistent,
        orders: verdict.orders,
        prompts: verdict.prompts,
        replies: verdict.replies,
        judgeUsage: verdict.judgeUsage,
        judgeCostUsd: verdict.judgeCostUsd,
      },
    };
  };
}
