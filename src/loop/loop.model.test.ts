import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ChatModel } from '../core/chat-model.js';
import { createModel } from '../models/create-model.js';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { recordFeedback } from '../serve/traffic.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { loadDataset, promptMessages } from '../task/dataset.js';
import { loadTask } from '../task/task.js';
import { defaultModelPath } from '../test-support/default-model.js';
import { writeLlamaLora } from '../test-support/gguf-writer.js';
import { promoteSpecialist } from '../train/aliases.js';
import { type LoopState, loopStatus, runLoop } from './loop.js';

// The loop on the real default model (SmolLM2-135M-Instruct), cut small: a first version is in
// production; traffic arrives (with an expert's correction and an expert's fail); the
// trigger fires; the loop builds its dataset, trains v2, evaluates prod and v2 on the pinned set and
// gates. An iteration killed in its eval step resumes there without training again. The gate's
// margin decides: a candidate held to "at least a point worse" is promoted, one held to "half a
// point better" (which two barely trained versions cannot show) is not, and prod stays.
const example = join(import.meta.dirname, '..', '..', 'examples', 'clinical-notes');
let workspace: Workspace;
let root: string;
const models = new Map<string, Promise<ChatModel>>();
const modelFor = (reference: string) => {
  if (!models.has(reference))
    models.set(reference, createModel(reference, { config: workspace.config, store: workspace.store }));
  return models.get(reference)!;
};

const lines = (file: string, from: number, to: number) =>
  `${readFileSync(join(example, 'data', file), 'utf8')
    .split('\n')
    .slice(from, to)
    .join('\n')}\n`;

const tiny = {
  maxSteps: 2,
  batchSize: 2,
  microBatchSize: 2,
  evalEvery: 2,
  checkpointEvery: 2,
  validationExamples: 2,
  warmupSteps: 0,
};

function writeConfig(minDifference: number): void {
  const config = parse(readFileSync(join(root, 'tailor.yaml'), 'utf8')) as Record<string, unknown>;
  config.loop = {
    specialist: 'notes',
    trigger: { traffic: 3 },
    data: { graders: ['schema'] },
    train: tiny,
    gate: { split: 'validation', limit: 2, maxTokens: 32, minDifference, graders: ['schema', 'fields'] },
  };
  writeFileSync(join(root, 'tailor.yaml'), stringify(config));
  workspace?.close();
  workspace = openWorkspace(root);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tailor-loop-'));
  mkdirSync(join(root, 'data'));
  for (const file of ['schema.json', 'input.schema.json'])
    copyFileSync(join(example, file), join(root, file));
  writeFileSync(join(root, 'data', 'train.jsonl'), lines('train.jsonl', 0, 6));
  writeFileSync(join(root, 'data', 'validation.jsonl'), lines('validation.jsonl', 0, 4));
  writeFileSync(join(root, 'data', 'holdout.jsonl'), lines('validation.jsonl', 4, 6));
  const config = parse(readFileSync(join(example, 'tailor.yaml'), 'utf8')) as {
    task: { data: Record<string, string> };
  };
  config.task.data = {
    train: './data/train.jsonl',
    validation: './data/validation.jsonl',
    test: './data/holdout.jsonl',
  };
  writeFileSync(join(root, 'tailor.yaml'), stringify(config));
  writeConfig(-1);

  const task = loadTask(workspace);
  // The version in production: the default model with a small adapter, registered as training would
  // (training it here too would only cost minutes; the loop's own training is the real thing).
  const adapter = join(root, 'notes-v1.gguf');
  writeLlamaLora(adapter, { layers: [0, 1, 2, 3], hidden: 576, rank: 8, alpha: 16, seed: 1, scale: 0.2 });
  workspace.store.training.startRun({
    id: 'notes-first',
    method: 'sft',
    base: 'smollm2-135m-instruct',
    runDirectory: root,
    config: {},
  });
  workspace.store.training.registerSpecialist(
    {
      name: 'notes',
      base: 'smollm2-135m-instruct',
      basePath: await defaultModelPath(),
      adapterPath: '',
      trainingRun: 'notes-first',
      lineage: {},
    },
    () => adapter,
  );
  promoteSpecialist(workspace.store, { name: 'notes', alias: 'prod', version: 1, reason: 'first version' });

  // Production traffic as `tailor serve` captures it: notes of the train split (the reference answers
  // standing in for the served ones), one of them a validation note that must not be trained on.
  const records = [
    ...loadDataset(task.split('train'), {}).slice(2, 6),
    loadDataset(task.split('validation'), {})[0]!,
  ];
  for (const [index, record] of records.entries())
    workspace.store.traffic.add({
      id: `req-${index}`,
      keyId: undefined,
      model: 'notes@prod',
      request: { model: 'notes@prod', messages: promptMessages(task, record) },
      response: {
        choices: [
          {
            message: {
              role: 'assistant',
              content: index === 1 ? '{"broken"' : JSON.stringify(record.reference),
            },
            finish_reason: 'stop',
          },
        ],
      },
      status: 200,
      latencyMs: 1000,
      inputTokens: 400,
      outputTokens: 100,
    });
  // The broken answer gets an expert's correction; another answer an expert's fail.
  recordFeedback(workspace.store, {
    requestId: 'req-1',
    annotator: 'dr-a',
    output: '{"broken"',
    model: 'notes@prod',
    correction: JSON.stringify(records[1]!.reference),
  });
  recordFeedback(workspace.store, {
    requestId: 'req-2',
    annotator: 'dr-a',
    output: JSON.stringify(records[2]!.reference),
    model: 'notes@prod',
    pass: false,
  });
}, 600_000);

afterAll(async () => {
  for (const model of models.values()) await (await model).close();
  workspace?.close();
  await disposeLlamaRuntime();
});

describe('tailor loop on the default model', () => {
  it('builds the data, trains, gates and promotes; a killed eval step resumes without retraining', {
    timeout: 600_000,
  }, async () => {
    const status = loopStatus(workspace);
    expect(status).toMatchObject({ prod: 1, newTraffic: 5, due: true });
    const task = loadTask(workspace);

    // A kill in the eval step: the model for the gate's evals cannot be opened.
    let refuse = true;
    await expect(
      runLoop({
        workspace,
        task,
        modelFor: (reference) =>
          refuse && reference.includes('@v') ? Promise.reject(new Error('killed')) : modelFor(reference),
      }),
    ).rejects.toThrow('killed');
    const stopped = workspace.store.loop.iterations('notes')[0]!;
    expect(stopped).toMatchObject({ status: 'running', step: 'eval' });
    const data = (stopped.state as LoopState).dataset!;
    // 4 train references + 5 traffic answers − the expert's fail − the validation note; the
    // correction replaced the broken answer, so the schema grader did not drop it.
    expect(data).toMatchObject({
      traffic: 5,
      corrected: 1,
      droppedByExperts: 1,
      curatedOut: 0,
      train: 6,
      decontaminated: 1,
      records: 9,
    });
    const trainingRuns = workspace.store.training.runs().length;

    refuse = false;
    const done = await runLoop({ workspace, task, modelFor });
    expect(workspace.store.training.runs().length).toBe(trainingRuns);
    expect(done).toMatchObject({ status: 'promoted' });
    const state = done!.state as LoopState;
    expect(state.training).toMatchObject({ runId: 'notes-loop-1', version: 2 });
    expect(state.verdict!.comparison.examples).toBe(2);
    expect(workspace.store.training.alias('notes', 'prod')?.version).toBe(2);
    const event = workspace.store.training.aliasEvents({ name: 'notes', alias: 'prod' })[0]!;
    expect(event).toMatchObject({
      action: 'promote',
      fromVersion: 1,
      toVersion: 2,
      actor: 'tailor loop',
      report: state.report,
    });
    expect(readFileSync(state.report!, 'utf8')).toContain('Promoted v2 to notes@prod');
    expect(loopStatus(workspace)).toMatchObject({ due: false, newTraffic: 0 });
  });

  it('keeps prod when the candidate cannot show the margin, and says why', { timeout: 600_000 }, async () => {
    writeConfig(0.5);
    const done = await runLoop({ workspace, task: loadTask(workspace), modelFor }, { force: true });
    expect(done).toMatchObject({ status: 'kept' });
    const state = done!.state as LoopState;
    expect(state.verdict!.reason).toMatch(/^prod kept: candidate − prod .* lower end is below \+0\.500/);
    expect(workspace.store.training.alias('notes', 'prod')?.version).toBe(2);
    expect(existsSync(state.report!)).toBe(true);
  });
});
