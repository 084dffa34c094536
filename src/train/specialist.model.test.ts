import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { sftConfigSchema } from '../core/train-config.js';
import { createModel } from '../models/create-model.js';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { parseTask } from '../task/task.js';
import { validationGraderNames } from './policy.js';
import { trainSpecialist } from './specialist.js';

// End to end on the real default model (SmolLM2-135M-Instruct, Q4_1): a short SFT on the reference
// task lowers validation loss, the exported adapter passes the llama.cpp consistency check, and the
// specialist is served as llama:<name>. The held-out split here is a slice of validation records
// standing in for a test split, so this test never reads the real one.
const example = join(import.meta.dirname, '..', '..', 'examples', 'clinical-notes');
let workspace: Workspace;

function lines(file: string, from: number, to: number): string {
  return `${readFileSync(join(example, 'data', file), 'utf8')
    .split('\n')
    .slice(from, to)
    .join('\n')}\n`;
}

beforeAll(() => {
  const root = mkdtempSync(join(tmpdir(), 'tailor-specialist-'));
  mkdirSync(join(root, 'data'));
  for (const file of ['schema.json', 'input.schema.json'])
    copyFileSync(join(example, file), join(root, file));
  writeFileSync(join(root, 'data', 'train.jsonl'), lines('train.jsonl', 0, 12));
  writeFileSync(join(root, 'data', 'validation.jsonl'), lines('validation.jsonl', 0, 4));
  writeFileSync(join(root, 'data', 'holdout.jsonl'), lines('validation.jsonl', 4, 8));
  // Training data that smuggles in a held-out record under another id.
  const leaked = JSON.parse(lines('validation.jsonl', 5, 6)) as Record<string, unknown>;
  writeFileSync(
    join(root, 'data', 'leaky.jsonl'),
    `${lines('train.jsonl', 0, 4)}${JSON.stringify({ ...leaked, id: 'copy' })}\n`,
  );
  const config = parse(readFileSync(join(example, 'tailor.yaml'), 'utf8')) as {
    task: { data: Record<string, string> };
  };
  config.task.data = {
    train: './data/train.jsonl',
    validation: './data/validation.jsonl',
    leaky: './data/leaky.jsonl',
    test: './data/holdout.jsonl',
  };
  writeFileSync(join(root, 'tailor.yaml'), stringify(config));
  workspace = openWorkspace(root);
});

afterAll(async () => {
  workspace.close();
  await disposeLlamaRuntime();
});

const settings = sftConfigSchema.parse({
  lora: { rank: 8, alpha: 16 },
  maxSteps: 3,
  batchSize: 4,
  microBatchSize: 2,
  learningRate: 1e-3,
  warmupSteps: 1,
  evalEvery: 3,
  checkpointEvery: 3,
  validationExamples: 4,
});

describe('training a specialist on the default model', () => {
  it('lowers validation loss, passes the consistency check and serves as llama:<name>', async () => {
    const task = parseTask(workspace.config.task, workspace.paths.configFile);
    const result = await trainSpecialist({
      workspace,
      task,
      name: 'notes-sft',
      base: 'llama:smollm2-135m-instruct',
      method: { kind: 'sft', config: settings },
      consistencyExamples: 2,
    });
    expect(result.training.steps).toBe(3);
    expect(result.training.bestValidationLoss!).toBeLessThan(result.training.firstValidationLoss!);
    expect(result.consistency.passed).toBe(true);
    expect(result.consistency.positions).toBeGreaterThan(100);
    expect(result.specialist).toMatchObject({ name: 'notes-sft', version: 1, base: 'smollm2-135m-instruct' });
    expect(result.specialist.lineage).toMatchObject({ method: 'sft', data: { train: { examples: 12 } } });
    expect(workspace.store.training.run('notes-sft')?.status).toBe('finished');

    const model = await createModel('llama:notes-sft', { config: workspace.config, store: workspace.store });
    expect(model.id).toContain(result.specialist.adapterPath);
    const reply = await model.generate([{ role: 'user', content: 'Say hello.' }], {
      temperature: 0,
      maxTokens: 8,
    });
    expect(reply.text.length).toBeGreaterThan(0);
    await model.close();
  }, 600_000);

  it('never trains on the test split or on records copied from it', async () => {
    const task = parseTask(workspace.config.task, workspace.paths.configFile);
    const common = {
      workspace,
      task,
      base: 'llama:smollm2-135m-instruct',
      method: { kind: 'sft' as const, config: settings },
    };
    await expect(trainSpecialist({ ...common, name: 'a', trainSplit: 'test' })).rejects.toMatchObject({
      code: 'test-split-leak',
    });
    // Every leaked record by file and line, and the way out.
    const leak = await trainSpecialist({ ...common, name: 'b', trainSplit: 'leaky' }).catch((error) => error);
    expect(leak).toMatchObject({ code: 'test-split-leak' });
    expect(leak.message).toMatch(/^1 of \d+ record\(s\) \(1 leaky\) overlap the test data/);
    expect(leak.message).toMatch(/leaky\.jsonl:\d+ \(leaky "copy"\) overlaps .*holdout\.jsonl:\d+ \(test "/);
    expect(leak.hint).toContain('tailor data decontaminate');
  });

  it("chooses the checkpoint by the graders' validation score when asked to", async () => {
    const task = parseTask(workspace.config.task, workspace.paths.configFile);
    const config = sftConfigSchema.parse({ ...settings, selectBy: 'score', validationExamples: 3 });
    const names = validationGraderNames(task.graders, config.validationGraders);
    // The LLM judge is left out by default: a model call per validation output would cost more than
    // the steps it steers.
    expect(names).toEqual(['schema', 'fields', 'medications']);
    const result = await trainSpecialist({
      workspace,
      task,
      name: 'notes-by-score',
      base: 'llama:smollm2-135m-instruct',
      method: { kind: 'sft', config, graders: await task.createGraders({ select: names }) },
      consistencyExamples: 1,
    });
    expect(result.training.validationMetric).toBe('score');
    const runDirectory = String(result.specialist.lineage.runDirectory);
    const validations = readFileSync(join(runDirectory, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; step: number; score?: number; loss?: number })
      .filter((row) => row.type === 'validation');
    // Step 0 (the base model) and step 3, each a mean graded score in [0, 1], and no loss.
    expect(validations.map((row) => row.step)).toEqual([0, 3]);
    for (const row of validations) {
      expect(row.loss).toBeUndefined();
      expect(row.score).toBeGreaterThanOrEqual(0);
      expect(row.score).toBeLessThanOrEqual(1);
    }
    const best = Math.max(...validations.map((row) => row.score!));
    expect(result.training.bestValidationLoss).toBe(best);
    expect(result.training.firstValidationLoss).toBe(validations[0]!.score);
    // The registered adapter is the one saved at the best score; the exported policies are gone.
    const saved = JSON.parse(readFileSync(join(runDirectory, 'best', 'meta.json'), 'utf8')) as {
      step: number;
    };
    expect(saved.step).toBe(validations.findLast((row) => row.score === best)!.step);
    expect(existsSync(join(runDirectory, 'policy'))).toBe(false);
    expect(workspace.store.training.run('notes-by-score')?.status).toBe('finished');
  }, 900_000);
});
