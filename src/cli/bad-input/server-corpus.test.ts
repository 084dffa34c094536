import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../serve/keys.js';
import { type RunningServer, startServer } from '../../serve/server.js';
import { openWorkspace, type Workspace } from '../../store/workspace.js';
import { dataWorkspace } from '../../test-support/data-workspace.js';
import { serverCases } from './server-cases.js';
import { snapshot } from './snapshot.js';

// The bad-input corpus against a real `tailor serve` on 127.0.0.1: every request is refused with its
// status and an OpenAI-shaped error body that says what was wrong, before any model is asked, and
// nothing is stored.
let root: string;
let workspace: Workspace;
let server: RunningServer;
const keys: Record<string, string> = {};
const asked: string[] = [];

beforeAll(async () => {
  root = dataWorkspace();
  workspace = openWorkspace(root);
  keys.admin = createApiKey(workspace.store, { name: 'admin', scopes: ['admin'] }).secret;
  keys['feedback-only'] = createApiKey(workspace.store, { name: 'labeller', scopes: ['feedback'] }).secret;
  server = await startServer({
    config: workspace.config,
    store: workspace.store,
    port: 0,
    modelFor: (reference) => {
      asked.push(reference);
      return Promise.reject(new Error('the corpus never decodes'));
    },
  });
});

afterAll(async () => {
  await server?.close();
  workspace?.close();
});

describe('the bad-input corpus (server)', () => {
  it.each(serverCases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    const before = snapshot(root);
    const authorization =
      entry.key === 'none'
        ? undefined
        : entry.key === 'wrong'
          ? 'Bearer tk-not-a-key'
          : entry.key === 'malformed'
            ? `Token ${keys.admin}`
            : `Bearer ${keys[entry.key ?? 'admin']}`;
    const method = entry.method ?? 'POST';
    const response = await fetch(`${server.url}${entry.path ?? '/v1/chat/completions'}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
        ...entry.headers,
      },
      ...(method === 'POST' || method === 'PUT'
        ? { body: typeof entry.body === 'string' ? entry.body : JSON.stringify(entry.body) }
        : {}),
    });
    const text = await response.text();
    expect({ status: response.status, text }).toMatchObject({ status: entry.status });
    const body = JSON.parse(text) as { error: { message: string; type: string; code: string | null } };
    expect(body.error.type).toEqual(expect.any(String));
    for (const words of entry.says) expect(JSON.stringify(body.error)).toContain(words);
    expect(text).not.toMatch(/\n\s+at .+[:(]\d+/);
    expect(asked).toEqual([]);
    expect(snapshot(root), 'the workspace changed').toEqual(before);
  });
});
