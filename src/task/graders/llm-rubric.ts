import type { ChatModel } from '../../core/chat-model.js';
import { valueAt } from '../template.js';
import { type Grade, type Grader, GraderError, inputText } from './grader.js';

export interface RubricOptions {
  rubric: string;
  scale: 'binary' | '1-5';
  reference: string | undefined;
  maxTokens: number;
  /** Judge samples per output; with more than one the judge samples at temperature 1 with seeds 0..k-1. */
  repeat: number;
  aggregate: 'mean' | 'majority';
  /** 1–5 scale: the verdict from which an output passes (default 4). */
  passAt?: number | undefined;
  /** Expert-graded examples shown before the response. */
  examples?:
    | { output: string; verdict: number | 'pass' | 'fail'; critique?: string | undefined }[]
    | undefined;
}

/**
 * Local judges decode under a grammar, and small ones can ramble in "reasoning" until the token cap
 * cuts the JSON off before the verdict (a grader error). Bounding the string in the grammar makes
 * the verdict always arrive; API judges get the plain schema (not every provider takes maxLength).
 */
export const maxReasoningChars = 400;
export function reasoningSchema(judge: ChatModel): Record<string, unknown> {
  return judge.provider === 'llama' ? { type: 'string', maxLength: maxReasoningChars } : { type: 'string' };
}

/** Few-shot outputs are cut so a handful of examples fits the judge's context with the real input. */
const exampleChars = 700;

/**
 * Pointwise rubric judge: the judge writes its reasoning first, then a verdict forced by a JSON
 * schema. Scale 1–5 maps to a score of (s − 1) / 4 and passes at 4 or more; binary passes on "pass".
 * With `repeat: k` the verdicts are combined by mean or majority and their spread is recorded. An
 * unparsable or failed judge call is a grader error, not a failing output.
 */
export function llmRubricGrader(judge: ChatModel, options: RubricOptions): Grader {
  const verdictSchema =
    options.scale === 'binary'
      ? { type: 'string', enum: ['pass', 'fail'] }
      : judge.provider === 'llama'
        ? { enum: [1, 2, 3, 4, 5] } // llama.cpp's JSON grammar ignores minimum/maximum; an enum it enforces
        : { type: 'integer', minimum: 1, maximum: 5 };
  const schema = {
    type: 'object',
    properties: { reasoning: reasoningSchema(judge), verdict: verdictSchema },
    required: ['reasoning', 'verdict'],
    additionalProperties: false,
  };
  const toScore = (verdict: unknown): number => {
    if (options.scale === 'binary') {
      if (verdict !== 'pass' && verdict !== 'fail')
        throw new GraderError(`judge verdict ${String(verdict)} is not pass/fail`);
      return verdict === 'pass' ? 1 : 0;
    }
    const value = Number(verdict);
    if (!Number.isInteger(value) || value < 1 || value > 5)
      throw new GraderError(`judge verdict ${String(verdict)} is not 1–5`);
    return (value - 1) / 4;
  };

  return async ({ output, reference, input }): Promise<Grade> => {
    const prompt = rubricPrompt(options, { output, reference, input });
    const sampling = options.repeat > 1 ? { temperature: 1 } : { temperature: 0 };
    const replies = await Promise.all(
      Array.from({ length: options.repeat }, async (_, index) => {
        try {
          return await judge.generate([{ role: 'user', content: prompt }], {
            ...sampling,
            seed: index,
            maxTokens: options.maxTokens,
            jsonSchema: schema,
          });
        } catch (error) {
          throw new GraderError(`judge ${judge.id} failed: ${(error as Error).message}`, { cause: error });
        }
      }),
    );
    const verdicts = replies.map((reply) => {
      let parsed: { reasoning?: unknown; verdict?: unknown };
      try {
        parsed = JSON.parse(reply.text) as typeof parsed;
      } catch {
        throw new GraderError(`judge reply is not JSON: ${reply.text.slice(0, 120)}`);
      }
      return {
        reasoning: String(parsed.reasoning ?? ''),
        verdict: parsed.verdict,
        score: toScore(parsed.verdict),
      };
    });
    const scores = verdicts.map((entry) => entry.score);
    const mean = scores.reduce((sum, value) => sum + value, 0) / scores.length;
    // The 0–1 score from which a verdict passes: (passAt − 1) / 4 on the 1–5 scale, "pass" on binary.
    const passScore = options.scale === 'binary' ? 1 : ((options.passAt ?? 4) - 1) / 4;
    const passing = scores.filter((value) => value >= passScore - 1e-9).length;
    const score = options.aggregate === 'majority' ? (passing * 2 > scores.length ? 1 : 0) : mean;
    const judgeCostUsd = replies.every((reply) => reply.costUsd !== null)
      ? replies.reduce((sum, reply) => sum + (reply.costUsd ?? 0), 0)
      : null;
    return {
      score,
      pass: options.aggregate === 'majority' ? score === 1 : score >= passScore - 1e-9,
      reason: verdicts[0]!.reasoning,
      details: {
        judge: judge.id,
        prompt,
        replies: replies.map((reply) => reply.text),
        verdict: verdicts.length === 1 ? verdicts[0]!.verdict : verdicts.map((entry) => entry.verdict),
        spread: Math.max(...scores) - Math.min(...scores),
        judgeUsage: {
          inputTokens: replies.reduce((sum, reply) => sum + reply.usage.inputTokens, 0),
          outputTokens: replies.reduce((sum, reply) => sum + reply.usage.outputTokens, 0),
        },
        judgeCostUsd,
      },
    };
  };
}

/**
 * The judge's prompt for one output: what the rubric judge sends, and what a judge trained on the
 * experts' labels (`tailor align train --method lora`) learns to answer, so the two cannot drift.
 */
export function rubricPrompt(
  options: Pick<RubricOptions, 'rubric' | 'scale' | 'reference' | 'examples'>,
  { output, reference, input }: { output: string; reference: unknown; input: Record<string, unknown> },
): string {
  const referenceValue = options.reference ? valueAt(reference, options.reference) : undefined;
  return [
    `You are grading a response against a rubric. Give your reasoning in "reasoning" (at most three sentences), then "verdict".`,
    `Rubric:\n${options.rubric.trim()}`,
    `Input:\n${inputText(input)}`,
    ...(referenceValue !== undefined
      ? [
          `Reference answer:\n${typeof referenceValue === 'string' ? referenceValue : JSON.stringify(referenceValue)}`,
        ]
      : []),
    ...(options.examples?.length
      ? [
          `Examples graded by experts:\n${options.examples
            .map(
              (example, index) =>
                `Example ${index + 1} response:\n${example.output.length > exampleChars ? `${example.output.slice(0, exampleChars)}…` : example.output}\nExpert verdict: ${example.verdict}${example.critique ? ` (${example.critique})` : ''}`,
            )
            .join('\n\n')}`,
        ]
      : []),
    `Response to grade:\n${output}`,
    options.scale === 'binary'
      ? 'Verdict: "pass" or "fail".'
      : 'Verdict: an integer from 1 (worst) to 5 (best).',
  ].join('\n\n');
}
