import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { temporaryStore } from '../test-support/temporary-store.js';
import { nextItemResponse, queueDetailResponse, sessionResponse } from './app-schema.js';
import { addUser } from './people.js';
import { createServerApp } from './server.js';

// The web app's API through Hono's app.request: sessions, CSRF, roles, queues, labels, runs. No model
// is involved (the store holds an eval run written here); the browser test drives the same API.

let store: WorkspaceStore;
let app: ReturnType<typeof createServerApp>;
const origin = 'http://127.0.0.1:8787';

/** A browser stand-in: keeps the session cookie and sends the CSRF token on every change. */
class Client {
  cookie = '';
  csrf = '';
  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await app.request(`${origin}/api${path}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const set = response.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await response.text();
    const json = text ? JSON.parse(text) : undefined;
    if (json?.csrfToken) this.csrf = json.csrfToken;
    return { status: response.status, json, setCookie: set };
  }
}

async function signedUp(name: string, role: 'admin' | 'annotator' | 'viewer'): Promise<Client> {
  const { token } = addUser(store, name, role, 'test');
  const client = new Client();
  const accepted = await client.call('POST', '/invites/accept', { token, password: `${name}-password` });
  expect(accepted.status).toBe(200);
  return client;
}

beforeEach(() => {
  store = temporaryStore();
  const config = defaultConfig();
  app = createServerApp({ config, store, modelFor: () => Promise.reject(new Error('no model here')) });
  // An eval run of six examples; e2 and e5 fail the required schema grader.
  const dataset = join(mkdtempSync(join(tmpdir(), 'tailor-app-')), 'test.jsonl');
  const ids = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6'];
  writeFileSync(
    dataset,
    `${ids.map((id) => JSON.stringify({ id, input: { note: `note ${id}` }, reference: { answer: id } })).join('\n')}\n`,
  );
  store.evalRuns.start({
    id: 'run-1',
    task: 'demo',
    model: 'llama:demo',
    dataset,
    config: { graders: [{ name: 'schema', type: 'json-schema', weight: 1, required: true }] },
  });
  for (const id of ids) {
    const ok = id !== 'e2' && id !== 'e5';
    store.evalRuns.saveResult('run-1', {
      exampleId: id,
      output: JSON.stringify({ answer: ok ? id : 7 }),
      inputTokens: 10,
      outputTokens: 5,
      latencyMs: 100,
      costUsd: null,
      grades: { schema: { score: ok ? 1 : 0, pass: ok, reason: ok ? 'valid' : '/answer must be string' } },
    });
  }
  store.evalRuns.finish('run-1');
});

describe('sessions', () => {
  it('signs in with a password set through a one-time invite, and out again', async () => {
    const { token } = addUser(store, 'ana', 'annotator', 'test');
    const client = new Client();
    expect((await client.call('GET', '/session')).status).toBe(401);
    const accepted = await client.call('POST', '/invites/accept', { token, password: 'correct horse' });
    expect(sessionResponse.parse(accepted.json).user).toMatchObject({
      name: 'ana',
      role: 'annotator',
      active: true,
    });
    expect(accepted.setCookie).toMatch(/HttpOnly/);
    expect(accepted.setCookie).toMatch(/SameSite=Strict/);
    // The link works once.
    expect(
      (await new Client().call('POST', '/invites/accept', { token, password: 'another one' })).status,
    ).toBe(400);
    expect((await client.call('DELETE', '/session')).status).toBe(204);
    expect((await client.call('GET', '/session')).status).toBe(401);
    const again = new Client();
    expect((await again.call('POST', '/session', { name: 'ana', password: 'wrong password' })).status).toBe(
      401,
    );
    expect((await again.call('POST', '/session', { name: 'ana', password: 'correct horse' })).status).toBe(
      200,
    );
  });

  it('refuses a change without the CSRF token, and a cross-origin one', async () => {
    const admin = await signedUp('root', 'admin');
    const csrf = admin.csrf;
    admin.csrf = '';
    const missing = await admin.call('POST', '/users', { name: 'bob', role: 'viewer' });
    expect(missing.status).toBe(403);
    expect(missing.json.error.message).toMatch(/CSRF/);
    admin.csrf = csrf;
    const foreign = await admin.call(
      'POST',
      '/users',
      { name: 'bob', role: 'viewer' },
      { origin: 'https://evil.example' },
    );
    expect(foreign.status).toBe(403);
    expect(store.people.user('bob')).toBeUndefined();
    expect((await admin.call('POST', '/users', { name: 'bob', role: 'viewer' })).status).toBe(201);
  });

  it('names the field of a bad body', async () => {
    const admin = await signedUp('root', 'admin');
    const bad = await admin.call('POST', '/users', { name: 'no spaces allowed', role: 'viewer' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.field).toBe('name');
    const role = await admin.call('POST', '/users', { name: 'bob', role: 'owner' });
    expect(role.json.error.field).toBe('role');
  });
});

describe('queues', () => {
  it('assigns items with overlap, takes labels into the labels table, skips, undoes and measures agreement', async () => {
    const admin = await signedUp('root', 'admin');
    const ana = await signedUp('ana', 'annotator');
    const ben = await signedUp('ben', 'annotator');
    const created = await admin.call('POST', '/queues', {
      name: 'run-1 review',
      source: { kind: 'eval-run', runId: 'run-1' },
      annotators: ['ana', 'ben'],
      overlap: 2,
    });
    expect(created.status).toBe(201);
    const id = created.json.queue.id as string;
    expect(created.json.queue).toMatchObject({ items: 6, required: 12, labelled: 0 });

    const first = nextItemResponse.parse((await ana.call('GET', `/queues/${id}/next`)).json);
    expect(first.item).toMatchObject({
      exampleId: 'e1',
      input: { note: 'note e1' },
      reference: { answer: 'e1' },
    });
    expect(first.item!.grades[0]).toMatchObject({ grader: 'schema', pass: true });
    const path = (item: { itemId: string }) => `/queues/${id}/items/${encodeURIComponent(item.itemId)}`;

    // Verdicts that agree on every item except e3.
    for (const [client, who] of [
      [ana, 'ana'],
      [ben, 'ben'],
    ] as const)
      for (let n = 0; n < 6; n++) {
        const next = nextItemResponse.parse((await client.call('GET', `/queues/${id}/next`)).json).item!;
        const failing =
          next.exampleId === 'e2' || next.exampleId === 'e5' || (who === 'ben' && next.exampleId === 'e3');
        const saved = await client.call('PUT', `${path(next)}/label`, {
          pass: !failing,
          score: failing ? 2 : 5,
          critique: failing ? 'the answer is wrong' : '',
          tags: failing ? ['wrong-type'] : [],
        });
        expect(saved.status).toBe(200);
      }
    expect(nextItemResponse.parse((await ana.call('GET', `/queues/${id}/next`)).json)).toMatchObject({
      item: null,
      remaining: 0,
    });

    const labels = store.labels.list({ annotator: 'ana' });
    expect(labels).toHaveLength(6);
    expect(labels.find((label) => label.exampleId === 'e2')).toMatchObject({
      pass: false,
      score: 2,
      critique: 'the answer is wrong',
      meta: { origin: 'queue', queue: id, run: 'run-1', tags: ['wrong-type'] },
    });

    const detail = queueDetailResponse.parse((await admin.call('GET', `/queues/${id}`)).json);
    expect(detail.queue.labelled).toBe(12);
    expect(detail.agreement.overlappingItems).toBe(6);
    expect(detail.agreement.pairwiseKappa).toEqual([
      { a: 'ana', b: 'ben', items: 6, kappa: expect.any(Number) },
    ]);
    // 5 of 6 agree; chance agreement is high, so κ is well below the raw agreement but positive.
    expect(detail.agreement.pairwiseKappa[0]!.kappa!).toBeCloseTo(0.667, 2);
    expect(detail.agreement.alphaPass).toBeGreaterThan(0);

    // Undo brings back the latest label's item; skip moves an item to the end of the queue.
    const undone = await ana.call('POST', `/queues/${id}/undo`);
    expect(undone.json.itemId).toBe(labels.find((label) => label.exampleId === 'e6')!.itemId);
    expect(store.labels.list({ annotator: 'ana' })).toHaveLength(5);
    const back = nextItemResponse.parse((await ana.call('GET', `/queues/${id}/next`)).json);
    expect(back.item!.exampleId).toBe('e6');
    expect((await ana.call('POST', `${path(back.item!)}/skip`)).status).toBe(204);
    // Nothing else is left, so the skipped item comes back rather than the queue looking done.
    expect(nextItemResponse.parse((await ana.call('GET', `/queues/${id}/next`)).json).item!.exampleId).toBe(
      'e6',
    );
  });

  it('keeps annotators to their own queues and out of admin routes', async () => {
    const admin = await signedUp('root', 'admin');
    const ana = await signedUp('ana', 'annotator');
    const ben = await signedUp('ben', 'annotator');
    const viewer = await signedUp('val', 'viewer');
    const queue = (
      await admin.call('POST', '/queues', {
        name: 'only ana',
        source: { kind: 'eval-run', runId: 'run-1', failuresOnly: true },
        annotators: ['ana'],
        overlap: 1,
      })
    ).json.queue;
    expect(queue.items).toBe(2); // e2 and e5
    expect((await ben.call('GET', '/queues')).json.queues).toEqual([]);
    expect((await ana.call('GET', '/queues')).json.queues).toHaveLength(1);
    expect((await ben.call('GET', `/queues/${queue.id}`)).status).toBe(403);
    expect((await ben.call('GET', `/queues/${queue.id}/next`)).status).toBe(403);
    const item = nextItemResponse.parse((await ana.call('GET', `/queues/${queue.id}/next`)).json).item!;
    const label = await ben.call(
      'PUT',
      `/queues/${queue.id}/items/${encodeURIComponent(item.itemId)}/label`,
      {
        pass: true,
        score: null,
      },
    );
    expect(label.status).toBe(403);
    expect(store.labels.list()).toHaveLength(0);
    for (const client of [ana, viewer]) {
      expect((await client.call('GET', '/users')).status).toBe(403);
      expect((await client.call('POST', '/users', { name: 'eve', role: 'admin' })).status).toBe(403);
      expect(
        (
          await client.call('POST', '/queues', {
            name: 'x',
            source: { kind: 'eval-run', runId: 'run-1' },
            annotators: ['ana'],
            overlap: 1,
          })
        ).status,
      ).toBe(403);
    }
    // A viewer reads queues but cannot label.
    expect((await viewer.call('GET', `/queues/${queue.id}`)).status).toBe(200);
    expect((await viewer.call('GET', `/queues/${queue.id}/next`)).status).toBe(403);
  });

  it('refuses a queue it cannot build, saying why', async () => {
    const admin = await signedUp('root', 'admin');
    await signedUp('ana', 'annotator');
    const overlap = await admin.call('POST', '/queues', {
      name: 'q',
      source: { kind: 'eval-run', runId: 'run-1' },
      annotators: ['ana'],
      overlap: 2,
    });
    expect(overlap).toMatchObject({ status: 400, json: { error: { field: 'overlap' } } });
    const missing = await admin.call('POST', '/queues', {
      name: 'q',
      source: { kind: 'eval-run', runId: 'nope' },
      annotators: ['ana'],
      overlap: 1,
    });
    expect(missing.status).toBe(404);
    const unknown = await admin.call('POST', '/queues', {
      name: 'q',
      source: { kind: 'eval-run', runId: 'run-1' },
      annotators: ['nobody'],
      overlap: 1,
    });
    expect(unknown).toMatchObject({ status: 400, json: { error: { field: 'annotators' } } });
    expect(store.queues.queues()).toEqual([]);
  });
});

describe('runs', () => {
  it('lists runs and filters a drill-down to failures of a grader', async () => {
    const viewer = await signedUp('val', 'viewer');
    const runs = (await viewer.call('GET', '/runs')).json.runs;
    expect(runs).toEqual([
      expect.objectContaining({
        id: 'run-1',
        examples: 6,
        graders: [{ grader: 'schema', mean: 4 / 6, passRate: 4 / 6 }],
      }),
    ]);
    const failures = (await viewer.call('GET', '/runs/run-1?grader=schema&failures=1')).json.results;
    expect(failures.map((result: { exampleId: string }) => result.exampleId)).toEqual(['e2', 'e5']);
    expect(failures[0].grades[0].reason).toBe('/answer must be string');
    expect((await viewer.call('GET', '/runs/run-1')).json.results).toHaveLength(6);
    expect((await viewer.call('GET', '/runs/nope')).status).toBe(404);
  });
});
