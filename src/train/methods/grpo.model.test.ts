import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { grpoConfigSchema } from '../../core/train-config.js';
import { createModel } from '../../models/create-model.js';
import { disposeLlamaRuntime } from '../../models/llama-cpp.js';
import { openWorkspace, type Workspace } from '../../store/workspace.js';
import { createGrader } from '../../task/graders/index.js';
import { parseTask, type Task } from '../../task/task.js';
import { trainSpecialist } from '../specialist.js';

// GRPO on the real default model (SmolLM2-135M-Instruct) with a verifiable reward: the reply must be
// a JSON object with the keys "name" and "category" and nothing else. The base model manages that in
// about one sample in five (it wraps the object in prose or code), so groups carry signal. A few steps
// must raise the reward on held-out prompts, and an interrupted run must resume from its checkpoint.
const things = [
  'an apple',
  'a dog',
  'Paris',
  'the colour blue',
  'a violin',
  'the moon',
  'a bicycle',
  'a tulip',
  'a laptop',
  'a salmon',
  'Mount Everest',
  'a teacup',
  'a thunderstorm',
  'a sparrow',
  'a hammer',
  'the Nile',
  'a piano',
  'a cactus',
  'a train',
  'a diamond',
  'a lemon',
  'an owl',
  'a glacier',
  'a kite',
];
const heldOut = ['a banana', 'a horse', 'a guitar', 'a river', 'a pencil', 'a rose'];
const reward = join(import.meta.dirname, '..', '..', 'test-support', 'json-keys-reward.mjs');
const mentions = `export default function ({ output, input }) {
  const word = String(input.thing).split(' ').at(-1).toLowerCase();
  const hit = output.toLowerCase().includes(word);
  return { score: hit ? 1 : 0, pass: hit, reason: hit ? 'names the thing' : 'does not name the thing' };
}`;

let workspace: Workspace;
let task: Task;

beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), 'tailor-grpo-'));
  const records = (items: string[]) =>
    `${items.map((thing, index) => JSON.stringify({ id: `${thing.replace(/\W+/g, '-')}-${index}`, input: { thing }, reference: { name: thing } })).join('\n')}\n`;
  writeFileSync(join(root, 'train.jsonl'), records(things));
  writeFileSync(join(root, 'validation.jsonl'), records(heldOut));
  writeFileSync(join(root, 'test.jsonl'), records(['a cloud']));
  copyFileSync(reward, join(root, 'reward.mjs'));
  writeFileSync(join(root, 'mentions.mjs'), mentions);
  writeFileSync(
    join(root, 'tailor.yaml'),
    stringify({
      version: 1,
      task: {
        name: 'describe',
        prompt: 'Describe {{thing}} in a JSON object with the keys "name" and "category".',
        output: { format: 'text' },
        data: { train: './train.jsonl', validation: './validation.jsonl', test: './test.jsonl' },
        graders: [
          { name: 'json-keys', type: 'function', module: './reward.mjs' },
          { name: 'mentions', type: 'function', module: './mentions.mjs' },
        ],
      },
    }),
  );
  workspace = openWorkspace(root);
  task = parseTask(workspace.config.task, workspace.paths.configFile);
});

afterAll(async () => {
  workspace.close();
  await disposeLlamaRuntime();
});

/** Mean reward of 8 samples on each held-out prompt, with fixed seeds. */
async function sampledReward(reference: string): Promise<number> {
  const model = await createModel(reference, { config: workspace.config, store: workspace.store });
  const grade = await createGrader(task.graders[0]!, task, () => Promise.reject(new Error('no judge')));
  let total = 0;
  let count = 0;
  for (const [index, thing] of heldOut.entries()) {
    const result = await model.generate(
      [{ role: 'user', content: `Describe ${thing} in a JSON object with the keys "name" and "category".` }],
      { samples: 8, temperature: 1, topK: 0, maxTokens: 48, seed: 500 + 10 * index, cache: false },
    );
    for (const sample of result.samples) {
      total += (await grade({ output: sample.text, parsed: undefined, reference: null, input: { thing } }))
        .score;
      count += 1;
    }
  }
  await model.close();
  return total / count;
}

describe('GRPO on the default model', () => {
  it('raises a verifiable reward in a few steps, watches a held-out monitor, and resumes', async () => {
    const graders = await Promise.all(
      task.graders.map(async (config) => ({
        config,
        grader: await createGrader(config, task, () => Promise.reject(new Error('no judge'))),
      })),
    );
    const steps = 6;
    const half = steps / 2;
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, index) => from + index);
    const config = grpoConfigSchema.parse({
      lora: { rank: 8, alpha: 16 },
      steps,
      promptsPerStep: 4,
      groupSize: 6,
      maxTokens: 40,
      learningRate: 1e-3,
      monitor: 'mentions',
      monitorWindow: 2,
      evalEvery: half,
      checkpointEvery: half,
      validationExamples: 6,
    });
    const common = {
      workspace,
      task,
      name: 'describe-grpo',
      base: 'llama:smollm2-135m-instruct',
      method: { kind: 'grpo' as const, config, graders, contextSize: 512 },
      consistencyExamples: 6,
    };
    // Interrupted right after the mid-run checkpoint, as a crash or Ctrl-C would.
    await expect(
      trainSpecialist({
        ...common,
        onEvent: (event) => {
          if (event.type === 'checkpoint-saved' && event.step === half) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(workspace.store.training.run('describe-grpo')?.status).toBe('failed');

    const events: Array<{ type: string; step?: number }> = [];
    const result = await trainSpecialist({ ...common, resume: true, onEvent: (event) => events.push(event) });
    expect(events.find((event) => event.type === 'resumed')).toEqual({ type: 'resumed', step: half });
    expect(events.filter((event) => event.type === 'step-end').map((event) => event.step)).toEqual(
      range(half + 1, steps),
    );
    expect(result.training.steps).toBe(steps);
    expect(result.consistency.passed).toBe(true);

    const metrics = readFileSync(join(result.runDirectory, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, number | string>);
    const train = metrics.filter((line) => line.type === 'train');
    expect(train.map((line) => line.step)).toEqual(range(1, steps));
    for (const line of train) {
      for (const key of [
        'rewardMean',
        'rewardMax',
        'groupsWithSignal',
        'kl',
        'clipFraction',
        'sampledTokens',
        'sampleSeconds',
        'scoreSeconds',
        'learnSeconds',
        'monitorMean',
        'hackingFlag',
        'reward.json-keys.mean',
        'reward.mentions.mean',
      ])
        expect(line, `${key} at step ${line.step}`).toHaveProperty(key);
    }
    expect(metrics.filter((line) => line.type === 'validation').map((line) => line.step)).toEqual([
      0,
      half,
      steps,
    ]);
    console.log(
      'GRPO reward per step',
      train.map((line) => Number(line.rewardMean).toFixed(3)).join(' '),
      '· validation',
      metrics
        .filter((line) => line.type === 'validation')
        .map((line) => Number(line.score).toFixed(3))
        .join(' '),
    );

    const before = await sampledReward('llama:smollm2-135m-instruct');
    const after = await sampledReward('llama:describe-grpo');
    console.log(`held-out sampled reward: base ${before.toFixed(3)} → GRPO ${after.toFixed(3)}`);
    expect(after).toBeGreaterThan(before + 0.1);
  }, 1_200_000);
});
