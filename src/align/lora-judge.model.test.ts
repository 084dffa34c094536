import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatModel } from '../core/chat-model.js';
import { createModel } from '../models/create-model.js';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { openWorkspace } from '../store/workspace.js';
import { rubricPrompt } from '../task/graders/llm-rubric.js';
import { loadTask } from '../task/task.js';
import { judgeVersion } from './judge-versions.js';
import { importLabels, labelledRecords } from './labels.js';
import { trainLoraJudge } from './lora-judge.js';

// A LoRA judge on the real default model, cut small (24 labelled outputs, two training steps): its
// training data is the rubric judge's own prompt answered with the experts' verdict and critique, it
// is trained and served as a specialist, judges its held-out items, and is saved as a rubric judge
// version on that model. How well it agrees is measured at full size and reported in the README.
const example = join(import.meta.dirname, '..', '..', 'examples', 'clinical-notes');
const models = new Map<string, Promise<ChatModel>>();

afterAll(async () => {
  for (const model of models.values()) await (await model).close();
  await disposeLlamaRuntime();
});

describe('a LoRA judge trained on expert labels, on the default model', () => {
  it('learns the rubric prompt answered as the experts did, judges held-out items, and is saved as a version', {
    timeout: 600_000,
  }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-lora-judge-'));
    cpSync(example, root, {
      recursive: true,
      filter: (path) =>
        !path.includes('quickstart') && !path.includes('generator') && !path.includes('.tailor'),
    });
    const lines = readFileSync(join(root, 'labels', 'expert-labels.jsonl'), 'utf8')
      .trim()
      .split('\n');
    const chosen = new Set<string>();
    for (const split of ['train', 'validation'])
      for (const row of lines.map((line) => JSON.parse(line) as { item_id: string; split: string }))
        if (row.split === split && chosen.size < (split === 'train' ? 12 : 24)) chosen.add(row.item_id);
    const subset = join(root, 'labels', 'subset.jsonl');
    writeFileSync(subset, `${lines.filter((line) => chosen.has(JSON.parse(line).item_id)).join('\n')}\n`);
    const workspace = openWorkspace(root);
    expect(importLabels(workspace.store, subset).added).toBe(72);
    const task = loadTask(workspace);
    const result = await trainLoraJudge({
      workspace,
      task,
      name: 'plan-lora',
      grader: 'plan-faithfulness',
      train: {
        maxSteps: 2,
        batchSize: 2,
        microBatchSize: 2,
        evalEvery: 2,
        checkpointEvery: 2,
        validationExamples: 2,
      },
      modelFor: (reference) => {
        if (!models.has(reference))
          models.set(reference, createModel(reference, { config: workspace.config, store: workspace.store }));
        return models.get(reference)!;
      },
    });
    const { train, dev, test } = result.sets;
    expect(new Set([...train, ...dev, ...test]).size).toBe(24);
    expect(result.model).toBe('llama:judge-plan-lora@v1');

    // The first training record: the rubric judge's prompt for that item, answered as JSON.
    const record = JSON.parse(
      readFileSync(
        join(workspace.paths.artifactsDirectory, 'judge-plan-lora-lora', 'train.jsonl'),
        'utf8',
      ).split('\n')[0]!,
    ) as { id: string; messages: { role: string; content: string }[] };
    const item = workspace.store.labels.onItem(record.id)[0]!;
    const { records } = labelledRecords(task);
    const rubric = task.grader('plan-faithfulness') as { rubric: string; scale: '1-5'; reference?: string };
    expect(record.messages[0]!.content).toBe(
      rubricPrompt(
        { rubric: rubric.rubric, scale: rubric.scale, reference: rubric.reference },
        {
          output: item.output,
          reference: records.get(item.exampleId)!.reference,
          input: records.get(item.exampleId)!.input,
        },
      ),
    );
    const answer = JSON.parse(record.messages[1]!.content) as { reasoning: string; verdict: number };
    expect(answer.reasoning.length).toBeGreaterThan(0);
    expect([1, 2, 3, 4, 5]).toContain(answer.verdict);

    // Every held-out item got a verdict or a counted judge error.
    expect(result.test.items + result.errors).toBeLessThanOrEqual(test.length);
    expect(result.test.items + result.errors).toBeGreaterThanOrEqual(test.length - 1);
    const stored = judgeVersion(workspace.store, 'plan-lora', 1)!;
    expect(stored.config).toMatchObject({ type: 'llm-rubric', model: 'llama:judge-plan-lora@v1' });
    expect(stored.lineage).toMatchObject({ method: 'lora', grader: 'plan-faithfulness' });
    expect(existsSync(result.cardPath)).toBe(true);
    expect(readFileSync(result.cardPath, 'utf8')).toContain("held-out Cohen's κ");
    workspace.close();
  });
});
