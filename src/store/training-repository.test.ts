import { describe, expect, it } from 'vitest';
import { temporaryStore } from '../test-support/temporary-store.js';

describe('specialists', () => {
  it('numbers versions per name, names each adapter file by version, and finds the latest', () => {
    const store = temporaryStore();
    store.training.startRun({
      id: 'run-1',
      method: 'sft',
      base: 'smollm2-135m-instruct',
      runDirectory: '/runs/1',
      config: { lr: 1 },
    });
    const specialist = {
      name: 'notes',
      base: 'smollm2-135m-instruct',
      basePath: '/m.gguf',
      adapterPath: '',
      trainingRun: 'run-1',
      lineage: { steps: 3 },
    };
    const first = store.training.registerSpecialist(specialist, (version) => `/adapters/v${version}.gguf`);
    const second = store.training.registerSpecialist(specialist, (version) => `/adapters/v${version}.gguf`);
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(store.training.specialist('notes')).toMatchObject({
      version: 2,
      adapterPath: '/adapters/v2.gguf',
      lineage: { steps: 3 },
    });
    expect(store.training.specialist('notes', 1)?.adapterPath).toBe('/adapters/v1.gguf');
    expect(store.training.specialist('other')).toBeUndefined();
    store.training.finishRun('run-1', 'finished', { steps: 3 });
    expect(store.training.run('run-1')).toMatchObject({
      status: 'finished',
      result: { steps: 3 },
      config: { lr: 1 },
    });
    store.close();
  });
});

describe('training runs', () => {
  it('lists runs oldest first, and starting a finished run again sets it back to running', () => {
    const store = temporaryStore();
    const run = { method: 'sft', base: 'smollm2-135m-instruct', runDirectory: '/runs', config: {} };
    store.training.startRun({ ...run, id: 'first' });
    store.training.startRun({ ...run, id: 'second' });
    expect(store.training.run('first')).toMatchObject({ status: 'running', result: null, finishedAt: null });
    store.training.finishRun('first', 'failed', { error: 'out of memory' });
    expect(store.training.run('first')).toMatchObject({
      status: 'failed',
      result: { error: 'out of memory' },
    });
    expect(store.training.run('first')?.finishedAt).toEqual(expect.any(String));
    store.training.startRun({ ...run, id: 'first', config: { changed: true } });
    expect(store.training.run('first')).toMatchObject({ status: 'running', finishedAt: null, config: {} });
    expect(store.training.runs().map((record) => record.id)).toEqual(['first', 'second']);
    expect(store.training.run('missing')).toBeUndefined();
    store.close();
  });
});
