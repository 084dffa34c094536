import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SftConfig, sftConfigSchema } from '../../core/train-config.js';
import { tinyExamples, writeTinyHfModel } from '../../test-support/tiny-hf-model.js';
import { TrainingWorker } from '../worker-client.js';
import { describePlan, resolveEpochs, runSft } from './sft.js';

const config = (overrides: Partial<SftConfig> = {}): SftConfig =>
  sftConfigSchema.parse({
    lora: { rank: 4, alpha: 8 },
    batchSize: 4,
    microBatchSize: 2,
    learningRate: 0.01,
    warmupSteps: 2,
    maxSteps: 8,
    evalEvery: 4,
    checkpointEvery: 3,
    validationExamples: 4,
    ...overrides,
  });

describe('the SFT loop on a tiny model', () => {
  let model: string;
  const workers: TrainingWorker[] = [];
  const startWorker = async () => {
    const worker = await TrainingWorker.start();
    workers.push(worker);
    await worker.create({ base: { hf: model }, lora: { rank: 4, alpha: 8 }, seed: 5, threads: 1 });
    return worker;
  };

  beforeAll(() => {
    model = writeTinyHfModel();
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
  });

  it('lowers validation loss, writes metrics, checkpoints and adapters, and resumes to the same weights', async () => {
    const train = tinyExamples(16, 3);
    const validation = train.slice(0, 4); // memorisation is the point on random tokens
    const settings = config();

    const straightDirectory = mkdtempSync(join(tmpdir(), 'tailor-sft-'));
    const straightWorker = await startWorker();
    const events: string[] = [];
    const straight = await runSft({
      config: settings,
      runDirectory: straightDirectory,
      train,
      validation,
      worker: straightWorker,
      onEvent: (event) => events.push(event.type),
    });
    expect(straight.steps).toBe(8);
    expect(straight.bestValidationLoss!).toBeLessThan(straight.firstValidationLoss!);
    expect(events.filter((type) => type === 'step-end')).toHaveLength(8);
    const metrics = readFileSync(join(straightDirectory, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; step: number });
    expect(metrics.filter((line) => line.type === 'train').map((line) => line.step)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(metrics.filter((line) => line.type === 'validation').map((line) => line.step)).toEqual([0, 4, 8]);
    expect(existsSync(join(straightDirectory, 'final', 'adapter.gguf'))).toBe(true);
    expect(existsSync(join(straightDirectory, 'checkpoints', 'step-3'))).toBe(false); // pruned, keeps 2
    expect(existsSync(join(straightDirectory, 'checkpoints', 'step-8'))).toBe(true);

    // A run killed after its step-6 checkpoint: train 6 steps, then a new worker resumes.
    const resumedDirectory = mkdtempSync(join(tmpdir(), 'tailor-sft-'));
    const firstWorker = await startWorker();
    await runSft({
      config: { ...settings },
      runDirectory: resumedDirectory,
      train,
      validation,
      worker: firstWorker,
      onEvent: (event) => {
        if (event.type === 'checkpoint-saved' && event.step === 6) firstWorker.kill();
      },
    }).catch((error: Error) => expect(error.message).toMatch(/killed|exited/));
    const secondWorker = await startWorker();
    await expect(
      runSft({ config: settings, runDirectory: resumedDirectory, train, validation, worker: secondWorker }),
    ).rejects.toThrow(/already holds a run/);
    const resumedEvents: Array<{ type: string; step?: number }> = [];
    const resumed = await runSft({
      config: settings,
      runDirectory: resumedDirectory,
      train,
      validation,
      worker: secondWorker,
      resume: true,
      onEvent: (event) => resumedEvents.push(event),
    });
    expect(resumedEvents[0]).toEqual({ type: 'resumed', step: 6 });
    expect(resumedEvents.filter((event) => event.type === 'step-end')).toHaveLength(2);
    expect(resumed.steps).toBe(8);

    const probe = { sequences: validation.map(({ tokens }) => ({ tokens })) };
    const straightScores = (await straightWorker.logprobs(probe)).logprobs.flat();
    const resumedScores = (await secondWorker.logprobs(probe)).logprobs.flat();
    for (const [index, value] of resumedScores.entries())
      expect(value).toBeCloseTo(straightScores[index]!, 5);
    const resumedMetrics = readFileSync(join(resumedDirectory, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(resumedMetrics.map((line) => (JSON.parse(line) as { step: number }).step)).toEqual(
      metrics.map((line) => line.step),
    );

    await expect(
      runSft({
        config: { ...settings, learningRate: 0.02 },
        runDirectory: resumedDirectory,
        train,
        validation,
        worker: secondWorker,
        resume: true,
      }),
    ).rejects.toThrow(/config or data differ/);
  }, 120_000);
});

describe('the SFT plan printed before training', () => {
  it('says what the defaults chose for the data size, and why', () => {
    expect(describePlan(sftConfigSchema.parse({}), 1200)).toBe(
      '1 epoch of 150 steps = 150 steps (chosen for 1200 examples: whole epochs up to at least 150 steps, at most 5; --epochs or --steps to choose) of 8 examples; learning rate 0.0005 (cosine, 5 warm-up steps); validation loss every 20 steps on 32 examples; the checkpoint with the lowest validation loss is registered',
    );
    // A smaller task gets more passes, not fewer steps; a tiny one at most five.
    expect(describePlan(sftConfigSchema.parse({}), 500)).toMatch(
      /^3 epochs of 63 steps = 189 steps \(chosen/,
    );
    expect(describePlan(sftConfigSchema.parse({}), 20)).toMatch(/^5 epochs of 3 steps = 15 steps \(chosen/);
    expect(describePlan(sftConfigSchema.parse({}), 5000)).toMatch(
      /^1 epoch of 625 steps = 625 steps \(chosen/,
    );
    expect(resolveEpochs(sftConfigSchema.parse({}), 500).epochs).toBe(3);
    expect(resolveEpochs(sftConfigSchema.parse({ epochs: 0.5 }), 500).epochs).toBe(0.5);
  });

  it('says how many epochs a step cap makes, and which checkpoint it keeps', () => {
    expect(describePlan(sftConfigSchema.parse({ maxSteps: 90, learningRate: 5e-4 }), 1200)).toMatch(
      /^90 steps \(--steps\), 0\.60 epochs of 8 examples; learning rate 0\.0005/,
    );
    expect(describePlan(sftConfigSchema.parse({ epochs: 3 }), 500)).toMatch(
      /^3 epochs of 63 steps = 189 steps of 8 examples/,
    );
    expect(describePlan(sftConfigSchema.parse({ epochs: 1, selectBy: 'score' }), 1200)).toMatch(
      /validation score \(greedy outputs graded by every grader that calls no model\) every 20 steps on 32 examples; the checkpoint with the highest validation score is registered$/,
    );
    expect(
      describePlan(
        sftConfigSchema.parse({ epochs: 1, selectBy: 'score', validationGraders: ['schema'] }),
        1200,
      ),
    ).toContain('graded by schema');
  });
});
