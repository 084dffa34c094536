import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { toJsonl } from '../common/jsonl.js';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { openWorkspace } from '../store/workspace.js';
import { parseTask } from '../task/task.js';
import { tailorInProcess } from '../test-support/cli-in-process.js';
import { judgeVersion } from './judge-versions.js';
import { importLabels } from './labels.js';
import { trainJudge } from './train-judge.js';

// A probe judge trained on expert labels of the reference task with the real default model's hidden
// states: split by item, the test split's items left out, a judge version with its lineage and a
// card. A quarter of the labels (56 of the 220 outputs, 3 annotators each) keeps the hidden states to
// minutes on 2 cores; the held-out numbers of all 660 labels are measured by `tailor align train` and
// reported in the example README, not asserted here.
const example = join(import.meta.dirname, '..', '..', 'examples', 'clinical-notes');

afterAll(async () => {
  await disposeLlamaRuntime();
});

describe('a judge trained on expert labels, on the default model', () => {
  it('trains a probe, saves it as a judge version with its card, and never reads the test split', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-train-judge-'));
    cpSync(example, root, {
      recursive: true,
      filter: (path) =>
        !path.includes('quickstart') && !path.includes('generator') && !path.includes('.tailor'),
    });
    const workspace = openWorkspace(root);
    // The first 28 labelled train outputs and the first 28 validation ones, every annotator's label.
    const labelLines = readFileSync(join(root, 'labels', 'expert-labels.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const chosen = new Set<string>();
    for (const split of ['train', 'validation'])
      for (const row of labelLines.map((line) => JSON.parse(line) as { item_id: string; split: string }))
        if (row.split === split && chosen.size < (split === 'train' ? 28 : 56)) chosen.add(row.item_id);
    const subset = join(root, 'labels', 'subset.jsonl');
    writeFileSync(
      subset,
      `${labelLines.filter((line) => chosen.has(JSON.parse(line).item_id)).join('\n')}\n`,
    );
    const imported = importLabels(workspace.store, subset);
    expect(imported.added).toBe(168);
    const task = parseTask(workspace.config.task, workspace.paths.configFile);
    const stages = new Set<string>();
    const result = await trainJudge({
      workspace: { ...workspace, config: workspace.config },
      task,
      name: 'expert-verdict',
      onProgress: (stage) => stages.add(stage),
    });
    expect(stages).toEqual(new Set(['hidden states']));
    expect(result.version).toBe(1);
    const { train, dev, test } = result.sets;
    expect(new Set([...train, ...dev, ...test]).size).toBe(train.length + dev.length + test.length);
    expect(result.labels.used).toBe(train.length + dev.length + test.length);
    expect(result.labels.used).toBeGreaterThan(40);
    expect(result.test.items).toBe(test.length);
    expect(Number.isFinite(result.test.kappa.mean)).toBe(true);
    expect(result.test.auroc.mean).toBeGreaterThanOrEqual(0);
    expect(result.test.auroc.mean).toBeLessThanOrEqual(1);
    // SmolLM2-135M has 30 layers: -9 and -1 are hidden states 22 and 30, 576 numbers each, twice.
    const stored = judgeVersion(workspace.store, 'expert-verdict', 1)!;
    expect(stored.config).toMatchObject({
      type: 'probe',
      base: 'smollm2-135m-instruct',
      reading: { layers: [22, 30] },
    });
    expect(stored.lineage).toMatchObject({ method: 'probe', features: 4 * 576, labels: result.labels });
    const card = readFileSync(result.cardPath, 'utf8');
    expect(card).toContain("held-out Cohen's κ");
    expect(card).toContain("experts' Krippendorff α");
    expect(result.learningCurve.map((point) => point.fraction)).toEqual([0.25, 0.5, 1]);
    expect(result.learningCurve.at(-1)!.trainItems).toBe(train.length);
    expect(card).toContain('## Learning curve (held-out)');
    expect(existsSync(result.htmlPath)).toBe(true);
    // As a grader of `tailor eval`: its score of an output is the probe's probability, read alone
    // where training read it in padded batches.
    const config = parse(readFileSync(join(root, 'tailor.yaml'), 'utf8'));
    config.task.graders.push({ name: 'experts', type: 'trained-judge', judge: 'expert-verdict' });
    writeFileSync(join(root, 'tailor.yaml'), stringify(config));
    const judged = result.heldOut.filter((item) => item.exampleId.startsWith('validation-')).slice(0, 3);
    expect(judged.length).toBe(3);
    const outputsFile = join(root, 'judged.jsonl');
    writeFileSync(outputsFile, toJsonl(judged.map((item) => ({ id: item.exampleId, output: item.output }))));
    const evaluated = await tailorInProcess(root, [
      '--json',
      'eval',
      '--split',
      'validation',
      '--outputs',
      outputsFile,
      '--graders',
      'experts',
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const run = JSON.parse(evaluated.stdout) as { runId: string; examples: number };
    expect(run.examples).toBe(3);
    const exported = await tailorInProcess(root, [
      '--json',
      'runs',
      'export',
      run.runId,
      '--out',
      join(root, 'run.jsonl'),
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = readFileSync(join(root, 'run.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { id: string; grades: Record<string, { score: number; pass: boolean }> },
      );
    for (const item of judged) {
      const grade = rows.find((row) => row.id === item.exampleId)!.grades.experts!;
      expect(grade.score).toBeCloseTo(item.probability, 3);
      expect(grade.pass).toBe(item.probability >= 0.5);
    }
    // Side by side with the prompted rubric judge on a sample of the probe's held-out items.
    const compared = await tailorInProcess(root, [
      '--json',
      'align',
      'compare',
      'plan-faithfulness',
      '--trained',
      'expert-verdict',
      '--limit',
      '4',
    ]);
    expect(compared.code, compared.stderr).toBe(0);
    const comparison = JSON.parse(compared.stdout) as {
      items: number;
      columns: Array<{ label: string; kind: string; items: number; seen: number; auroc?: unknown }>;
    };
    expect(comparison.items).toBe(4);
    expect(comparison.columns.map((column) => column.kind)).toEqual(['rubric', 'trained probe']);
    expect(comparison.columns[1]).toMatchObject({ label: 'expert-verdict v1', seen: 0 });
    expect(comparison.columns[1]!.items).toBe(4);
    expect(comparison.columns[0]!.auroc).toBeUndefined();
    process.stdout.write(
      `probe judge: κ ${result.test.kappa.mean.toFixed(3)} [${result.test.kappa.low.toFixed(3)}, ${result.test.kappa.high.toFixed(3)}], AUROC ${result.test.auroc.mean.toFixed(3)} on ${result.test.items} held-out items; ${result.seconds.toFixed(0)} s; learning curve ${result.learningCurve.map((point) => `${point.trainItems} items κ ${point.kappa.mean.toFixed(3)}`).join(', ')}\n`,
    );
    workspace.close();
  }, 1_200_000);
});
