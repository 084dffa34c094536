import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWorkspace } from '../store/workspace.js';
import { humanAgreement } from './agreement.js';
import { importLabels, LabelsError, labelledItems, listLabels, parseLabelFile } from './labels.js';

const workspace = () => {
  const root = mkdtempSync(join(tmpdir(), 'tailor-labels-'));
  writeFileSync(join(root, 'tailor.yaml'), 'version: 1\n');
  return { root, workspace: openWorkspace(root) };
};
const line = (fields: Record<string, unknown>) => JSON.stringify(fields);

describe('label files', () => {
  it('reads JSONL and CSV, keeps unknown columns as metadata, and names bad rows by line', () => {
    const { root } = workspace();
    const jsonl = join(root, 'labels.jsonl');
    writeFileSync(
      jsonl,
      [
        line({ example_id: 'e1', output: 'A', annotator: 'ann', pass: true, score: 5, source: 'incumbent' }),
        'not json',
        line({ example_id: 'e2', output: 'B', annotator: 'ann', score: 9 }),
        line({ example_id: 'e3', output: 'C', annotator: 'ann' }),
        line({ example_id: 'e4', output: 'D', annotator: 'ann', preference: 'B' }),
        line({ example_id: 'e1', output: 'A', annotator: 'ann', pass: false }),
        line({ id: 'e5', output: 'E', annotator: 'ann', label: 'fail', time: 'yesterday' }),
      ].join('\n'),
    );
    const { labels, problems } = parseLabelFile(jsonl);
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatchObject({
      exampleId: 'e1',
      pass: true,
      score: 5,
      meta: { source: 'incumbent' },
      sourceLine: 1,
    });
    expect(problems.map((problem) => `${problem.line}: ${problem.message}`)).toEqual([
      expect.stringMatching(/^2: not JSON/),
      '3: field "score" must be an integer from 1 to 5, got 9',
      '4: no label: give at least one of "pass", "score" or "preference"',
      '5: field "output_b" is required with a preference',
      '6: annotator "ann" already labelled this item on line 1',
      '7: field "time" must be an ISO 8601 date, got "yesterday"',
    ]);
    const csv = join(root, 'labels.csv');
    writeFileSync(
      csv,
      'example_id,output,annotator,pass,score,critique\ne1,"{""a"": 1}",ann,fail,2,"wrong, badly"\n',
    );
    expect(parseLabelFile(csv).labels[0]).toMatchObject({
      output: '{"a": 1}',
      pass: false,
      score: 2,
      critique: 'wrong, badly',
      sourceLine: 2,
    });
  });

  it('imports nothing from a file with errors unless told to skip them, then lists the skipped lines', () => {
    const { root, workspace: opened } = workspace();
    const path = join(root, 'labels.jsonl');
    writeFileSync(
      path,
      [
        line({ example_id: 'e1', output: 'A', annotator: 'x', pass: true }),
        line({ example_id: 'e2', output: 'B', annotator: 'x', pass: 'maybe' }),
      ].join('\n'),
    );
    expect(() => importLabels(opened.store, path)).toThrow(LabelsError);
    expect(() => importLabels(opened.store, path)).toThrow(
      /labels\.jsonl:2: field "pass" must be true\/false/,
    );
    expect(listLabels(opened.store)).toEqual([]);
    const result = importLabels(opened.store, path, { skipInvalid: true });
    expect(result).toMatchObject({ added: 1, updated: 0, unchanged: 0 });
    expect(result.skipped.map((problem) => problem.line)).toEqual([2]);
    opened.close();
  });

  it('is idempotent on re-import and takes an annotator’s changed label as an update', () => {
    const { root, workspace: opened } = workspace();
    const path = join(root, 'labels.jsonl');
    writeFileSync(path, line({ example_id: 'e1', output: 'A', annotator: 'x', pass: true, score: 4 }));
    expect(importLabels(opened.store, path)).toMatchObject({ added: 1 });
    expect(importLabels(opened.store, path)).toMatchObject({ added: 0, unchanged: 1 });
    writeFileSync(
      path,
      line({
        example_id: 'e1',
        output: 'A',
        annotator: 'x',
        pass: false,
        score: 2,
        critique: 'on reflection, no',
      }),
    );
    expect(importLabels(opened.store, path)).toMatchObject({ added: 0, updated: 1 });
    expect(listLabels(opened.store)).toMatchObject([
      { pass: false, score: 2, critique: 'on reflection, no', sourceFile: path },
    ]);
    opened.close();
  });

  it('replaces the stored output when a label file gives an item id a new output', () => {
    const { root, workspace: opened } = workspace();
    const path = join(root, 'labels.jsonl');
    const labelled = (output: string) =>
      line({ item_id: 'base:e1', example_id: 'e1', output, annotator: 'x', pass: false, score: 1 });
    writeFileSync(path, labelled('{"old": true}'));
    expect(importLabels(opened.store, path)).toMatchObject({ added: 1 });
    writeFileSync(path, labelled('{"regenerated": true}'));
    expect(importLabels(opened.store, path)).toMatchObject({ added: 0, updated: 1 });
    expect(listLabels(opened.store)).toMatchObject([{ itemId: 'base:e1', output: '{"regenerated": true}' }]);
    opened.close();
  });
});

describe('items and the human ceiling', () => {
  it('groups labels by output, takes the majority and the median, and measures the annotators', () => {
    const { root, workspace: opened } = workspace();
    const path = join(root, 'labels.jsonl');
    const rows: string[] = [];
    // 40 items, three annotators; annotator c disagrees on every fifth item.
    for (let item = 0; item < 40; item++) {
      const verdict = item % 2 === 0;
      for (const annotator of ['a', 'b', 'c']) {
        const flipped = annotator === 'c' && item % 5 === 0;
        rows.push(
          line({
            example_id: `e${item}`,
            output: `out ${item}`,
            annotator,
            pass: flipped ? !verdict : verdict,
            score: verdict ? 5 : flipped ? 3 : 1,
          }),
        );
      }
    }
    writeFileSync(path, rows.join('\n'));
    importLabels(opened.store, path);
    const labels = listLabels(opened.store);
    const items = labelledItems(labels);
    expect(items).toHaveLength(40);
    expect(items.find((item) => item.exampleId === 'e0')).toMatchObject({ pass: true, score: 5 });
    expect(items.find((item) => item.exampleId === 'e5')).toMatchObject({ pass: false, score: 1 });
    const human = humanAgreement(labels, items);
    expect(human.items).toBe(40);
    expect(human.passAlpha.mean).toBeGreaterThan(0.7);
    expect(human.passAlpha.mean).toBeLessThan(1);
    expect(human.passFleiss).toBeCloseTo(human.passAlpha.mean, 1);
    expect(human.annotators.map((annotator) => annotator.name)).toEqual(['a', 'b', 'c']);
    opened.close();
  });
});
