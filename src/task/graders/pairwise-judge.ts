import type { ChatModel } from '../../core/chat-model.js';
import { GraderError } from './grader.js';
import { reasoningSchema } from './llm-rubric.js';

/**
 * Pairwise judging: the judge sees the two outputs in both orders. A verdict counts only when both
 * orders name the same winner; otherwise it is a tie, and the pair counts against the judge's
 * position consistency (the share of pairs judged the same way in both orders).
 */
export type Side = 'A' | 'B' | 'tie';

export interface PairwiseVerdict {
  winner: Side;
  consistent: boolean;
  /** What each order said, mapped back to A/B: [A shown first, B shown first]. */
  orders: [Side, Side];
  reasoning: [string, string];
  /** The two judge prompts and raw replies, in the order asked. */
  prompts: [string, string];
  replies: [string, string];
  judgeUsage: { inputTokens: number; outputTokens: number };
  judgeCostUsd: number | null;
}

export async function judgePair(
  judge: ChatModel,
  options: { rubric: string; input: string; outputA: string; outputB: string; maxTokens?: number },
): Promise<PairwiseVerdict> {
  const schema = {
    type: 'object',
    properties: { reasoning: reasoningSchema(judge), better: { type: 'string', enum: ['1', '2', 'tie'] } },
    required: ['reasoning', 'better'],
    additionalProperties: false,
  };
  const ask = async (first: string, second: string) => {
    const prompt = [
      'Compare two responses to the same input. Give your reasoning in one or two sentences in "reasoning", then say which is better: "1", "2" or "tie".',
      `Criteria:\n${options.rubric.trim()}`,
      `Input:\n${options.input}`,
      `Response 1:\n${first}`,
      `Response 2:\n${second}`,
    ].join('\n\n');
    let reply: Awaited<ReturnType<ChatModel['generate']>>;
    try {
      reply = await judge.generate([{ role: 'user', content: prompt }], {
        temperature: 0,
        maxTokens: options.maxTokens ?? 256,
        jsonSchema: schema,
      });
    } catch (error) {
      throw new GraderError(`judge ${judge.id} failed: ${(error as Error).message}`, { cause: error });
    }
    const text = reply.text;
    try {
      const parsed = JSON.parse(text) as { reasoning?: unknown; better?: unknown };
      if (parsed.better !== '1' && parsed.better !== '2' && parsed.better !== 'tie')
        throw new Error('bad verdict');
      return { better: parsed.better, reasoning: String(parsed.reasoning ?? ''), prompt, reply };
    } catch {
      throw new GraderError(`pairwise judge reply is not a verdict: ${text.slice(0, 120)}`);
    }
  };
  const [aFirst, bFirst] = await Promise.all([
    ask(options.outputA, options.outputB),
    ask(options.outputB, options.outputA),
  ]);
  const first: Side = aFirst.better === 'tie' ? 'tie' : aFirst.better === '1' ? 'A' : 'B';
  const second: Side = bFirst.better === 'tie' ? 'tie' : bFirst.better === '1' ? 'B' : 'A';
  const consistent = first === second;
  return {
    winner: consistent ? first : 'tie',
    consistent,
    orders: [first, second],
    reasoning: [aFirst.reasoning, bFirst.reasoning],
    prompts: [aFirst.prompt, bFirst.prompt],
    replies: [aFirst.reply.text, bFirst.reply.text],
    judgeUsage: {
      inputTokens: aFirst.reply.usage.inputTokens + bFirst.reply.usage.inputTokens,
      outputTokens: aFirst.reply.usage.outputTokens + bFirst.reply.usage.outputTokens,
    },
    judgeCostUsd:
      aFirst.reply.costUsd === null || bFirst.reply.costUsd === null
        ? null
        : aFirst.reply.costUsd + bFirst.reply.costUsd,
  };
}

export interface PairwiseSummary {
  pairs: number;
  /** Pairs the judge could not decide (failed call or unusable reply); not counted as ties. */
  errors: number;
  winsA: number;
  winsB: number;
  ties: number;
  /** Share of pairs the judge decided the same way in both orders. */
  positionConsistency: number;
}

export function summarisePairwise(outcomes: (PairwiseVerdict | GraderError)[]): PairwiseSummary {
  const verdicts = outcomes.filter(
    (outcome): outcome is PairwiseVerdict => !(outcome instanceof GraderError),
  );
  const count = (side: Side) => verdicts.filter((verdict) => verdict.winner === side).length;
  return {
    pairs: outcomes.length,
    errors: outcomes.length - verdicts.length,
    winsA: count('A'),
    winsB: count('B'),
    ties: count('tie'),
    positionConsistency:
      verdicts.length === 0
        ? Number.NaN
        : verdicts.filter((verdict) => verdict.consistent).length / verdicts.length,
  };
}
