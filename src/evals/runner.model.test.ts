import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModel } from '../models/create-model.js';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { openWorkspace } from '../store/workspace.js';
import { loadDataset, taskChecks } from '../task/dataset.js';
import { createGrader } from '../task/graders/index.js';
import { parseTask } from '../task/task.js';
import { runEval } from './runner.js';

// An eval of the clinical-notes task on the real default model: generation, deterministic graders and
// the default model as the rubric judge; then a "killed" run is resumed without repeating a call.
const example = join(import.meta.dirname, '../../examples/clinical-notes');

afterAll(async () => {
  await disposeLlamaRuntime();
});

describe('eval runs on the default model', () => {
  it('grades, judges with schema-valid verdicts, and resumes without repeating calls', {
    timeout: 600_000,
  }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-eval-'));
    mkdirSync(join(root, 'data'));
    copyFileSync(join(example, 'tailor.yaml'), join(root, 'tailor.yaml'));
    for (const file of ['schema.json', 'input.schema.json'])
      copyFileSync(join(example, file), join(root, file));
    const lines = readFileSync(join(example, 'data/validation.jsonl'), 'utf8').split('\n').slice(0, 2);
    writeFileSync(join(root, 'data/validation.jsonl'), `${lines.join('\n')}\n`);

    const workspace = openWorkspace(root);
    workspace.config.llama.maxTokens = 200;
    const task = parseTask(workspace.config.task, workspace.paths.configFile);
    const model = await createModel('llama:smollm2-135m-instruct', {
      config: workspace.config,
      store: workspace.store,
    });
    const graders = await Promise.all(
      task.graders.map(async (config) => ({
        config,
        grader: await createGrader(config, task, async () => model),
      })),
    );
    const records = loadDataset(task.data.validation!, taskChecks(task));
    const options = {
      task,
      model,
      modelLabel: model.id,
      datasetPath: task.data.validation!,
      graders,
      store: workspace.store,
      concurrency: 2,
      maxTokens: 120,
    };
    const calls = () =>
      workspace.store.modelCalls.usageByModel().reduce((sum, row) => sum + row.calls - row.cachedCalls, 0);

    // The first run is "killed" after two examples; running again finishes only the third.
    const partial = await runEval({ ...options, records: records.slice(0, 1) });
    expect(partial.summary.examples).toBe(1);
    const afterPartial = calls();
    const full = await runEval({ ...options, records });
    expect(full.summary.resumed).toBe(1);
    expect(full.summary.runId).toBe(partial.summary.runId);
    expect(full.results.slice(0, 1)).toEqual(partial.results);
    const afterFull = calls();
    expect(afterFull - afterPartial).toBe(2); // one generation + one judge call for the second example

    for (const result of full.results) {
      expect(Object.keys(result.grades).sort()).toEqual([
        'fields',
        'medications',
        'plan-faithfulness',
        'schema',
      ]);
      const judged = result.grades['plan-faithfulness']!;
      // A verdict is either a schema-valid 1–5 score or a recorded grader error, never a silent fail.
      if (judged.error === undefined) {
        expect(judged.details?.verdict).toBeGreaterThanOrEqual(1);
        expect(judged.details?.verdict).toBeLessThanOrEqual(5);
        expect(judged.score).toBe(((judged.details?.verdict as number) - 1) / 4);
      } else expect(judged.error).toMatch(/judge/);
    }
    expect(full.summary.graders.map((grader) => grader.name)).toEqual([
      'schema',
      'fields',
      'medications',
      'plan-faithfulness',
    ]);

    // Everything done: a third run makes no calls at all and reports the same numbers.
    const again = await runEval({ ...options, records });
    expect(calls()).toBe(afterFull);
    expect(again.summary.overall).toEqual(full.summary.overall);
    await model.close();
    workspace.close();
  });
});
