import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createModel } from '../models/create-model.js';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { openWorkspace } from '../store/workspace.js';
import { loadDataset, referenceText, taskChecks } from '../task/dataset.js';
import { createGrader } from '../task/graders/index.js';
import { parseTask } from '../task/task.js';
import { measureJudge } from './align.js';
import { renderJudgeCardMarkdown } from './card.js';
import { importLabels, labelledItems, listLabels } from './labels.js';
import { runProbes } from './probes.js';
import { type RubricConfig, tuneJudge } from './tune.js';

// The reference task's plan-faithfulness judge (the real default model) against labels made by a known
// rule: the reference summary passes, the same summary with an invented plan fails. Measured, probed
// and tuned end to end; the tuned judge must beat the untuned one on dev and test, or say why not.
const example = join(import.meta.dirname, '../../examples/clinical-notes');
const inventedPlan = 'Start amoxicillin 875 mg twice daily. Order a chest CT. Follow up in 2 days.';

afterAll(async () => {
  await disposeLlamaRuntime();
});

describe('judge alignment on the default model', () => {
  it('measures, probes and tunes the plan-faithfulness judge', { timeout: 1_200_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-align-'));
    mkdirSync(join(root, 'data'));
    for (const file of ['schema.json', 'input.schema.json'])
      copyFileSync(join(example, file), join(root, file));
    const lines = readFileSync(join(example, 'data/validation.jsonl'), 'utf8').split('\n').slice(0, 24);
    writeFileSync(join(root, 'data/validation.jsonl'), `${lines.join('\n')}\n`);
    const config = parse(readFileSync(join(example, 'tailor.yaml'), 'utf8'));
    config.task.data = { validation: './data/validation.jsonl' };
    config.task.graders = config.task.graders.map((grader: { name: string }) =>
      grader.name === 'plan-faithfulness' ? { ...grader, maxTokens: 96 } : grader,
    );
    writeFileSync(join(root, 'tailor.yaml'), stringify(config));
    const workspace = openWorkspace(root);
    const task = parseTask(workspace.config.task, workspace.paths.configFile);
    const records = new Map(
      loadDataset(task.data.validation!, taskChecks(task)).map((record) => [record.id, record]),
    );

    // Three annotators who all follow the rule, so the human ceiling is 1.
    const rows = [...records.values()].flatMap((record, index) => {
      const faithful = index % 2 === 0;
      const reference = record.reference as Record<string, unknown>;
      const output = JSON.stringify(faithful ? reference : { ...reference, plan: inventedPlan });
      return ['a', 'b', 'c'].map((annotator) =>
        JSON.stringify({
          example_id: record.id,
          output,
          annotator,
          pass: faithful,
          score: faithful ? 5 : 1,
          critique: faithful ? 'Plan matches the note.' : 'Invented antibiotic, CT and follow-up.',
          source: 'rule',
        }),
      );
    });
    writeFileSync(join(root, 'labels.jsonl'), rows.join('\n'));
    expect(importLabels(workspace.store, join(root, 'labels.jsonl'))).toMatchObject({ added: 72 });
    const labels = listLabels(workspace.store);
    const items = labelledItems(labels);

    const judge = await createModel('llama:smollm2-135m-instruct', {
      config: workspace.config,
      store: workspace.store,
    });
    const base = task.graders.find((grader) => grader.name === 'plan-faithfulness') as RubricConfig;
    const makeGrader = (graderConfig: RubricConfig) => createGrader(graderConfig, task, async () => judge);
    const { report } = await measureJudge({
      judge: { name: base.name, version: undefined, model: judge.id, rubric: base.rubric },
      grader: await makeGrader(base),
      labels,
      items,
      records,
      concurrency: 4,
    });
    // Every item is a schema-valid verdict or a recorded judge error; the experts agree perfectly.
    expect(report.run.judged + report.run.errors).toBe(24);
    expect(report.human.passAlpha.mean).toBe(1);
    expect(report.warnings.join(' ')).toMatch(/fewer than 30/);
    const probes = await runProbes({
      grader: await makeGrader(base),
      judge,
      rubric: base.rubric,
      judgeModel: 'llama:smollm2-135m-instruct',
      items: items.slice(0, 4),
      records,
      concurrency: 4,
      referenceText,
    });
    expect(probes.verbosity.items + probes.verbosity.errors).toBe(4);
    expect(probes.injection.items + probes.injection.errors).toBe(4);
    expect(probes.position!.pairs + probes.position!.errors).toBe(4);
    expect(probes.selfPreference).toBeUndefined(); // no labelled output came from the judge's own model
    const card = renderJudgeCardMarkdown({ ...report, probes });
    expect(card).toMatch(/judge Cohen's κ/);
    expect(card).toMatch(/Krippendorff α/);
    expect(card).toMatch(/## Bias probes/);

    const result = await tuneJudge({
      base,
      items,
      records,
      makeGrader,
      proposer: judge,
      rewrites: 1,
      shots: 2,
      seed: 0,
      concurrency: 4,
    });
    const untunedDev = result.candidates[0]!.dev.kappa;
    const improved =
      result.winner.dev.kappa > (Number.isFinite(untunedDev) ? untunedDev : -2) &&
      result.test.tuned.mean > result.test.untuned.mean;
    console.log(
      `align on SmolLM2-135M: untuned κ ${report.agreement.pass.kappa.mean.toFixed(3)}; candidates ${result.candidates
        .map((candidate) => `${candidate.name} dev κ ${candidate.dev.kappa.toFixed(3)}`)
        .join(
          ', ',
        )}; test κ untuned ${result.test.untuned.mean.toFixed(3)} → tuned ${result.test.tuned.mean.toFixed(3)}; ${improved ? 'improved' : `not improved: ${result.diagnosis.join('; ')}`}`,
    );
    expect(improved || result.diagnosis.length > 0).toBe(true);
    expect(new Set([...result.sets.train, ...result.sets.dev, ...result.sets.test]).size).toBe(24);
    await judge.close();
    workspace.close();
  });
});
