import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toJsonl } from '../../common/jsonl.js';
import { tailorInProcess as tailor } from '../../test-support/cli-in-process.js';
import { dataWorkspace } from '../../test-support/data-workspace.js';

// `tailor eval --classes` on the tiny data workspace with supplied outputs: no model.

describe('tailor eval --classes', () => {
  it('prints per-class F1, macro and weighted F1 and the confusion matrix, and puts them in --json', async () => {
    const root = dataWorkspace();
    // The train references' winds are calm, calm, calm, breeze, gale, calm; one calm is called a
    // breeze and the gale output is not JSON.
    const winds = { oslo: 'calm', copy: 'breeze', 'oslo-again': 'calm', bergen: 'breeze', tromso: 'calm' };
    const file = join(root, 'outputs.jsonl');
    writeFileSync(
      file,
      toJsonl([
        ...Object.entries(winds).map(([id, wind]) => ({ id, output: JSON.stringify({ wind }) })),
        { id: 'leak', output: 'gale, I think' },
      ]),
    );
    const json = await tailor(root, [
      '--json',
      'eval',
      '--split',
      'train',
      '--outputs',
      file,
      '--classes',
      'wind',
    ]);
    expect(json.code, json.stderr).toBe(0);
    const { classification } = JSON.parse(json.stdout);
    expect(classification.examples).toBe(6);
    expect(classification.unlabelled).toBe(1);
    expect(classification.classes.map((score: { label: string }) => score.label)).toEqual([
      'calm',
      'breeze',
      'gale',
    ]);
    // calm: P 3/3, R 3/4 → F1 6/7; breeze: P 1/2, R 1 → F1 2/3; gale: 0.
    expect(classification.macroF1.mean).toBeCloseTo((6 / 7 + 2 / 3 + 0) / 3, 10);
    expect(classification.weightedF1.mean).toBeCloseTo((4 * (6 / 7) + 2 / 3) / 6, 10);
    expect(classification.confusion).toEqual({
      calm: { calm: 3, breeze: 1 },
      breeze: { breeze: 1 },
      gale: { '(none)': 1 },
    });

    const text = await tailor(root, ['eval', '--split', 'train', '--outputs', file, '--classes', 'wind']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('classes at wind (6 examples, 1 outputs with no label)');
    expect(text.stdout).toMatch(/macro F1 0\.508 \[[\d.]+, [\d.]+\] · weighted F1 0\.683/);
    expect(text.stdout).toMatch(/\ncalm\s+3\s+1\s+0\s+0\n/);
  });
});
