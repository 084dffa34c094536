import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { recordTraffic, trafficDataset } from './traffic.js';

let workspace: Workspace | undefined;
afterEach(() => workspace?.close());

function open(): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'tailor-traffic-'));
  writeFileSync(join(root, 'tailor.yaml'), 'version: 1\n');
  workspace = openWorkspace(root);
  return workspace;
}

const request = { model: 'm', messages: [{ role: 'user', content: 'Summarise this.' }] };
const record = (id: string, status: number, response: unknown) => ({
  id,
  keyId: undefined,
  model: 'm',
  request,
  response,
  status,
  latencyMs: 10,
  inputTokens: 5,
  outputTokens: 5,
});

describe('trafficDataset', () => {
  it('exports only whole answers: not errors, cut-off ones or empty ones', () => {
    const { store } = open();
    const plain = (content: string, finish = 'stop') => ({
      choices: [{ message: { role: 'assistant', content }, finish_reason: finish }],
    });
    recordTraffic(store, record('whole', 200, plain('A summary.')), []);
    recordTraffic(
      store,
      record('streamed', 200, { streamed: true, content: 'Streamed.', finish_reason: 'stop' }),
      [],
    );
    recordTraffic(store, record('cut', 200, plain('A summ', 'length')), []);
    recordTraffic(
      store,
      record('cut-stream', 200, { streamed: true, content: 'Stre', finish_reason: 'length' }),
      [],
    );
    recordTraffic(store, record('empty', 200, plain('   ')), []);
    recordTraffic(store, record('timeout', 504, { error: { code: 'timeout' }, partial: 'A su' }), []);
    recordTraffic(store, record('left', 499, { error: { code: 'client_closed' }, partial: '' }), []);
    const exported = trafficDataset(store, {});
    expect(exported.map((entry) => entry.id)).toEqual(['whole', 'streamed']);
    expect(exported[0]!.messages.at(-1)).toEqual({ role: 'assistant', content: 'A summary.' });
  });
});
