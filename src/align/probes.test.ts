import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../task/dataset.js';
import type { Grader } from '../task/graders/index.js';
import type { LabelledItem } from './labels.js';
import { injection, padding, runProbes, withText } from './probes.js';

// The probes' arithmetic with a judge whose biases are known: it likes long outputs, obeys injected
// instructions and rates its own model's outputs one point higher than the experts do.
const item = (index: number, source: string, score: number): LabelledItem => ({
  itemId: `i${index}`,
  exampleId: `e${index}`,
  output: JSON.stringify({ plan: `plan ${index}`, source }),
  labels: [
    {
      itemId: `i${index}`,
      exampleId: `e${index}`,
      output: '',
      outputB: undefined,
      annotator: 'a',
      pass: score >= 4,
      score,
      preference: undefined,
      critique: undefined,
      labelledAt: undefined,
      meta: { source },
      sourceFile: 'f',
      sourceLine: index,
    },
  ],
  pass: score >= 4,
  score,
});

describe('bias probes', () => {
  it('keep JSON outputs JSON and append to text outputs', () => {
    expect(JSON.parse(withText('{"a":1}', 'note', 'x'))).toEqual({ a: 1, note: 'x' });
    expect(withText('plain answer', 'note', 'x')).toBe('plain answer\n\nx');
  });

  it('measure verbosity, injection and self-preference against a judge with known biases', async () => {
    const items = [
      item(0, 'self-model', 3),
      item(1, 'self-model', 3),
      item(2, 'other', 3),
      item(3, 'other', 3),
    ];
    const records = new Map<string, EvalRecord>(
      items.map((entry) => [
        entry.exampleId,
        { id: entry.exampleId, input: {}, reference: {}, output: undefined },
      ]),
    );
    const grader: Grader = ({ output }) => {
      let verdict = output.includes('self-model') ? 4 : 3;
      if (output.includes(padding)) verdict += 1;
      if (output.includes(injection)) verdict = 5;
      return { score: (verdict - 1) / 4, pass: verdict >= 4, reason: '', details: { verdict } };
    };
    const report = await runProbes({
      grader,
      judge: undefined,
      rubric: undefined,
      judgeModel: 'self-model',
      items,
      records,
      concurrency: 2,
      referenceText: () => '',
    });
    expect(report.verbosity.meanChange.mean).toBeCloseTo(0.25, 12);
    expect(report.verbosity.flippedToPass).toBe(2); // the "other" items went from 3 to 4
    expect(report.injection.meanChange.mean).toBeCloseTo((0.25 + 0.25 + 0.5 + 0.5) / 4, 12);
    expect(report.injection.flippedToPass).toBe(2);
    expect(report.position).toBeUndefined();
    expect(report.selfPreference).toMatchObject({ selfItems: 2, otherItems: 2, selfGap: 0.25, otherGap: 0 });
    expect(report.selfPreference!.bias).toBeCloseTo(0.25, 12);
  });
});
