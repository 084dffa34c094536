import type { ChatModel } from '../../spec/chat-model.js';
import { valueAt } from '../task.js';
import { type Grader, GraderError } from './grader.js';

/**
 * Pointwise rubric judge: the judge writes its reasoning first, then a verdict forced by a JSON
 * schema. Scale 1–5 maps to a score of (s − 1) / 4 and passes at 4 or more; binary passes on "pass".
 * An unparsable or failed judge call is a grader error, not a failing output.
 */
export function llmRubricGrader(
  judge: ChatModel,
  options: { rubric: string; scale: 'binary' | '1-5'; reference: string | undefined; maxTokens: number },
): Grader {
  const verdict =
    options.scale === 'binary'
      ? { type: 'string', enum: ['pass', 'fail'] }
      : { type: 'integer', minimum: 1, maximum: 5 };
  const schema = {
    type: 'object',
    properties: { reasoning: { type: 'string' }, verdict },
    required: ['reasoning', 'verdict'],
    additionalProperties: false,
  };
  return async ({ output, reference, input }) => {
    const referenceValue = options.reference ? valueAt(reference, options.reference) : undefined;
    const prompt = [
      'You are grading a response against a rubric. Think step by step in "reasoning", then give "verdict".',
      `Rubric:\n${options.rubric.trim()}`,
      `Input:\n${typeof input === 'object' ? Object.values(input).map(String).join('\n') : String(input)}`,
      ...(referenceValue !== undefined
        ? [
            `Reference answer:\n${typeof referenceValue === 'string' ? referenceValue : JSON.stringify(referenceValue)}`,
          ]
        : []),
      `Response to grade:\n${output}`,
      options.scale === 'binary'
        ? 'Verdict: "pass" or "fail".'
        : 'Verdict: an integer from 1 (worst) to 5 (best).',
    ].join('\n\n');
    let reply: Awaited<ReturnType<ChatModel['generate']>>;
    try {
      reply = await judge.generate([{ role: 'user', content: prompt }], {
        temperature: 0,
        maxTokens: 400,
        jsonSchema: schema,
      });
    } catch (error) {
      throw new GraderError(`judge ${judge.id} failed: ${(error as Error).message}`, { cause: error });
    }
    let parsed: { reasoning?: unknown; verdict?: unknown };
    try {
      parsed = JSON.parse(reply.text) as typeof parsed;
    } catch {
      throw new GraderError(`judge reply is not JSON: ${reply.text.slice(0, 120)}`);
    }
    const judgeUsage = {
      judge: judge.id,
      prompt,
      reply: reply.text,
      usage: reply.usage,
      costUsd: reply.costUsd,
    };
    if (options.scale === 'binary') {
      if (parsed.verdict !== 'pass' && parsed.verdict !== 'fail')
        throw new GraderError(`judge verdict ${String(parsed.verdict)} is not pass/fail`);
      const pass = parsed.verdict === 'pass';
      return { score: pass ? 1 : 0, pass, reason: String(parsed.reasoning ?? ''), details: judgeUsage };
    }
    const value = Number(parsed.verdict);
    if (!Number.isInteger(value) || value < 1 || value > 5)
      throw new GraderError(`judge verdict ${String(parsed.verdict)} is not 1–5`);
    return {
      score: (value - 1) / 4,
      pass: value >= 4,
      reason: String(parsed.reasoning ?? ''),
      details: { ...judgeUsage, verdict: value },
    };
  };
}
