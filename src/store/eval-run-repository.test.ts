import { describe, expect, it } from 'vitest';
import { temporaryStore } from '../test-support/temporary-store.js';
import type { EvalResultRecord } from './eval-run-repository.js';

const result = (exampleId: string, output: string): EvalResultRecord => ({
  exampleId,
  output,
  inputTokens: 3,
  outputTokens: 4,
  latencyMs: 5,
  costUsd: null,
  grades: { exact: { score: 1, pass: true } },
});

describe('eval runs', () => {
  it('keeps the first record of a run id, so starting it again resumes it', () => {
    const store = temporaryStore();
    const run = { id: 'r1', task: 'notes', model: 'llama:x', dataset: '/data.jsonl' };
    store.evalRuns.start({ ...run, config: { maxTokens: 64 } });
    store.evalRuns.start({ ...run, model: 'llama:y', config: { maxTokens: 8 } });
    expect(store.evalRuns.run('r1')).toMatchObject({
      ...run,
      config: { maxTokens: 64 },
      finishedAt: null,
    });
    store.evalRuns.finish('r1');
    expect(store.evalRuns.run('r1')?.finishedAt).toEqual(expect.any(String));
    expect(store.evalRuns.run('missing')).toBeUndefined();
    store.close();
  });

  it('stores results as they come, one per example, and lists them by example id', () => {
    const store = temporaryStore();
    store.evalRuns.start({ id: 'r1', task: 't', model: 'm', dataset: 'd', config: {} });
    store.evalRuns.start({ id: 'r2', task: 't', model: 'm', dataset: 'd', config: {} });
    store.evalRuns.saveResult('r1', result('e2', 'first try'));
    store.evalRuns.saveResult('r1', result('e1', 'one'));
    store.evalRuns.saveResult('r1', result('e2', 'second try'));
    store.evalRuns.saveResult('r2', result('e3', 'other run'));
    expect(store.evalRuns.results('r1')).toEqual([result('e1', 'one'), result('e2', 'second try')]);
    expect(store.evalRuns.results('unknown')).toEqual([]);
    expect(store.evalRuns.list().map((run) => [run.id, run.examples])).toEqual(
      expect.arrayContaining([
        ['r1', 2],
        ['r2', 1],
      ]),
    );
    store.close();
  });
});
