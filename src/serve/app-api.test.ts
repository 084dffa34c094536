import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { temporaryStore } from '../test-support/temporary-store.js';
import { writeFakeTrainingRun } from '../test-support/training-runs.js';
import {
  compareResponse,
  judgesResponse,
  nextItemResponse,
  queueDetailResponse,
  sessionResponse,
  trafficResponse,
  trainingRunDetailResponse,
  trainingRunsResponse,
} from './app-schema.js';
import { addUser } from './people.js';
import { createServerApp } from './server.js';
import { recordFeedback } from './traffic.js';

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

  it("queues the items a grader flags: an eval run's outputs that grader failed", async () => {
    const admin = await signedUp('root', 'admin');
    await signedUp('ana', 'annotator');
    const flagged = await admin.call('POST', '/queues', {
      name: 'schema flags',
      source: { kind: 'eval-run', runId: 'run-1', failuresOnly: true, grader: 'schema' },
      annotators: ['ana'],
      overlap: 1,
    });
    expect(flagged.status).toBe(201);
    expect(flagged.json.queue.items).toBe(2);
    const unknown = await admin.call('POST', '/queues', {
      name: 'x',
      source: { kind: 'eval-run', runId: 'run-1', failuresOnly: true, grader: 'tone' },
      annotators: ['ana'],
      overlap: 1,
    });
    expect(unknown).toMatchObject({ status: 400, json: { error: { field: 'source' } } });
    expect(unknown.json.error.message).toContain('has no grader "tone" (it has schema)');
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

describe('compare', () => {
  it('pairs two runs by example id and reports the paired statistics', async () => {
    // run-2 fixes e2 and e5 but breaks e6, and has an example run-1 does not (left out).
    store.evalRuns.start({
      id: 'run-2',
      task: 'demo',
      model: 'llama:better',
      dataset: store.evalRuns.run('run-1')!.dataset,
      config: { graders: [{ name: 'schema', type: 'json-schema', weight: 1, required: true }] },
    });
    for (const id of ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7']) {
      const ok = id !== 'e6';
      store.evalRuns.saveResult('run-2', {
        exampleId: id,
        output: '{}',
        inputTokens: 10,
        outputTokens: 5,
        latencyMs: 90,
        costUsd: null,
        grades: { schema: { score: ok ? 1 : 0, pass: ok, reason: '' } },
      });
    }
    store.evalRuns.finish('run-2');
    const viewer = await signedUp('val', 'viewer');
    const compared = await viewer.call('GET', '/compare?a=run-1&b=run-2');
    expect(compared.status).toBe(200);
    const body = compareResponse.parse(compared.json);
    expect(body).toMatchObject({ examples: 6, wins: 2, losses: 1, ties: 3, regressions: ['e6'] });
    expect(body.a.id).toBe('run-1');
    expect(body.b.model).toBe('llama:better');
    expect(body.difference.mean).toBeCloseTo(1 / 6, 6);
    expect(body.difference.low!).toBeLessThanOrEqual(body.difference.mean!);
    expect(body.difference.high!).toBeGreaterThanOrEqual(body.difference.mean!);
    expect(body.signTestP).toBeCloseTo(1, 6); // 2 wins, 1 loss
    expect(body.mcnemarP).toBeCloseTo(1, 6);
    expect(body.pairs.map((pair) => pair.exampleId)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
    expect(body.pairs[1]).toEqual({ exampleId: 'e2', scoreA: 0, scoreB: 1, passA: false, passB: true });

    expect((await viewer.call('GET', '/compare?a=run-1')).json.error.field).toBe('b');
    expect((await viewer.call('GET', '/compare?a=run-1&b=nope')).status).toBe(404);
  });
});

describe('training runs', () => {
  it('lists runs with their specialists and shows one run with its curves and consistency check', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-train-'));
    writeFakeTrainingRun(store, { id: 'notes-sft', method: 'sft', root, steps: 20, evalEvery: 5 });
    writeFakeTrainingRun(store, { id: 'notes-grpo', method: 'grpo', root, steps: 12, evalEvery: 4 });
    writeFakeTrainingRun(store, { id: 'notes-live', method: 'sft', root, steps: 7, running: true });
    const viewer = await signedUp('val', 'viewer');

    const list = trainingRunsResponse.parse((await viewer.call('GET', '/training')).json).runs;
    expect(list.map((run) => run.id)).toEqual(['notes-live', 'notes-grpo', 'notes-sft']);
    expect(list[2]).toMatchObject({
      method: 'sft',
      status: 'finished',
      steps: 20,
      validationMetric: 'loss',
      specialist: 'notes-sft v1',
    });
    expect(list[1]).toMatchObject({ method: 'grpo', validationMetric: 'score', specialist: 'notes-grpo v1' });
    // Still running: steps and best validation so far come from its metrics.
    expect(list[0]).toMatchObject({ status: 'running', steps: 7, specialist: null, finishedAt: null });
    expect(list[0]!.bestValidation).toBeCloseTo(2.2 - 0.9 * Math.sqrt(5 / 7), 6);

    const sft = trainingRunDetailResponse.parse((await viewer.call('GET', '/training/notes-sft')).json);
    expect(sft.loss).toHaveLength(20);
    expect(sft.loss[0]!.step).toBe(1);
    expect(sft.validation.map((point) => point.step)).toEqual([0, 5, 10, 15, 20]);
    expect(sft.validation[0]!.value).toBeCloseTo(2.2, 6);
    expect(sft.reward).toBeNull();
    expect(sft.monitor).toBeNull();
    expect(sft.consistency).toMatchObject({ passed: true, positions: 480, tolerance: 0.081 });
    expect(sft.config).toContainEqual({ key: 'lora.rank', value: '16' });
    expect(sft.progress).toMatchObject({ step: 20, elapsedSeconds: 90 });

    const grpo = trainingRunDetailResponse.parse((await viewer.call('GET', '/training/notes-grpo')).json);
    expect(grpo.run.validationMetric).toBe('score');
    expect(grpo.validation.map((point) => point.step)).toEqual([0, 4, 8, 12]);
    expect(grpo.reward!.mean).toHaveLength(12);
    expect(grpo.reward!.graders.map((grader) => grader.grader)).toEqual(['schema', 'fields']);
    expect(grpo.monitor).toMatchObject({ grader: 'medications', flaggedSteps: [11, 12] });
    expect(grpo.monitor!.points).toHaveLength(12);

    const live = trainingRunDetailResponse.parse((await viewer.call('GET', '/training/notes-live')).json);
    expect(live.run.status).toBe('running');
    expect(live.consistency).toBeNull();
    expect(live.loss).toHaveLength(7);

    expect((await viewer.call('GET', '/training/nope')).status).toBe(404);
  });
});

describe('judges', () => {
  it('lists judge versions with their kind and held-out κ', async () => {
    const rubric = { name: 'faithful', type: 'llm-rubric', rubric: 'Is it faithful?', weight: 1 };
    const estimate = (mean: number) => ({ mean, low: mean - 0.1, high: mean + 0.1, count: 40 });
    store.judgeVersions.saveNext({
      name: 'faithful',
      config: rubric,
      parentVersion: undefined,
      lineage: { winner: 'few-shot', test: { untuned: estimate(0.41), tuned: estimate(0.62), items: 40 } },
    });
    store.judgeVersions.saveNext({
      name: 'faithful',
      config: rubric,
      parentVersion: 1,
      lineage: { winner: 'untuned', test: { untuned: estimate(0.6), tuned: estimate(0.6), items: 40 } },
    });
    store.judgeVersions.saveNext({
      name: 'faithful-probe',
      config: { type: 'probe', base: 'smollm2-135m-instruct', reading: {}, head: {} },
      parentVersion: undefined,
      lineage: { method: 'probe', test: { kappa: estimate(0.7), items: 38 } },
    });
    store.judgeVersions.saveNext({ name: 'bare', config: rubric, parentVersion: undefined, lineage: {} });
    const viewer = await signedUp('val', 'viewer');
    const judges = judgesResponse.parse((await viewer.call('GET', '/judges')).json).judges;
    expect(judges.map((judge) => [judge.name, judge.version, judge.kind])).toEqual([
      ['bare', 1, 'rubric'],
      ['faithful', 1, 'tuned'],
      ['faithful', 2, 'rubric'],
      ['faithful-probe', 1, 'trained'],
    ]);
    expect(judges[0]!.kappa).toBeNull();
    expect(judges[1]).toMatchObject({ untunedKappa: 0.41, testItems: 40, detail: 'winner: few-shot' });
    expect(judges[1]!.kappa!.mean).toBeCloseTo(0.62, 6);
    expect(judges[2]).toMatchObject({ parentVersion: 1 });
    expect(judges[3]).toMatchObject({
      untunedKappa: null,
      testItems: 38,
      detail: 'probe on smollm2-135m-instruct',
    });
    expect(judges[3]!.kappa!.low).toBeCloseTo(0.6, 6);
  });
});

describe('traffic', () => {
  const capture = (id: string, model: string, status = 200) =>
    store.traffic.add({
      id,
      keyId: 'k1',
      model,
      request: {
        model,
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: `question ${id}` },
        ],
      },
      response:
        status === 200
          ? { choices: [{ message: { content: `answer ${id}` }, finish_reason: 'stop' }] }
          : undefined,
      status,
      latencyMs: 120,
      inputTokens: 20,
      outputTokens: status === 200 ? 8 : undefined,
    });

  it('lists captured requests newest first with their feedback, and an admin queues them', async () => {
    capture('r1', 'notes@prod');
    capture('r2', 'other');
    capture('r3', 'notes@prod', 500);
    capture('r4', 'notes@prod');
    recordFeedback(store, {
      requestId: 'r1',
      annotator: 'client',
      output: 'answer r1',
      model: 'notes@prod',
      pass: false,
      score: 2,
    });
    const viewer = await signedUp('val', 'viewer');
    const all = trafficResponse.parse((await viewer.call('GET', '/traffic')).json);
    expect(all.traffic.map((item) => item.id)).toEqual(['r4', 'r3', 'r2', 'r1']);
    expect(all.models).toEqual(['notes@prod', 'other']);
    expect(all.traffic[1]).toMatchObject({ status: 500, outputTokens: null, feedback: null });
    expect(all.traffic[3]).toMatchObject({
      preview: 'question r1',
      inputTokens: 20,
      latencyMs: 120,
      feedback: { pass: false, score: 2, annotator: 'client' },
    });
    const some = trafficResponse.parse(
      (await viewer.call('GET', '/traffic?model=notes%40prod&limit=2')).json,
    );
    expect(some.traffic.map((item) => item.id)).toEqual(['r4', 'r3']);
    expect((await viewer.call('GET', '/traffic?limit=0')).json.error.field).toBe('limit');
    expect((await viewer.call('GET', '/traffic?limit=lots')).status).toBe(400);

    // "Send to a queue": the queue takes the model's answered requests; only admins make one.
    await signedUp('ana', 'annotator');
    const request = {
      name: 'prod traffic',
      source: { kind: 'traffic', model: 'notes@prod' },
      annotators: ['ana'],
      overlap: 1,
    };
    expect((await viewer.call('POST', '/queues', request)).status).toBe(403);
    const admin = await signedUp('root', 'admin');
    const created = await admin.call('POST', '/queues', request);
    expect(created.status).toBe(201);
    expect(created.json.queue).toMatchObject({ items: 2, source: { kind: 'traffic', model: 'notes@prod' } });
  });
});

describe('what annotators may not read', () => {
  it('refuses runs, compare, training, judges and traffic to annotators, and lets viewers read them', async () => {
    writeFakeTrainingRun(store, {
      id: 'notes-sft',
      method: 'sft',
      root: mkdtempSync(join(tmpdir(), 'tailor-train-')),
      steps: 3,
    });
    const ana = await signedUp('ana', 'annotator');
    const viewer = await signedUp('val', 'viewer');
    const admin = await signedUp('root', 'admin');
    const paths = [
      '/runs',
      '/runs/run-1',
      '/compare?a=run-1&b=run-1',
      '/training',
      '/training/notes-sft',
      '/judges',
      '/traffic',
    ];
    for (const path of paths) {
      const refused = await ana.call('GET', path);
      expect(refused.status, path).toBe(403);
      expect(refused.json.error.message).toMatch(/admin or viewer/);
      expect((await viewer.call('GET', path)).status, path).toBe(200);
      expect((await admin.call('GET', path)).status, path).toBe(200);
    }
    // Their own queues stay theirs to read.
    expect((await ana.call('GET', '/queues')).status).toBe(200);
  });
});
