import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config.js';
import { ProviderError } from '../../core/errors.js';
import { startTestServer, type TestServer } from '../../test-support/http-server.js';
import { createModel } from '../create-model.js';

// The OpenAI adapter against a local endpoint speaking the chat-completions wire format: checks what we
// send, how we read replies and streams, and which failures we retry. Real sockets, official SDK.
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const completion = (content: string) => ({
  id: 'c1',
  object: 'chat.completion',
  created: 0,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
});

const noWait = { sleep: async () => {} };

describe('openai provider', () => {
  it('maps options onto the request and the reply onto a result', async () => {
    server = await startTestServer((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(completion('{"ok":true}')));
    });
    const model = await createModel(`openai:${server.url}/v1#my-model`, noWait);
    const result = await model.generate([{ role: 'user', content: 'hi' }], {
      maxTokens: 7,
      temperature: 0,
      seed: 3,
      stop: ['\n'],
      jsonSchema: { type: 'object' },
    });
    expect(result).toMatchObject({
      model: `openai:${server.url}/v1#my-model`,
      text: '{"ok":true}',
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 3 },
      costUsd: null,
    });
    const sent = JSON.parse(server.requests[0]!.body);
    expect(server.requests[0]!.path).toBe('/v1/chat/completions');
    expect(sent).toMatchObject({
      model: 'my-model',
      max_tokens: 7,
      temperature: 0,
      seed: 3,
      stop: ['\n'],
      response_format: { type: 'json_schema', json_schema: { schema: { type: 'object' } } },
    });
  });

  it('streams server-sent deltas', async () => {
    server = await startTestServer((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, extra: object = {}) =>
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
      response.write(chunk({ role: 'assistant', content: 'Hel' }));
      response.write(chunk({ content: 'lo' }));
      response.write(
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } })}\n\n`,
      );
      response.end('data: [DONE]\n\n');
    });
    const model = await createModel(`openai:${server.url}/v1#m`, noWait);
    const deltas: string[] = [];
    let usage: unknown;
    for await (const event of model.stream([{ role: 'user', content: 'hi' }])) {
      if (event.type === 'text') deltas.push(event.text);
      else usage = event.result.usage;
    }
    expect(deltas).toEqual(['Hel', 'lo']);
    expect(usage).toEqual({ inputTokens: 4, outputTokens: 2 });
  });

  it('retries 429 and 5xx but not 400', async () => {
    let calls = 0;
    server = await startTestServer((_request, _body, response) => {
      calls++;
      if (calls === 1) {
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
        response.end(JSON.stringify({ error: { message: 'slow down' } }));
      } else if (calls === 2) {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'overloaded' } }));
      } else if (calls === 3) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(completion('fine')));
      } else {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'bad field' } }));
      }
    });
    const model = await createModel(`openai:${server.url}/v1#m`, noWait);
    expect((await model.generate([{ role: 'user', content: 'hi' }])).text).toBe('fine');
    expect(calls).toBe(3);
    const error = await model
      .generate([{ role: 'user', content: 'again' }])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(400);
    expect(calls).toBe(4);
  });

  it('reports an unreachable endpoint clearly after retrying', async () => {
    server = await startTestServer(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    const config = defaultConfig();
    config.providers.openai.maxRetries = 2;
    const model = await createModel(`openai:${url}/v1#m`, { ...noWait, config });
    const error = await model.generate([{ role: 'user', content: 'hi' }]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('provider-unreachable');
    expect((error as Error).message).toMatch(new RegExp(`Cannot reach ${url}/v1: ECONNREFUSED`));
  });

  it('never lets the API key into an error message', async () => {
    const key = 'sk-test-0123456789abcdef';
    server = await startTestServer((request, _body, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { message: `Incorrect API key provided: ${request.headers.authorization}` },
        }),
      );
    });
    const config = defaultConfig();
    config.providers.openai.baseURL = `${server.url}/v1`;
    const model = await createModel('openai:gpt-4.1-mini', {
      ...noWait,
      config,
      env: { OPENAI_API_KEY: key },
    });
    const error = (await model
      .generate([{ role: 'user', content: 'hi' }])
      .catch((caught: unknown) => caught)) as Error;
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect(error.message).toContain('***');
    expect(error.message).not.toContain(key);
    expect((error as ProviderError).hint).toMatch(/OPENAI_API_KEY|apiKeyEnv/);
  });

  it('asks for a key when the official API is used without one', async () => {
    const model = await createModel('openai:gpt-4.1-mini', { ...noWait, env: {} });
    await expect(model.generate([{ role: 'user', content: 'hi' }])).rejects.toThrow(
      /OPENAI_API_KEY is not set/,
    );
  });
});
