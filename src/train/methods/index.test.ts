import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpoConfigSchema, grpoConfigSchema, sftConfigSchema } from '../../core/train-config.js';
import { parseTask, type Task } from '../../task/task.js';
import type { ChatTokenizer } from '../chat-tokens.js';
import type { DataSource } from '../method.js';
import { methodFor, methodNamed, trainingMethods } from './index.js';

// What each method reads and hands to the specialist, before any model: a tokenizer that only
// records what it was given stands in for the serving template.

const tokenizer: ChatTokenizer = {
  tokenize: (id, prompt, completion) => ({
    id,
    tokens: [prompt.length, completion.length],
    weights: [0, 1],
    promptTokens: 1,
  }),
  promptTokens: () => [],
};

function workspaceTask(): Task {
  const root = mkdtempSync(join(tmpdir(), 'tailor-methods-'));
  const records = (prefix: string, count: number, reference = true) =>
    `${Array.from({ length: count }, (_, index) =>
      JSON.stringify({
        id: `${prefix}${index}`,
        input: { note: `${prefix} note ${index}` },
        ...(reference ? { reference: `${prefix} summary ${index}` } : {}),
      }),
    ).join('\n')}\n`;
  writeFileSync(join(root, 'train.jsonl'), records('t', 3));
  writeFileSync(join(root, 'validation.jsonl'), records('v', 2));
  writeFileSync(join(root, 'bare.jsonl'), records('b', 2, false));
  writeFileSync(
    join(root, 'pairs.jsonl'),
    `${Array.from({ length: 20 }, (_, index) =>
      JSON.stringify({ id: `p${index}`, input: { note: `pair ${index}` }, chosen: 'good', rejected: 'bad' }),
    ).join('\n')}\n`,
  );
  return parseTask(
    {
      name: 'notes',
      prompt: 'Summarise: {{note}}',
      output: { format: 'text' },
      data: { train: './train.jsonl', validation: './validation.jsonl', bare: './bare.jsonl' },
      graders: [{ name: 'any', type: 'regex', pattern: '.' }],
    },
    join(root, 'tailor.yaml'),
  );
}

const source = (task: Task, overrides: Partial<DataSource> = {}): DataSource => ({
  task,
  trainSplit: 'train',
  validationSplit: 'validation',
  limit: undefined,
  ...overrides,
});

describe('training methods', () => {
  it('are found by the name a request or a stored run gives', () => {
    const config = grpoConfigSchema.parse({});
    expect(methodFor({ kind: 'grpo', config, graders: [] })).toBe(trainingMethods.grpo);
    expect(methodNamed('sft')?.validationMetric).toBe('loss');
    expect(methodNamed('grpo')?.validationMetric).toBe('score');
    expect(methodNamed('toString')).toBeUndefined();
  });

  it('SFT reads the train and validation splits and checks validation examples first', () => {
    const task = workspaceTask();
    const request = { kind: 'sft' as const, config: sftConfigSchema.parse({}) };
    const data = trainingMethods.sft.prepare(request, source(task));
    // The plan for this data size follows the counts: what the defaults chose, said before training.
    expect(data.summary).toMatch(
      /^3 train, 2 validation examples; 5 epochs of 1 step = 5 steps \(chosen for 3 examples: .*\) of 8 examples;/,
    );
    expect(data.examples).toEqual({ train: 3, validation: 2 });
    expect(data.records).toHaveLength(5);
    expect(data.initFrom).toBeUndefined();
    const inputs = data.tokenize(tokenizer);
    expect(inputs.checkSequences.map((example) => example.id)).toEqual(['v0', 'v1', 't0', 't1', 't2']);
    expect(trainingMethods.sft.prepare(request, source(task, { limit: 2 })).examples.train).toBe(2);
    expect(() => trainingMethods.sft.prepare(request, source(task, { trainSplit: 'nope' }))).toThrow(
      'task.data has no split "nope" (has: train, validation, bare)',
    );
    expect(() => trainingMethods.sft.prepare(request, source(task, { trainSplit: 'bare' }))).toThrow(
      /record b0 has no reference to train on/,
    );
  });

  it('GRPO reads the same splits and continues a specialist', () => {
    const task = workspaceTask();
    const request = {
      kind: 'grpo' as const,
      config: grpoConfigSchema.parse({}),
      graders: [],
      initFrom: 'sft',
    };
    const data = trainingMethods.grpo.prepare(request, source(task));
    expect(data.summary).toBe('3 train, 2 validation examples');
    expect(data.initFrom).toBe('sft');
  });

  it('DPO reads its pairs file, not the splits, and checks chosen completions', () => {
    const task = workspaceTask();
    const request = {
      kind: 'dpo' as const,
      config: dpoConfigSchema.parse({}),
      pairsFile: join(task.root, 'pairs.jsonl'),
      initFrom: 'sft',
    };
    const data = trainingMethods.dpo.prepare(request, source(task, { limit: 12 }));
    expect(data.summary).toBe('12 preference pairs');
    expect(data.examples).toEqual({ train: 0, validation: 0 });
    expect(data.initFrom).toBe('sft');
    const inputs = data.tokenize(tokenizer);
    expect(inputs.checkSequences.map((example) => example.id)).toEqual(
      Array.from({ length: 12 }, (_, index) => `p${index}:chosen`),
    );
  });
});
