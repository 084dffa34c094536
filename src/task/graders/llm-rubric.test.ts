import { describe, expect, it } from 'vitest';
import type { ChatModel, GenerateResult } from '../../core/chat-model.js';
import { streamFromResult } from '../../core/chat-model.js';
import { generateResult } from '../../test-support/generate-result.js';
import { GraderError } from './grader.js';
import { llmRubricGrader } from './llm-rubric.js';

// How verdicts are combined and failures classified; the judge here replays fixed replies (the real
// model as judge is exercised in runner.model.test.ts).
function replayingJudge(replies: string[]): ChatModel {
  let call = 0;
  const result = (text: string): GenerateResult =>
    generateResult(text, { model: 'test:judge', inputTokens: 50, outputTokens: 5, costUsd: 0.001 });

  const judge: ChatModel = {
    id: 'test:judge',
    provider: 'openai',
    generate: async () => result(replies[call++ % replies.length]!),
    stream: (messages, options) => streamFromResult(judge.generate(messages, options)),
    close: async () => {},
  };
  return judge;
}

const context = {
  output: '{"plan":"x"}',
  parsed: { plan: 'x' },
  reference: { plan: 'x' },
  input: { note: 'n' },
};
const base = { rubric: 'Is the plan faithful?', scale: '1-5' as const, reference: 'plan', maxTokens: 64 };
const verdict = (value: number | string) => JSON.stringify({ reasoning: `because ${value}`, verdict: value });

describe('llm-rubric grader', () => {
  it('maps a 1–5 verdict to a score and passes at 4', async () => {
    const grade = await llmRubricGrader(replayingJudge([verdict(4)]), {
      ...base,
      repeat: 1,
      aggregate: 'mean',
    })(context);
    expect(grade).toMatchObject({ score: 0.75, pass: true, reason: 'because 4' });
    expect(grade.details).toMatchObject({ verdict: 4, spread: 0, judgeCostUsd: 0.001 });
  });

  it('combines repeated verdicts by mean or majority and records the spread', async () => {
    const replies = [verdict(5), verdict(2), verdict(4)];
    const mean = await llmRubricGrader(replayingJudge(replies), { ...base, repeat: 3, aggregate: 'mean' })(
      context,
    );
    expect(mean.score).toBeCloseTo((1 + 0.25 + 0.75) / 3, 12);
    expect(mean.details).toMatchObject({ verdict: [5, 2, 4], spread: 0.75 });
    const majority = await llmRubricGrader(replayingJudge(replies), {
      ...base,
      repeat: 3,
      aggregate: 'majority',
    })(context);
    expect(majority).toMatchObject({ score: 1, pass: true });
  });

  it('turns unparsable or out-of-range replies into grader errors, not failing grades', async () => {
    const options = { ...base, repeat: 1, aggregate: 'mean' as const };
    await expect(llmRubricGrader(replayingJudge(['not json']), options)(context)).rejects.toBeInstanceOf(
      GraderError,
    );
    await expect(llmRubricGrader(replayingJudge([verdict(9)]), options)(context)).rejects.toThrow(/not 1–5/);
    const binary = await llmRubricGrader(replayingJudge([verdict('fail')]), { ...options, scale: 'binary' })(
      context,
    );
    expect(binary).toMatchObject({ score: 0, pass: false });
  });
});
