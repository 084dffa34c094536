import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../core/config.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { createApiKey } from './keys.js';
import { type RunningServer, startServer } from './server.js';
import { trafficRecord } from './traffic.js';

// Gateway mode with real parts: the incumbent is a second `tailor serve` process on another loopback
// port, serving the real default model; the gateway in front of it forwards, passes answers, errors
// and streams back as sent, and captures the traffic. The official openai client drives it.

const repository = resolve(import.meta.dirname, '../..');
let upstreamProcess: ChildProcess;
let upstreamWorkspace: Workspace;
let gatewayWorkspace: Workspace;
let gateway: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  const upstreamRoot = mkdtempSync(join(tmpdir(), 'tailor-upstream-'));
  writeFileSync(join(upstreamRoot, 'tailor.yaml'), 'version: 1\nllama:\n  parallel: 1\n  contextSize: 512\n');
  upstreamWorkspace = openWorkspace(upstreamRoot);
  const upstreamKey = createApiKey(upstreamWorkspace.store, {
    name: 'gateway',
    scopes: ['inference'],
  }).secret;
  upstreamProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/entry.ts', '--workspace', upstreamRoot, 'serve', '--port', '0'],
    { cwd: repository, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const upstreamUrl = await new Promise<string>((found, failed) => {
    let stdout = '';
    let stderr = '';
    upstreamProcess.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) found(url);
    });
    upstreamProcess.stderr!.on('data', (chunk) => {
      stderr += String(chunk);
    });
    upstreamProcess.on('exit', (code) => failed(new Error(`upstream exited ${code}: ${stderr}`)));
  });

  const gatewayRoot = mkdtempSync(join(tmpdir(), 'tailor-gateway-'));
  writeFileSync(join(gatewayRoot, 'tailor.yaml'), 'version: 1\n');
  gatewayWorkspace = openWorkspace(gatewayRoot);
  process.env.TAILOR_TEST_UPSTREAM_KEY = upstreamKey;
  const config = configSchema.parse({
    version: 1,
    serve: {
      upstreams: [
        {
          name: 'incumbent',
          baseUrl: `${upstreamUrl}/v1`,
          model: 'smollm2-135m-instruct',
          apiKeyEnv: 'TAILOR_TEST_UPSTREAM_KEY',
        },
        // Nothing listens on the discard port: the upstream is down.
        { name: 'offline', baseUrl: 'http://127.0.0.1:9/v1' },
      ],
    },
  });
  gateway = await startServer({
    config,
    store: gatewayWorkspace.store,
    port: 0,
    modelFor: () => Promise.reject(new Error('the gateway decodes nothing in this test')),
  });
  const secret = createApiKey(gatewayWorkspace.store, {
    name: 'app',
    scopes: ['inference', 'feedback'],
  }).secret;
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: secret, maxRetries: 0 });
}, 180_000);

afterAll(async () => {
  await gateway?.close();
  upstreamProcess?.kill('SIGTERM');
  gatewayWorkspace?.close();
  upstreamWorkspace?.close();
  delete process.env.TAILOR_TEST_UPSTREAM_KEY;
});

const messages = [{ role: 'user' as const, content: 'Say hello.' }];

describe('tailor serve as a gateway in front of an incumbent', () => {
  it('lists the upstream model and forwards a completion, fields it does not know included', async () => {
    const models = await client.models.list();
    expect(models.data.find((model) => model.id === 'incumbent')).toMatchObject({ owned_by: 'upstream' });

    const { data, response } = await client.chat.completions
      .create({
        model: 'incumbent',
        messages,
        max_tokens: 8,
        temperature: 0,
        // Not something this server reads: it must reach the upstream untouched.
        metadata: { ticket: 'T-17' },
        user: 'clinic-3',
      })
      .withResponse();
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    // The upstream's own answer, as it sent it: its model id, its usage.
    expect(data.model).toBe('smollm2-135m-instruct');
    const requestId = response.headers.get('x-request-id')!;
    const captured = trafficRecord(gatewayWorkspace.store, requestId)!;
    expect(captured).toMatchObject({
      model: 'incumbent',
      status: 200,
      outputTokens: data.usage!.completion_tokens,
    });
    expect((captured.request as { metadata: unknown }).metadata).toEqual({ ticket: 'T-17' });
    expect((captured.response as typeof data).choices[0]!.message.content).toBe(
      data.choices[0]!.message.content,
    );
    // What the upstream received: only the model renamed.
    const atUpstream = upstreamWorkspace.store.traffic
      .successful({})
      .map((record) => record.request as { model: string; metadata?: unknown; user?: string })
      .find((request) => request.user === 'clinic-3')!;
    expect(atUpstream).toMatchObject({ model: 'smollm2-135m-instruct', metadata: { ticket: 'T-17' } });

    // Feedback on a forwarded answer lands like feedback on the server's own.
    const feedback = await fetch(`${gateway.url}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${client.apiKey}` },
      body: JSON.stringify({ request_id: requestId, annotator: 'dr-lee', pass: false, correction: 'Hello.' }),
    });
    expect(await feedback.json()).toMatchObject({ status: 'added' });
  }, 120_000);

  it('passes a stream through as it comes and captures what it said', async () => {
    const stream = await client.chat.completions.create({
      model: 'incumbent',
      messages,
      max_tokens: 8,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    const captured = gatewayWorkspace.store.traffic
      .successful({ model: 'incumbent' })
      .find((record) => (record.response as { streamed?: boolean }).streamed);
    expect(captured).toMatchObject({ status: 200, outputTokens: usage!.completion_tokens });
    expect(captured!.response).toMatchObject({ streamed: true, content: text, finish_reason: 'length' });
  }, 120_000);

  it("returns the upstream's errors as it sent them, and a 502 when the upstream is down", async () => {
    const refused = await client.chat.completions
      .create({ model: 'incumbent', messages: [] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    // The message is the upstream tailor serve's own validation error.
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/messages/);

    const down = await client.chat.completions
      .create({ model: 'offline', messages })
      .catch((error: unknown) => error);
    expect(down).toBeInstanceOf(OpenAI.InternalServerError);
    expect((down as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((down as InstanceType<typeof OpenAI.APIError>).code).toBe('upstream_unreachable');
  }, 60_000);
});
