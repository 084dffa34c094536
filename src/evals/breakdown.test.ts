import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../task/dataset.js';
import { scoresByGroup } from './breakdown.js';
import type { ExampleResult } from './runner.js';

const record = (id: string, reference: unknown, input: Record<string, unknown> = {}): EvalRecord => ({
  id,
  input,
  reference,
  output: undefined,
});
const result = (exampleId: string, score: number): ExampleResult => ({
  exampleId,
  output: '',
  inputTokens: 0,
  outputTokens: 0,
  latencyMs: 0,
  costUsd: 0,
  grades: {},
  score,
  pass: score >= 0.8,
});

describe('scores by group', () => {
  const records = [
    record('a', { label: 'refund' }, { site: 'north' }),
    record('b', { label: 'refund' }, { site: 'south' }),
    record('c', { label: 'delivery' }, { site: 'north' }),
    record('d', { other: 1 }),
  ];
  const results = [result('a', 1), result('b', 0.5), result('c', 0), result('d', 1)];

  it('groups by a reference field, largest group first, with the missing field as (none)', () => {
    const groups = scoresByGroup(records, results, 'label');
    expect(groups.map((group) => [group.group, group.examples, group.score.mean, group.passRate])).toEqual([
      ['refund', 2, 0.75, 0.5],
      ['(none)', 1, 1, 1],
      ['delivery', 1, 0, 0],
    ]);
    expect(scoresByGroup(records, results, 'reference.label')).toEqual(groups);
  });

  it('groups by an input field when the path starts with input.', () => {
    const groups = scoresByGroup(records, results, 'input.site');
    expect(groups.map((group) => [group.group, group.examples])).toEqual([
      ['north', 2],
      ['(none)', 1],
      ['south', 1],
    ]);
  });
});
