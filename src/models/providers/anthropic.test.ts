import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config.js';
import type { ProviderError } from '../../core/errors.js';
import { startTestServer, type TestServer } from '../../test-support/http-server.js';
import { createModel } from '../create-model.js';

// The Anthropic adapter against a local endpoint speaking the Messages wire format (official SDK).
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const message = (text: string) => ({
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-test',
  content: [{ type: 'text', text }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 9, output_tokens: 2 },
});

function anthropicConfig(url: string) {
  const config = defaultConfig();
  config.providers.anthropic.baseURL = url;
  config.prices['anthropic:claude-test'] = { inputPerMillion: 3, outputPerMillion: 15 };
  return config;
}

describe('anthropic provider', () => {
  it('sends system separately, maps the reply, prices it and warns about seed', async () => {
    server = await startTestServer((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(message('Paris')));
    });
    const model = await createModel('anthropic:claude-test', {
      config: anthropicConfig(server.url),
      env: { ANTHROPIC_API_KEY: 'key-abc-123' },
    });
    const result = await model.generate(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
      ],
      { maxTokens: 20, seed: 1, jsonSchema: { type: 'object' } },
    );
    expect(result).toMatchObject({ text: 'Paris', usage: { inputTokens: 9, outputTokens: 2 } });
    expect(result.costUsd).toBeCloseTo((9 * 3 + 2 * 15) / 1e6, 12);
    expect(result.warnings).toContain('anthropic ignores seed: samples are not reproducible');
    const sent = JSON.parse(server.requests[0]!.body);
    expect(server.requests[0]!.path).toBe('/v1/messages');
    const { authorization, 'x-api-key': apiKeyHeader } = server.requests[0]!.headers;
    expect([authorization, apiKeyHeader]).toContain(apiKeyHeader ? 'key-abc-123' : 'Bearer key-abc-123');
    expect(sent).toMatchObject({
      model: 'claude-test',
      max_tokens: 20,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
    });
  });

  it('makes one request per sample and streams text deltas', async () => {
    let calls = 0;
    server = await startTestServer((_request, body, response) => {
      calls++;
      if (JSON.parse(body).stream) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const send = (event: string, data: object) =>
          response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        send('message_start', {
          type: 'message_start',
          message: { ...message(''), content: [], usage: { input_tokens: 5, output_tokens: 0 } },
        });
        send('content_block_start', {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'text', text: '' },
        });
        send('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: 'Hi ' },
        });
        send('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: 'there' },
        });
        send('content_block_stop', { type: 'content_block_stop', index: 0 });
        send('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'max_tokens', stop_sequence: null },
          usage: { output_tokens: 2 },
        });
        send('message_stop', { type: 'message_stop' });
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(message(`sample ${calls}`)));
    });
    const model = await createModel('anthropic:claude-test', {
      config: anthropicConfig(server.url),
      env: { ANTHROPIC_API_KEY: 'key' },
    });
    const result = await model.generate([{ role: 'user', content: 'x' }], { samples: 3 });
    expect(result.samples).toHaveLength(3);
    expect(result.usage.outputTokens).toBe(6);
    const deltas: string[] = [];
    let finish: string | undefined;
    for await (const event of model.stream([{ role: 'user', content: 'x' }])) {
      if (event.type === 'text') deltas.push(event.text);
      else finish = event.result.finishReason;
    }
    expect(deltas).toEqual(['Hi ', 'there']);
    expect(finish).toBe('length');
  });

  it('maps overload to a retryable error and auth failure to a hint', async () => {
    let calls = 0;
    server = await startTestServer((_request, _body, response) => {
      calls++;
      const status = calls === 1 ? 529 : 401;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ type: 'error', error: { type: 'x', message: 'nope' } }));
    });
    const model = await createModel('anthropic:claude-test', {
      config: anthropicConfig(server.url),
      env: { ANTHROPIC_API_KEY: 'key' },
      sleep: async () => {},
    });
    const error = (await model
      .generate([{ role: 'user', content: 'x' }])
      .catch((caught: unknown) => caught)) as ProviderError;
    expect(calls).toBe(2);
    expect(error.status).toBe(401);
    expect(error.isRetryable).toBe(false);
    expect(error.hint).toMatch(/API key/);
  });
});
