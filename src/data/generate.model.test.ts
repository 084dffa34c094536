import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ChatModel } from '../core/chat-model.js';
import { createModel } from '../models/create-model.js';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { createApiKey } from '../serve/keys.js';
import { type RunningServer, startServer } from '../serve/server.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { loadDataset } from '../task/dataset.js';
import { parseTask, type Task } from '../task/task.js';
import { type GenerateDataOptions, GenerateError, generateData } from './generate.js';

// Distillation from a real OpenAI-compatible endpoint: `tailor serve`'s server on 127.0.0.1 serving
// the default model is the teacher, reached through the openai provider like any API model. A run
// cut short after three calls is resumed, and the rerun asks only for the samples it lacks.
const things = ['an apple', 'a dog', 'a violin'];
const reward = join(import.meta.dirname, '..', 'test-support', 'json-keys-reward.mjs');

let workspace: Workspace;
let task: Task;
let server: RunningServer;
const served = new Map<string, Promise<ChatModel>>();

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'tailor-generate-'));
  const records = things.map((thing, index) =>
    JSON.stringify({ id: `t${index}`, input: { thing }, reference: null }),
  );
  writeFileSync(join(root, 'inputs.jsonl'), `${records.join('\n')}\n`);
  copyFileSync(reward, join(root, 'reward.mjs'));
  writeFileSync(
    join(root, 'tailor.yaml'),
    stringify({
      version: 1,
      llama: { parallel: 2, contextSize: 512, threads: 0 },
      task: {
        name: 'describe',
        prompt: 'Describe {{thing}} in a JSON object with the keys "name" and "category".',
        output: { format: 'text' },
        data: { train: './inputs.jsonl' },
        graders: [{ name: 'json-keys', type: 'function', module: './reward.mjs' }],
      },
    }),
  );
  workspace = openWorkspace(root);
  task = parseTask(workspace.config.task, workspace.paths.configFile);
  server = await startServer({
    config: workspace.config,
    store: workspace.store,
    port: 0,
    modelFor: (reference) => {
      if (!served.has(reference))
        served.set(reference, createModel(reference, { config: workspace.config, store: workspace.store }));
      return served.get(reference)!;
    },
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await Promise.all([...served.values()].map(async (model) => (await model).close()));
  workspace?.close();
  await disposeLlamaRuntime();
});

/** The teacher, counting the calls that reach it; `failAfter` stops it as a killed process would. */
function countingTeacher(teacher: ChatModel, failAfter = Number.POSITIVE_INFINITY) {
  const counter = { calls: 0 };
  const model: ChatModel = {
    ...teacher,
    id: teacher.id,
    provider: teacher.provider,
    generate: async (messages, options) => {
      if (counter.calls >= failAfter) throw new Error('killed');
      counter.calls += 1;
      return teacher.generate(messages, options);
    },
  };
  return { model, counter };
}

describe('generate: best-of-N from a teacher behind an OpenAI-compatible endpoint', () => {
  it('keeps the best graded sample per input, records the teacher tokens, and resumes without repeating calls', async () => {
    // The key an application would use with tailor serve, given as the openai provider reads it.
    const { secret } = createApiKey(workspace.store, { name: 'distiller', scopes: ['inference'] });
    const teacher = await createModel(`openai:${server.url}/v1#smollm2-135m-instruct`, {
      config: workspace.config,
      store: workspace.store,
      env: { OPENAI_API_KEY: secret },
    });
    const records = loadDataset(task.split('train'));
    const graders = await task.createGraders({ judgeFor: () => Promise.reject(new Error('no judge')) });
    const journalPath = join(workspace.paths.dataDirectory, 'generate', 'journal.jsonl');
    const options = (model: ChatModel): GenerateDataOptions => ({
      teacher: model,
      task,
      records,
      graders,
      samples: 3,
      temperature: 1,
      maxTokens: 40,
      seed: 7,
      minimumScore: 0,
      passThreshold: 0.8,
      journalPath,
    });

    const first = countingTeacher(teacher, 4);
    await expect(generateData(options(first.model))).rejects.toThrow('killed');
    expect(first.counter.calls).toBe(4);
    // A kill mid-write leaves a torn line: it is ignored and that sample asked again.
    appendFileSync(journalPath, '{"record":"t2","sam');

    const second = countingTeacher(teacher);
    const progress: number[] = [];
    const generation = await generateData({
      ...options(second.model),
      onProgress: (event) => progress.push(event.done),
    });
    expect(second.counter.calls).toBe(things.length * 3 - 4);
    expect(generation.teacher).toMatchObject({ calls: 5, resumed: 4, model: teacher.id });
    expect(generation.teacher.outputTokens).toBeGreaterThan(0);
    expect(generation.teacher.inputTokens).toBeGreaterThan(0);
    expect(progress.at(0)).toBe(4);
    expect(progress.at(-1)).toBe(9);

    expect(generation.examples).toHaveLength(things.length);
    for (const example of generation.examples) {
      expect(example.samples).toHaveLength(3);
      const best = example.samples[example.best]!;
      expect(best.score).toBe(Math.max(...example.samples.map((sample) => sample.score)));
      expect(example.kept).toBe(best.pass);
    }
    // Each kept record's reference is the best sample's text (a text task keeps it as it is).
    for (const kept of generation.kept) {
      const example = generation.examples.find((entry) => entry.record.id === kept.id)!;
      expect(kept.reference).toBe(example.samples[example.best]!.text);
    }
    // Nine samples, one per line after the header (and the torn line, now ended).
    const lines = readFileSync(journalPath, 'utf8').trim().split('\n');
    expect(lines.filter((line) => line.startsWith('{"record"') && line.endsWith('}'))).toHaveLength(9);

    // Other settings are refused rather than mixed into the same journal.
    await expect(generateData({ ...options(second.model), temperature: 0.5 })).rejects.toThrow(GenerateError);
    await teacher.close();
  }, 600_000);
});
