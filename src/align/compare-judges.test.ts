import { describe, expect, it } from 'vitest';
import type { EvalRecord } from '../task/dataset.js';
import { passLabel } from '../test-support/labels.js';
import { compareJudges } from './compare-judges.js';
import type { JudgeVersion } from './judge-versions.js';
import { labelledItems } from './labels.js';

// The comparison's bookkeeping with deterministic judges: which items, what each judge is scored on,
// what a tuned judge had already seen. The judges on the real default model: train-judge.model.test.ts.

const label = (itemId: string, annotator: string, pass: boolean) =>
  passLabel(itemId, annotator, pass, itemId.endsWith('good') ? 'good answer' : 'bad answer');

const version = (name: string, sets: { train: string[]; dev: string[]; test: string[] }): JudgeVersion => ({
  name,
  version: 1,
  config: { type: 'probe' } as JudgeVersion['config'],
  parentVersion: undefined,
  lineage: { sets },
  createdAt: '2026-12-03T00:00:00Z',
});

describe('judges compared on held-out items', () => {
  const ids = Array.from({ length: 12 }, (_, index) => `item-${index}-${index % 2 === 0 ? 'good' : 'bad'}`);
  const labels = ids.flatMap((id) =>
    ['a', 'b', 'c'].map((annotator) => label(id, annotator, id.endsWith('good'))),
  );
  const items = labelledItems(labels);
  const records = new Map<string, EvalRecord>(
    ids.map((id) => [
      `example-${id}`,
      { id: `example-${id}`, input: { q: id }, reference: undefined, output: undefined },
    ]),
  );
  const heldOut = ids.slice(0, 8);
  const trained = version('expert-verdict', { train: ids.slice(8, 10), dev: ids.slice(10), test: heldOut });
  const tuned = version('plan', { train: ids.slice(0, 3), dev: ids.slice(3, 4), test: ids.slice(4) });

  it('runs every judge on the trained judge’s held-out items and says which ones a tuned judge saw', async () => {
    const seen: string[][] = [[], []];
    const comparison = await compareJudges({
      heldOutOf: trained,
      judges: [
        {
          kind: 'rubric',
          label: 'always pass',
          version: undefined,
          grader: ({ input }) => {
            seen[0]!.push(String(input.q));
            return { score: 1, pass: true, reason: '' };
          },
        },
        {
          kind: 'tuned rubric',
          label: 'reads the output',
          version: tuned,
          grader: ({ output }) => ({ score: 1, pass: output === 'good answer', reason: '' }),
        },
        {
          kind: 'trained probe',
          label: 'probability',
          version: trained,
          score: async (input) => {
            seen[1]!.push(String(input.q));
            return String(input.q).endsWith('good') ? 0.9 : 0.2;
          },
          passAt: 0.5,
        },
      ],
      labels,
      items,
      records,
      concurrency: 2,
    });
    expect(comparison.items).toBe(8);
    expect(new Set(seen[0])).toEqual(new Set(heldOut));
    expect(new Set(seen[1])).toEqual(new Set(heldOut));
    const [always, reads, probe] = comparison.columns;
    expect(always!.items).toBe(8);
    // Passing everything agrees with the experts on half the items: κ 0.
    expect(always!.kappa.mean).toBeCloseTo(0, 10);
    expect(always!.truePositiveRate.mean).toBe(1);
    expect(always!.trueNegativeRate.mean).toBe(0);
    expect(always!.auroc).toBeUndefined();
    expect(reads!.kappa.mean).toBe(1);
    // The tuned judge tuned on items 0–3, all among the held-out ones.
    expect(reads!.seen).toBe(4);
    expect(probe!.seen).toBe(0);
    expect(probe!.auroc!.mean).toBe(1);
  });

  it('takes a seeded sample of the held-out items with a limit, and refuses a judge that holds none out', async () => {
    const grader = () => ({ score: 1, pass: true, reason: '' });
    const sample = await compareJudges({
      heldOutOf: trained,
      judges: [{ kind: 'rubric', label: 'x', version: undefined, grader }],
      labels,
      items,
      records,
      concurrency: 1,
      limit: 3,
    });
    expect(sample.items).toBe(3);
    expect(sample.columns[0]!.items).toBe(3);
    await expect(
      compareJudges({
        heldOutOf: { ...trained, lineage: {} },
        judges: [],
        labels,
        items,
        records,
        concurrency: 1,
      }),
    ).rejects.toThrow('records no held-out test items');
  });
});
