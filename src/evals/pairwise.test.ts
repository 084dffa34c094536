import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatModel } from '../spec/chat-model.js';
import { streamFromResult } from '../spec/chat-model.js';
import { generateResult } from '../test-support/generate-result.js';
import { GraderError } from './graders/grader.js';
import { judgePair, summarisePairwise } from './pairwise.js';

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
