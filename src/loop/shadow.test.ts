import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTask } from '../task/task.js';
import { temporaryStore } from '../test-support/temporary-store.js';
import { shadowReport } from './shadow.js';

// Shadow answers (as `tailor serve` captures them) graded beside the answers clients got.
const root = mkdtempSync(join(tmpdir(), 'tailor-shadow-'));
writeFileSync(
  join(root, 'schema.json'),
  JSON.stringify({ type: 'object', required: ['a'], properties: { a: { type: 'number' } } }),
);
const task = parseTask(
  {
    name: 'json',
    prompt: '{{q}}',
    output: { format: 'json', schema: './schema.json' },
    graders: [{ name: 'schema', type: 'json-schema', schema: './schema.json' }],
  },
  join(root, 'tailor.yaml'),
);

describe('shadow report', () => {
  it('pairs each shadow answer with the answer the client got, and compares them graded', async () => {
    const store = temporaryStore();
    const completion = (content: string) => ({ choices: [{ message: { role: 'assistant', content } }] });
    const request = { model: 'notes@prod', messages: [{ role: 'user', content: 'q' }] };
    const base = { keyId: 'k', request, status: 200, latencyMs: 1, inputTokens: 1, outputTokens: 1 };
    // prod answers badly twice, well once; the candidate well every time.
    const prodAnswers = ['{"a": "x"}', 'nope', '{"a": 1}'];
    prodAnswers.forEach((answer, index) => {
      store.traffic.add({ ...base, id: `req-${index}`, model: 'notes@prod', response: completion(answer) });
      store.traffic.add({
        ...base,
        id: `shadow-${index}`,
        model: 'notes@v2',
        response: completion('{"a": 2}'),
        rollout: 'shadow',
        shadowOf: `req-${index}`,
      });
    });
    // A shadow whose request failed is not a pair.
    store.traffic.add({ ...base, id: 'req-9', model: 'notes@prod', status: 504, response: {} });
    store.traffic.add({
      ...base,
      id: 'shadow-9',
      model: 'notes@v2',
      response: completion('{"a": 3}'),
      rollout: 'shadow',
      shadowOf: 'req-9',
    });

    const graders = await task.createGraders();
    const report = await shadowReport(store, 'notes@v2', graders);
    expect(report).toMatchObject({ candidate: 'notes@v2', models: { 'notes@prod': 3 } });
    expect(report!.comparison).toMatchObject({ examples: 3, wins: 2, losses: 0, ties: 1 });
    expect(report!.graders).toEqual([{ name: 'schema', prod: 1 / 3, candidate: 1 }]);
    expect(await shadowReport(store, 'notes@v9', graders)).toBeUndefined();
  });
});
