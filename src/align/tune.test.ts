import { describe, expect, it } from 'vitest';
import { type ChatModel, streamFromResult } from '../core/chat-model.js';
import type { EvalRecord } from '../task/dataset.js';
import type { Grader } from '../task/graders/index.js';
import { generateResult } from '../test-support/generate-result.js';
import type { LabelledItem } from './labels.js';
import { type RubricConfig, splitItems, tuneJudge } from './tune.js';

// Tuning's bookkeeping with a judge whose behaviour is a known function of its config, so what each
// candidate sees can be traced. The real-model run is in align.model.test.ts.
const items: LabelledItem[] = Array.from({ length: 40 }, (_, index) => {
  const pass = index % 3 !== 0;
  return {
    itemId: `item-${index}`,
    exampleId: `e${index}`,
    output: `output ${index} quality ${pass ? 'high' : 'low'}`,
    labels: [
      {
        itemId: `item-${index}`,
        exampleId: `e${index}`,
        output: `output ${index}`,
        outputB: undefined,
        annotator: 'expert',
        pass,
        score: pass ? 4 : 2,
        preference: undefined,
        critique: pass ? 'fine' : 'misses a plan item',
        labelledAt: undefined,
        meta: {},
        sourceFile: 'labels.jsonl',
        sourceLine: index + 1,
      },
    ],
    pass,
    score: pass ? 4 : 2,
  };
});
const records = new Map<string, EvalRecord>(
  items.map((item) => [
    item.exampleId,
    { id: item.exampleId, input: { note: 'n' }, reference: {}, output: undefined },
  ]),
);
const base: RubricConfig = {
  name: 'plan',
  type: 'llm-rubric',
  rubric: 'Is the plan faithful?',
  scale: '1-5',
  required: false,
  weight: 1,
  maxTokens: 64,
  repeat: 1,
  aggregate: 'mean',
};

describe('judge tuning', () => {
  it('splits stratified, disjoint and reproducibly', () => {
    const sets = splitItems(items, 7);
    const ids = (list: LabelledItem[]) => list.map((item) => item.itemId);
    expect(new Set([...ids(sets.train), ...ids(sets.dev), ...ids(sets.test)]).size).toBe(40);
    expect(sets.train.length + sets.dev.length + sets.test.length).toBe(40);
    const passShare = (list: LabelledItem[]) => list.filter((item) => item.pass).length / list.length;
    expect(Math.abs(passShare(sets.train) - passShare(sets.test))).toBeLessThan(0.1);
    expect(ids(splitItems(items, 7).dev)).toEqual(ids(sets.dev));
    expect(ids(splitItems(items, 8).dev)).not.toEqual(ids(sets.dev));
  });

  it('builds candidates from train only, picks on dev and touches test with two judges only (no leakage)', async () => {
    const seen = new Map<string, Set<string>>(); // candidate config → outputs it judged
    const makeGrader = async (config: RubricConfig): Promise<Grader> => {
      const key = JSON.stringify({ rubric: config.rubric, examples: config.examples?.length ?? 0 });
      return ({ output }) => {
        if (!seen.has(key)) seen.set(key, new Set());
        seen.get(key)!.add(output);
        // Always 3/5, so at the default pass line (4) it fails everything: κ undefined. The calibrated
        // line (3) passes everything. With few-shot examples it reads the quality word: perfect.
        const score = config.examples?.length ? (output.includes('high') ? 5 : 1) : 3;
        return {
          score: (score - 1) / 4,
          pass: score >= (config.passAt ?? 4),
          reason: 'r',
          details: { verdict: score },
        };
      };
    };
    const prompts: string[] = [];
    const proposer: ChatModel = {
      id: 'test:proposer',
      provider: 'openai',
      generate: async (messages) => {
        prompts.push(messages[0]!.content);
        return generateResult(
          JSON.stringify({ rubric: 'Pass only when every plan item of the note is kept.' }),
        );
      },
      stream: (messages, options) => streamFromResult(proposer.generate(messages, options)),
      close: async () => {},
    };
    const result = await tuneJudge({
      base,
      items,
      records,
      makeGrader,
      proposer,
      rewrites: 1,
      shots: 2,
      seed: 3,
      concurrency: 4,
    });
    const { train, dev, test } = result.sets;
    const outputsOf = (ids: string[]) =>
      new Set(ids.map((id) => items.find((item) => item.itemId === id)!.output));
    // Candidates came from train items only.
    for (const id of [...result.provenance.fewShot, ...result.provenance.rewrites])
      expect(train).toContain(id);
    for (const prompt of result.provenance.proposerPrompts)
      for (const id of [...dev, ...test])
        expect(prompt).not.toContain(items.find((item) => item.itemId === id)!.output);
    // The few-shot judge won on dev and is the only candidate besides the untuned one that saw test.
    expect(result.winner.name).toMatch(/^few-shot/);
    expect(result.candidates[0]!.name).toBe('untuned');
    const testOutputs = outputsOf(test);
    const sawTest = [...seen].filter(([, outputs]) => [...outputs].some((output) => testOutputs.has(output)));
    expect(sawTest.map(([key]) => JSON.parse(key))).toEqual([
      { rubric: base.rubric, examples: 0 },
      { rubric: base.rubric, examples: 2 },
    ]);
    expect(result.test.tuned.mean).toBe(1);
    expect(result.diagnosis).toContain(
      'the untuned judge said "fail" on every dev item (κ 0: no better than chance)',
    );
    expect(prompts).toHaveLength(1);
  });
});
