import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLabels } from '../align/labels.js';
import type { ChatModel } from '../core/chat-model.js';
import { createModel } from '../models/create-model.js';
import { disposeLlamaRuntime } from '../models/llama-cpp.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { defaultModelPath } from '../test-support/default-model.js';
import { writeLlamaLora } from '../test-support/gguf-writer.js';
import { promoteSpecialist, rollbackSpecialist } from '../train/aliases.js';
import { createApiKey, revokeApiKey } from './keys.js';
import { type RunningServer, startServer } from './server.js';
import { trafficDataset, trafficRecord } from './traffic.js';

// A real server on 127.0.0.1 serving the real default model, driven by the official openai client.
let workspace: Workspace;
let server: RunningServer;
let secret: string;
let feedbackOnly: string;
let revoked: string;
const models = new Map<string, Promise<ChatModel>>();

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'tailor-serve-'));
  writeFileSync(
    join(root, 'tailor.yaml'),
    'version: 1\nllama:\n  parallel: 2\n  contextSize: 512\nserve:\n  maxQueue: 1\n  redact: [request.metadata]\n',
  );
  workspace = openWorkspace(root);
  secret = createApiKey(workspace.store, { name: 'app', scopes: ['inference', 'feedback'] }).secret;
  feedbackOnly = createApiKey(workspace.store, { name: 'labeller', scopes: ['feedback'] }).secret;
  revoked = createApiKey(workspace.store, { name: 'old', scopes: ['admin'] }).secret;
  revokeApiKey(workspace.store, 'old');
  workspace.store.training.startRun({
    id: 'run-1',
    method: 'sft',
    base: 'smollm2-135m-instruct',
    runDirectory: root,
    config: {},
  });
  await registerVersion(1);
  server = await startServer({
    config: workspace.config,
    store: workspace.store,
    port: 0,
    modelFor: (reference) => {
      if (!models.has(reference))
        models.set(reference, createModel(reference, { config: workspace.config, store: workspace.store }));
      return models.get(reference)!;
    },
  });
}, 120_000);

/**
 * A version of the specialist `notes-sft` (the default model plus a LoRA adapter, a different one per
 * version), registered as training would register it.
 */
async function registerVersion(seed: number): Promise<void> {
  const adapter = join(workspace.paths.root, `notes-sft-v${seed}.gguf`);
  writeLlamaLora(adapter, { layers: [0, 1, 2, 3], hidden: 576, rank: 8, alpha: 16, seed, scale: 0.5 });
  workspace.store.training.registerSpecialist(
    {
      name: 'notes-sft',
      base: 'smollm2-135m-instruct',
      basePath: await defaultModelPath(),
      adapterPath: '',
      trainingRun: 'run-1',
      lineage: {},
    },
    () => adapter,
  );
}

afterAll(async () => {
  await server?.close();
  await Promise.all([...models.values()].map(async (model) => (await model).close()));
  workspace?.close();
  await disposeLlamaRuntime();
});

const post = (path: string, body: string, key?: string) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
interface WireBody {
  error: { type: string; code: string | null; param: string | null };
  id: string;
  usage: { completion_tokens: number };
  choices: { message: { content: string } }[];
}
const json = async (response: Response) => (await response.json()) as WireBody;
const ask = (content: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    model: 'smollm2-135m-instruct',
    messages: [{ role: 'user', content }],
    max_tokens: 8,
    ...extra,
  });

describe('tailor serve', () => {
  it('answers the official openai client: plain, streamed, JSON schema and n > 1', {
    timeout: 300_000,
  }, async () => {
    const client = new OpenAI({ apiKey: secret, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const listed = await client.models.list();
    expect(listed.data.map((model) => model.id)).toEqual(
      expect.arrayContaining(['smollm2-135m-instruct', 'notes-sft']),
    );

    const request = {
      model: 'smollm2-135m-instruct',
      messages: [{ role: 'user' as const, content: 'Name a colour.' }],
      max_tokens: 12,
      temperature: 0,
    };
    const plain = await client.chat.completions.create(request);
    expect(plain.object).toBe('chat.completion');
    expect(plain.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(plain.usage!.completion_tokens).toBeGreaterThan(0);
    expect(plain.usage!.total_tokens).toBe(plain.usage!.prompt_tokens + plain.usage!.completion_tokens);

    const chunks: string[] = [];
    let finish: string | null = null;
    let usage: unknown;
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (choice?.delta.content) chunks.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(plain.choices[0]!.message.content); // greedy: the same text either way
    expect(finish).toBe(plain.choices[0]!.finish_reason);
    expect(usage).toMatchObject({ completion_tokens: plain.usage!.completion_tokens });

    const structured = await client.chat.completions.create({
      ...request,
      max_tokens: 40,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'colour',
          schema: { type: 'object', properties: { colour: { type: 'string' } }, required: ['colour'] },
        },
      },
    });
    expect(typeof JSON.parse(structured.choices[0]!.message.content!).colour).toBe('string');

    const several = await client.chat.completions.create({ ...request, n: 2, temperature: 0.9, seed: 3 });
    expect(several.choices.map((choice) => choice.index)).toEqual([0, 1]);

    // The specialist is served by name from the same process, on the same base weights.
    const specialist = await client.chat.completions.create({ ...request, model: 'notes-sft' });
    expect(specialist.model).toBe('notes-sft');
    expect(specialist.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });

  it('refuses missing, wrong and revoked keys, and wrong scopes', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const none = await post('/v1/chat/completions', ask('hi'));
    expect(none.status).toBe(401);
    expect((await json(none)).error).toMatchObject({
      type: 'authentication_error',
      code: 'invalid_api_key',
    });
    expect((await post('/v1/chat/completions', ask('hi'), 'tk_not-a-key')).status).toBe(401);
    expect((await post('/v1/chat/completions', ask('hi'), revoked)).status).toBe(401);
    const scope = await post('/v1/chat/completions', ask('hi'), feedbackOnly);
    expect(scope.status).toBe(403);
    expect((await json(scope)).error.type).toBe('permission_error');
    expect((await fetch(`${server.url}/v1/models`)).status).toBe(401);
  });

  it('answers bad requests with OpenAI error bodies and keeps serving', { timeout: 120_000 }, async () => {
    const malformed = await post('/v1/chat/completions', '{"model": ', secret);
    expect(malformed.status).toBe(400);
    expect((await json(malformed)).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_json',
    });
    const unknown = await post('/v1/chat/completions', ask('hi', { model: 'gpt-nope' }), secret);
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error).toMatchObject({ param: 'model', code: 'model_not_found' });
    const hot = await post('/v1/chat/completions', ask('hi', { temperature: 5 }), secret);
    expect(hot.status).toBe(400);
    expect((await json(hot)).error.param).toBe('temperature');
    const long = await post('/v1/chat/completions', ask('word '.repeat(800)), secret);
    expect(long.status).toBe(400);
    expect((await json(long)).error.code).toBe('context_length_exceeded');
    expect((await post('/v1/chat/completions', ask('hi'), secret)).status).toBe(200);
  });

  it('captures traffic without the key, and takes feedback as a label', { timeout: 120_000 }, async () => {
    const response = await post(
      '/v1/chat/completions',
      ask('Say yes.', { metadata: { user: 'alice' } }),
      secret,
    );
    const body = await json(response);
    expect(response.headers.get('x-request-id')).toBe(body.id);
    const captured = trafficRecord(workspace.store, body.id)!;
    expect(captured).toMatchObject({ model: 'smollm2-135m-instruct', status: 200 });
    expect(captured.outputTokens).toBe(body.usage.completion_tokens);
    expect((captured.request as { metadata: unknown }).metadata).toBe('[redacted]');
    expect(JSON.stringify(captured)).not.toContain(secret);
    const feedback = await post(
      '/v1/feedback',
      JSON.stringify({
        request_id: body.id,
        annotator: 'dr-a',
        pass: false,
        score: 2,
        critique: 'too short',
      }),
      feedbackOnly,
    );
    expect(feedback.status).toBe(200);
    const [label] = listLabels(workspace.store, { exampleId: body.id });
    expect(label).toMatchObject({
      annotator: 'dr-a',
      pass: false,
      score: 2,
      output: body.choices[0]!.message.content,
    });
    const missing = await post(
      '/v1/feedback',
      JSON.stringify({ request_id: 'nope', annotator: 'x', pass: true }),
      secret,
    );
    expect(missing.status).toBe(404);
  });

  it('answers 429 beyond the queue, and a client that disconnects frees its slot', {
    timeout: 300_000,
  }, async () => {
    // Two slots and one queue place: of five at once, at least two are turned away.
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () =>
        post('/v1/chat/completions', ask('Count to ten.', { max_tokens: 24 }), secret),
      ),
    ).then((responses) =>
      Promise.all(
        responses.map(async (response) => ({
          status: response.status,
          retryAfter: response.headers.get('retry-after'),
          body: await response.text(),
        })),
      ),
    );
    const refused = statuses.filter((entry) => entry.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.every((entry) => entry.retryAfter === '1')).toBe(true);
    expect(statuses.filter((entry) => entry.status === 200).length).toBeGreaterThanOrEqual(1);

    const controller = new AbortController();
    const streaming = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: ask('Write a long story.', { max_tokens: 400, stream: true }),
      signal: controller.signal,
    });
    const reader = streaming.body!.getReader();
    await reader.read(); // the first chunk: generation has started
    controller.abort();
    let health = { inFlight: -1 };
    for (let attempt = 0; attempt < 100 && health.inFlight !== 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = (await (await fetch(`${server.url}/healthz`)).json()) as { inFlight: number };
    }
    expect(health.inFlight).toBe(0);
    // Stored as what it was, a request the client closed, not a 200 "stop" with the text cut off.
    const left = workspace.store.traffic.find(streaming.headers.get('x-request-id')!);
    expect(left?.status).toBe(499);
    expect((await post('/v1/chat/completions', ask('hi'), secret)).status).toBe(200);
  });

  it('answers a generation past serve.requestTimeoutMs with 504, plain and streamed, and never exports it', {
    timeout: 120_000,
  }, async () => {
    // The greedy count fills the 512-token context in seconds: both requests outlive 800 ms however
    // fast the machine decodes (a story at temperature 1 could end first, and did).
    const config = { ...workspace.config, serve: { ...workspace.config.serve, requestTimeoutMs: 800 } };
    const hurried = await startServer({
      config,
      store: workspace.store,
      port: 0,
      modelFor: (reference) => {
        if (!models.has(reference))
          models.set(reference, createModel(reference, { config, store: workspace.store }));
        return models.get(reference)!;
      },
    });
    try {
      const long = (extra: Record<string, unknown> = {}) =>
        fetch(`${hurried.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
          // Greedy, so the plain and the streamed generation are the same length: at the default
          // temperature a sample may stop early, and a stream that ends in time has nothing to time out.
          body: ask('Count from 1 to 2000, one number per line, with no other text.', {
            max_tokens: 2000,
            temperature: 0,
            ...extra,
          }),
        });
      // Load the model first, so the deadline falls inside the generation, not inside the load.
      await long({ max_tokens: 1 });
      const plain = await long();
      expect(plain.status).toBe(504);
      expect((await json(plain)).error).toMatchObject({ type: 'timeout', code: 'timeout' });
      const plainId = plain.headers.get('x-request-id')!;

      const streamStart = performance.now();
      const streamed = await long({ stream: true });
      expect(streamed.status).toBe(200); // the status leaves with the first chunk
      const body = await streamed.text();
      const streamedSeconds = (performance.now() - streamStart) / 1000;
      const events = body
        .split('\n\n')
        .filter((event) => event.startsWith('data: '))
        .map((event) => event.slice('data: '.length));
      const said = events
        .slice(0, -1)
        .map(
          (event) =>
            (JSON.parse(event) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta
              ?.content ?? '',
        )
        .join('');
      expect(
        events.at(-1),
        `${events.length} events, ${streamedSeconds.toFixed(1)} s: ${JSON.stringify(said.slice(0, 200))}`,
      ).not.toBe('[DONE]');
      expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { type: 'timeout', code: 'timeout' } });
      const streamedId = streamed.headers.get('x-request-id')!;

      expect(workspace.store.traffic.find(plainId)?.status).toBe(504);
      expect(workspace.store.traffic.find(streamedId)?.status).toBe(504);
      const exported = trafficDataset(workspace.store, {}).map((record) => record.id);
      expect(exported).not.toContain(plainId);
      expect(exported).not.toContain(streamedId);
    } finally {
      await hurried.close();
    }
  });
  it('serves every version and the aliases clients call, following a promotion without a restart', {
    timeout: 120_000,
  }, async () => {
    // A second version of the specialist, as a retraining would register it: it does not move @prod.
    await registerVersion(2);
    const served = async (model: string) => {
      const response = await post('/v1/chat/completions', ask('Hi', { model, max_tokens: 2 }), secret);
      return {
        status: response.status,
        weights: response.headers.get('x-tailor-model'),
        body: await json(response),
      };
    };
    expect((await served('notes-sft@prod')).body.error.code).toBe('model_not_found');
    promoteSpecialist(workspace.store, {
      name: 'notes-sft',
      version: 1,
      alias: 'prod',
      reason: 'first release',
    });
    expect(await served('notes-sft@prod')).toMatchObject({ status: 200, weights: 'llama:notes-sft@v1' });
    // The bare name is the latest version; a version is addressable by number.
    expect((await served('notes-sft')).weights).toBe('llama:notes-sft@v2');
    expect((await served('notes-sft@v1')).weights).toBe('llama:notes-sft@v1');
    const listed = (await (
      await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })
    ).json()) as {
      data: { id: string }[];
    };
    expect(listed.data.map((model) => model.id)).toContain('notes-sft@prod');
    // Promoted while the server runs: the next request gets the new version.
    promoteSpecialist(workspace.store, {
      name: 'notes-sft',
      version: 2,
      alias: 'prod',
      reason: 'gate passed',
    });
    expect((await served('notes-sft@prod')).weights).toBe('llama:notes-sft@v2');
    rollbackSpecialist(workspace.store, { name: 'notes-sft', alias: 'prod', reason: 'complaints' });
    expect((await served('notes-sft@prod')).weights).toBe('llama:notes-sft@v1');
    expect((await served('notes-sft@v9')).body.error.code).toBe('model_not_found');
  });

  it("rolls out a candidate: a canary answers in prod's place, a shadow answers beside it unseen", {
    timeout: 120_000,
  }, async () => {
    // Runs after the versions test above: notes-sft has v1 and v2.
    const config = {
      ...workspace.config,
      serve: {
        ...workspace.config.serve,
        rollouts: [
          { model: 'notes-sft@v1', candidate: 'notes-sft@v2', mode: 'canary' as const, share: 0.5 },
          { model: 'smollm2-135m-instruct', candidate: 'notes-sft@v1', mode: 'shadow' as const, share: 1 },
        ],
      },
    };
    const draws = [0.2, 0.7];
    const rolled = await startServer({
      config,
      store: workspace.store,
      port: 0,
      random: () => draws.shift() ?? 0.9,
      modelFor: (reference) => {
        if (!models.has(reference))
          models.set(reference, createModel(reference, { config, store: workspace.store }));
        return models.get(reference)!;
      },
    });
    try {
      const call = (model: string) =>
        fetch(`${rolled.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
          body: ask('Hi', { model, max_tokens: 3 }),
        });
      // Draw 0.2 < 0.5: the canary answers; draw 0.7: prod does.
      const first = await call('notes-sft@v1');
      expect(first.headers.get('x-tailor-rollout')).toBe('canary');
      expect(first.headers.get('x-tailor-model')).toBe('llama:notes-sft@v2');
      expect(workspace.store.traffic.find(first.headers.get('x-request-id')!)?.rollout).toBe('canary');
      const second = await call('notes-sft@v1');
      expect(second.headers.get('x-tailor-rollout')).toBeNull();
      expect(second.headers.get('x-tailor-model')).toBe('llama:notes-sft@v1');

      const plain = await call('smollm2-135m-instruct');
      expect(plain.status).toBe(200);
      expect(plain.headers.get('x-tailor-model')).toBe('llama:smollm2-135m-instruct');
      const id = plain.headers.get('x-request-id')!;
      const shadowOf = () =>
        workspace.store.traffic.successful({ shadow: true }).find((entry) => entry.shadowOf === id);
      await expect.poll(shadowOf, { timeout: 60_000, interval: 200 }).toBeDefined();
      expect(shadowOf()).toMatchObject({ model: 'notes-sft@v1', status: 200, rollout: 'shadow' });
      // No client received a shadow answer, so none is ever training data.
      expect(trafficDataset(workspace.store, {}).map((record) => record.id)).not.toContain(shadowOf()!.id);
    } finally {
      await rolled.close();
    }
  });
});
