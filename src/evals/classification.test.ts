import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../task/dataset.js';
import { classificationReport } from './classification.js';
import type { ExampleResult } from './runner.js';

const record = (id: string, reference: unknown): EvalRecord => ({
  id,
  input: {},
  reference,
  output: undefined,
});
const result = (exampleId: string, output: string): ExampleResult => ({
  exampleId,
  output,
  inputTokens: 0,
  outputTokens: 0,
  latencyMs: 0,
  costUsd: 0,
  grades: {},
  score: 0,
  pass: false,
});
const said = (label: string) => JSON.stringify({ sentiment: label });

describe('classification report', () => {
  // truth:     pos pos pos neg neg       neu
  // predicted: pos pos neg neg (not JSON) pos
  const truths = ['positive', 'positive', 'positive', 'negative', 'negative', 'neutral'];
  const records = truths.map((label, index) => record(`r${index}`, { sentiment: label }));
  const outputs = [
    said('positive'),
    said('Positive '),
    said('negative'),
    said('negative'),
    'oops',
    said('positive'),
  ];
  const results = outputs.map((output, index) => result(`r${index}`, output));

  it('gives per-class precision, recall and F1, and their macro and weighted means, over the whole set', () => {
    const report = classificationReport(records, results, 'sentiment');
    expect(report.examples).toBe(6);
    expect(report.unlabelled).toBe(1);
    const byLabel = Object.fromEntries(report.classes.map((score) => [score.label, score]));
    expect(report.classes.map((score) => score.label)).toEqual(['positive', 'negative', 'neutral']);
    expect(byLabel.positive).toMatchObject({ support: 3, predicted: 3 });
    expect(byLabel.positive!.f1).toBeCloseTo(2 / 3, 10);
    expect(byLabel.negative).toMatchObject({
      support: 2,
      predicted: 2,
      precision: 0.5,
      recall: 0.5,
      f1: 0.5,
    });
    // Never predicted: precision 0 rather than undefined, so it pulls the macro mean down.
    expect(byLabel.neutral).toMatchObject({ support: 1, predicted: 0, precision: 0, recall: 0, f1: 0 });
    expect(report.accuracy.mean).toBeCloseTo(0.5, 10);
    expect(report.macroF1.mean).toBeCloseTo((2 / 3 + 0.5 + 0) / 3, 10);
    expect(report.weightedF1.mean).toBeCloseTo((3 * (2 / 3) + 2 * 0.5) / 6, 10);
    expect(report.macroF1.low).toBeLessThanOrEqual(report.macroF1.mean);
    expect(report.macroF1.high).toBeGreaterThanOrEqual(report.macroF1.mean);
    expect(report.confusion).toEqual({
      positive: { positive: 2, negative: 1 },
      negative: { negative: 1, '(none)': 1 },
      neutral: { positive: 1 },
    });
  });

  it('leaves out examples whose reference has no label, and is perfect when every label is right', () => {
    const withUnlabelled = [...records, record('x', { other: 1 })];
    const right = [
      ...truths.map((label, index) => result(`r${index}`, said(label))),
      result('x', said('positive')),
    ];
    const report = classificationReport(withUnlabelled, right, 'sentiment');
    expect(report.examples).toBe(6);
    expect([report.accuracy.mean, report.macroF1.mean, report.weightedF1.mean]).toEqual([1, 1, 1]);
  });
});
