import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../models/catalog.js';
import { listModels } from '../models/model-files.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { createApiKey } from './keys.js';
import { type RunningServer, startServer } from './server.js';

// A real server on 127.0.0.1 that is never asked to decode: what it refuses before any model runs.
let workspace: Workspace;
let server: RunningServer;
let secret: string;
const requested: string[] = [];

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'tailor-limits-'));
  writeFileSync(join(root, 'tailor.yaml'), 'version: 1\nserve:\n  maxBodyBytes: 65536\n');
  workspace = openWorkspace(root);
  secret = createApiKey(workspace.store, { name: 'app', scopes: ['inference'] }).secret;
  server = await startServer({
    config: workspace.config,
    store: workspace.store,
    port: 0,
    modelFor: (reference) => {
      requested.push(reference);
      return Promise.reject(new Error('no model in this test'));
    },
  });
});

afterAll(async () => {
  await server?.close();
  workspace?.close();
});

const chat = (body: string) =>
  fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body,
  });

describe('tailor serve limits', () => {
  it('refuses a body over serve.maxBodyBytes with 413 and stores nothing', async () => {
    const huge = JSON.stringify({
      model: 'smollm2-135m-instruct',
      messages: [{ role: 'user', content: 'x'.repeat(200_000) }],
    });
    const response = await chat(huge);
    expect(response.status).toBe(413);
    // The unread rest of the body ends the connection; the client is told, so it does not reuse it.
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({
      error: { code: 'request_too_large', type: 'invalid_request_error' },
    });
    expect(workspace.store.traffic.successful({})).toEqual([]);
    expect(requested).toEqual([]);
  });

  it('lists and serves only models already pulled: a client cannot start a download', async () => {
    const pulled = new Set((await listModels()).filter((model) => model.pulled).map((model) => model.name));
    const notPulled = catalog.map((entry) => entry.name).filter((name) => !pulled.has(name));
    expect(notPulled.length).toBeGreaterThan(0);
    const listed = (await (
      await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })
    ).json()) as { data: { id: string }[] };
    for (const name of notPulled) expect(listed.data.map((model) => model.id)).not.toContain(name);
    const response = await chat(
      JSON.stringify({ model: notPulled[0], messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'model_not_found' } });
    expect(requested).toEqual([]);
  });
});
