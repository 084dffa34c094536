import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingWorkerError } from '../core/errors.js';
import { writeTinyHfModel } from '../test-support/tiny-hf-model.js';
import { TrainingWorker } from './worker-client.js';

describe('training worker client', () => {
  let model: string;
  const workers: TrainingWorker[] = [];
  const start = async (options = {}) => {
    const worker = await TrainingWorker.start(options);
    workers.push(worker);
    return worker;
  };

  beforeAll(() => {
    model = writeTinyHfModel();
  });
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
  });

  it('runs the primitives, streams progress events, and keeps serving after a refused request', async () => {
    const events: Array<Record<string, unknown>> = [];
    const worker = await start();
    const created = await worker.create(
      { base: { hf: model }, lora: { rank: 4, alpha: 8 }, seed: 1 },
      (event) => events.push(event),
    );
    expect(created).toMatchObject({ model_type: 'llama', vocab_size: 96, layers: 2 });
    expect(events[0]).toMatchObject({ stage: 'load-base', source: 'hf' });

    const sequence = { tokens: [1, 5, 6, 7, 8], weights: [0, 0, 1, 1, 1] };
    const refused = worker.forwardBackward({
      loss: 'cross_entropy',
      sequences: [{ tokens: [1, 2, 3], weights: [0, 1] }],
    });
    await expect(refused).rejects.toThrow(TrainingWorkerError);
    await expect(refused).rejects.toMatchObject({ code: 'worker-request-failed' });
    await expect(refused).rejects.toThrow(/one weight per token/);

    const step = await worker.forwardBackward({
      loss: 'cross_entropy',
      sequences: [sequence],
      return_logprobs: true,
    });
    expect(step.loss).toBeGreaterThan(0);
    expect(step.logprobs![0]).toHaveLength(5);
    expect((await worker.optimStep({ lr: 0.01 })).step).toBe(1);
  });

  it('turns a dead worker into a typed error with its stderr, never a hang', async () => {
    const worker = await start();
    const pending = worker.create({ base: { hf: model }, lora: { rank: 4, alpha: 8 }, seed: 1 });
    process.kill(worker.pid!, 'SIGKILL');
    await expect(pending).rejects.toMatchObject({ code: 'worker-crashed' });
    await expect(pending).rejects.toThrow(/killed by SIGKILL \(often the kernel’s out-of-memory killer\)/);
    // Later requests fail at once with the same error.
    await expect(worker.optimStep({ lr: 0.1 })).rejects.toMatchObject({ code: 'worker-crashed' });
  });

  it('stops a worker that outlives a request deadline', async () => {
    const worker = await start();
    // Loading transformers alone takes longer than 1 ms.
    const pending = worker.request(
      'create',
      { base: { hf: model }, lora: { rank: 4, alpha: 8 }, seed: 1 },
      { timeoutMs: 1 },
    );
    await expect(pending).rejects.toMatchObject({ code: 'worker-timeout' });
    await expect(worker.optimStep({ lr: 0.1 })).rejects.toMatchObject({ code: 'worker-timeout' });
  });

  it('reports a missing interpreter clearly', async () => {
    await expect(TrainingWorker.start({ python: '/nowhere/python' })).rejects.toMatchObject({
      code: 'worker-unavailable',
    });
  });
});
