import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatModel } from '../../core/chat-model.js';
import { streamFromResult } from '../../core/chat-model.js';
import { generateResult } from '../../test-support/generate-result.js';
import { GraderError } from './grader.js';
import { pairwiseGrader } from './pairwise.js';
import { judgePair, summarisePairwise } from './pairwise-judge.js';

// The order logic with judges that follow fixed policies (the real model judges in the runner test).
function policyJudge(policy: (first: string, second: string) => '1' | '2' | 'tie' | 'garbage'): ChatModel {
  const judge: ChatModel = {
    id: 'test:judge',
    provider: 'openai',
    generate: async (messages: ChatMessage[]) => {
      const text = messages[0]!.content;
      const first = /Response 1:\n(.*)/.exec(text)![1]!;
      const second = /Response 2:\n(.*)/.exec(text)![1]!;
      const better = policy(first, second);
      return generateResult(better === 'garbage' ? 'nope' : JSON.stringify({ reasoning: 'r', better }));
    },
    stream: (messages, options) => streamFromResult(judge.generate(messages, options)),
    close: async () => {},
  };
  return judge;
}

const pair = { rubric: 'better answer', input: 'q', outputA: 'good', outputB: 'bad' };

describe('pairwise judging', () => {
  it('counts a verdict when both orders agree', async () => {
    const fair = policyJudge((first, second) => (first === 'good' ? '1' : second === 'good' ? '2' : 'tie'));
    expect(await judgePair(fair, pair)).toMatchObject({ winner: 'A', consistent: true, orders: ['A', 'A'] });
  });

  it('turns a position-biased judge into ties and reports its consistency', async () => {
    const alwaysFirst = policyJudge(() => '1');
    const verdict = await judgePair(alwaysFirst, pair);
    expect(verdict).toMatchObject({ winner: 'tie', consistent: false, orders: ['A', 'B'] });
    const fair = policyJudge((first) => (first === 'good' ? '1' : '2'));
    const summary = summarisePairwise([
      verdict,
      await judgePair(fair, pair),
      await judgePair(fair, { ...pair, outputA: 'bad', outputB: 'good' }),
    ]);
    expect(summary).toEqual({ pairs: 3, errors: 0, winsA: 1, winsB: 1, ties: 1, positionConsistency: 2 / 3 });
  });

  it('reports an unusable reply as a grader error', async () => {
    await expect(
      judgePair(
        policyJudge(() => 'garbage'),
        pair,
      ),
    ).rejects.toBeInstanceOf(GraderError);
  });
});

describe('the pairwise grader against a baseline', () => {
  const fair = policyJudge((first, second) => (first === 'good' ? '1' : second === 'good' ? '2' : 'tie'));
  const grade = pairwiseGrader(fair, { rubric: 'better answer', maxTokens: 64 });
  const context = (output: string, baseline?: string) => ({
    output,
    parsed: undefined,
    reference: undefined,
    input: { question: 'q' },
    ...(baseline !== undefined ? { baseline } : {}),
  });

  it('scores a win 1, a tie 0.5 and a loss 0, keeping both prompts and replies', async () => {
    const win = await grade(context('good', 'bad'));
    expect(win).toMatchObject({ score: 1, pass: true, details: { outcome: 'win', consistent: true } });
    expect(win.details?.prompts).toHaveLength(2);
    expect(win.details?.replies).toHaveLength(2);
    expect(await grade(context('meh', 'bad'))).toMatchObject({ score: 0.5, pass: true });
    expect(await grade(context('bad', 'good'))).toMatchObject({ score: 0, pass: false });
    const biased = pairwiseGrader(
      policyJudge(() => '1'),
      { rubric: 'x', maxTokens: 64 },
    );
    expect(await biased(context('good', 'bad'))).toMatchObject({
      score: 0.5,
      details: { consistent: false },
    });
  });

  it('is a grader error, not a loss, without a baseline output', async () => {
    await expect(Promise.resolve(grade(context('good')))).rejects.toBeInstanceOf(GraderError);
  });
});
