/**
 * The bad-input corpus against `tailor serve` (`server-corpus.test.ts`): requests a client gets wrong,
 * each with the status and the words of the OpenAI-shaped error it must get back, refused before any
 * model is asked and with nothing stored.
 */
export interface ServerCase {
  name: string;
  kind: 'http' | 'schema';
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path?: string;
  /** The body: a string is sent as it is, anything else as JSON. */
  body?: unknown;
  /** Which key the request carries (default: one with every scope). */
  key?: 'admin' | 'feedback-only' | 'none' | 'wrong' | 'malformed';
  headers?: Record<string, string>;
  status: number;
  says: string[];
}

const model = 'smollm2-135m-instruct';
const user = [{ role: 'user', content: 'Summarise the note.' }];
const chat = (name: string, body: unknown, status: number, says: string[]): ServerCase => ({
  name: `chat: ${name}`,
  kind: 'http',
  body,
  status,
  says,
});
const withSchema = (schema: unknown) => ({
  model,
  messages: user,
  response_format: { type: 'json_schema', json_schema: { name: 'out', schema } },
});
const schemaCase = (name: string, schema: unknown, says: string[]): ServerCase => ({
  name: `schema: ${name}`,
  kind: 'schema',
  body: withSchema(schema),
  status: 400,
  says: ['response_format', ...says],
});
/** A request whose schema nests `levels` objects, as text: JSON.stringify itself overflows on it. */
const nested = (levels: number) =>
  `{"model": "${model}", "messages": ${JSON.stringify(user)}, "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": ${'{"type": "object", "properties": {"child": '.repeat(levels)}{"type": "string"}${'}}'.repeat(levels)}}}}`;

export const serverCases: ServerCase[] = [
  chat('a body that is not JSON', '{"model": ', 400, ['JSON']),
  chat('a body that is an array', '[1, 2]', 400, ['body']),
  chat('a body that is a string', '"hello"', 400, ['body']),
  chat('an empty body', '', 400, ['JSON']),
  chat('no model', { messages: user }, 400, ['model']),
  chat('a model that is a number', { model: 7, messages: user }, 400, ['model']),
  chat('no messages', { model }, 400, ['messages']),
  chat('messages that are not a list', { model, messages: 'hi' }, 400, ['messages']),
  chat('an empty message list', { model, messages: [] }, 400, ['messages']),
  chat('a role that does not exist', { model, messages: [{ role: 'wizard', content: 'x' }] }, 400, [
    'messages.0',
  ]),
  chat('content that is a number', { model, messages: [{ role: 'user', content: 5 }] }, 400, ['messages.0']),
  chat('n of 0', { model, messages: user, n: 0 }, 400, ['n']),
  chat('n of 1000', { model, messages: user, n: 1000 }, 400, ['n']),
  chat('n of 2 with stream', { model, messages: user, n: 2, stream: true }, 400, ['n=1']),
  chat('max_tokens of 0', { model, messages: user, max_tokens: 0 }, 400, ['max_tokens']),
  chat('max_tokens of -1', { model, messages: user, max_tokens: -1 }, 400, ['max_tokens']),
  chat('max_tokens that is a word', { model, messages: user, max_tokens: 'many' }, 400, ['max_tokens']),
  chat('max_tokens of 1.5', { model, messages: user, max_tokens: 1.5 }, 400, ['max_tokens']),
  chat('temperature of -1', { model, messages: user, temperature: -1 }, 400, ['temperature']),
  chat('temperature of 5', { model, messages: user, temperature: 5 }, 400, ['temperature']),
  chat('top_p of 2', { model, messages: user, top_p: 2 }, 400, ['top_p']),
  chat('top_p of 0', { model, messages: user, top_p: 0 }, 400, ['top_p']),
  chat('stream that is a word', { model, messages: user, stream: 'yes' }, 400, ['stream']),
  chat('five stop sequences', { model, messages: user, stop: ['a', 'b', 'c', 'd', 'e'] }, 400, ['stop']),
  chat('a seed that is a word', { model, messages: user, seed: 'lucky' }, 400, ['seed']),
  chat('a model that is not served', { model: 'gpt-17', messages: user }, 404, ['gpt-17', 'does not exist']),
  chat('a catalog model that was never pulled', { model: 'gemma3-270m-it', messages: user }, 404, [
    'does not exist',
  ]),
  chat('a version of a specialist that does not exist', { model: 'notes@v9', messages: user }, 404, [
    'notes@v9',
  ]),
  chat(
    'a response_format of an unknown type',
    { model, messages: user, response_format: { type: 'xml' } },
    400,
    ['response_format'],
  ),
  chat(
    'a json_schema format without a name',
    {
      model,
      messages: user,
      response_format: { type: 'json_schema', json_schema: { schema: { type: 'object' } } },
    },
    400,
    ['response_format'],
  ),

  schemaCase('a type that does not exist', { type: 'nonsense' }, ['not a valid JSON Schema']),
  schemaCase('required that is not a list', { type: 'object', required: 'name' }, [
    'not a valid JSON Schema',
  ]),
  schemaCase('properties that is a list', { type: 'object', properties: ['a'] }, ['not a valid JSON Schema']),
  {
    name: 'schema: 3,000 levels deep',
    kind: 'schema',
    body: nested(3000),
    status: 400,
    says: ['deeper than'],
  },
  schemaCase('50,000 enum values', { enum: Array.from({ length: 50_000 }, (_, index) => `v${index}`) }, [
    '50000 enum values',
  ]),
  schemaCase(
    '2,000 properties',
    {
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: 2000 }, (_, index) => [`p${index}`, { type: 'string' }]),
      ),
    },
    ['2000 properties'],
  ),
  schemaCase('a remote reference', { $ref: 'https://example.com/schema.json' }, ['only local references']),
  schemaCase('a minimum that is a word', { type: 'number', minimum: 'low' }, ['not a valid JSON Schema']),

  {
    name: 'auth: no key',
    kind: 'http',
    key: 'none',
    body: { model, messages: user },
    status: 401,
    says: ['API key'],
  },
  {
    name: 'auth: a wrong key',
    kind: 'http',
    key: 'wrong',
    body: { model, messages: user },
    status: 401,
    says: ['API key'],
  },
  {
    name: 'auth: a header that is not Bearer',
    kind: 'http',
    key: 'malformed',
    body: { model, messages: user },
    status: 401,
    says: ['API key'],
  },
  {
    name: 'auth: a feedback-only key asking for a completion',
    kind: 'http',
    key: 'feedback-only',
    body: { model, messages: user },
    status: 403,
    says: ['inference'],
  },

  {
    name: 'feedback: no request id',
    kind: 'http',
    path: '/v1/feedback',
    body: { annotator: 'ann', pass: true },
    status: 400,
    says: ['request_id'],
  },
  {
    name: 'feedback: a request that was never captured',
    kind: 'http',
    path: '/v1/feedback',
    body: { request_id: 'chatcmpl-nope', annotator: 'ann', pass: true },
    status: 404,
    says: ['chatcmpl-nope'],
  },
  {
    name: 'feedback: a score of 9',
    kind: 'http',
    path: '/v1/feedback',
    body: { request_id: 'chatcmpl-nope', annotator: 'ann', score: 9 },
    status: 400,
    says: ['score'],
  },
  {
    name: 'feedback: an unknown field',
    kind: 'http',
    path: '/v1/feedback',
    body: { request_id: 'chatcmpl-nope', annotator: 'ann', pass: true, mood: 'grumpy' },
    status: 400,
    says: ['mood'],
  },
  {
    name: 'feedback: not JSON',
    kind: 'http',
    path: '/v1/feedback',
    body: 'pass=true',
    status: 400,
    says: ['JSON'],
  },

  {
    name: 'route: an unknown path',
    kind: 'http',
    method: 'GET',
    path: '/v1/engines',
    status: 404,
    says: ['/v1/engines'],
  },
  {
    name: 'route: GET on the completions endpoint',
    kind: 'http',
    method: 'GET',
    path: '/v1/chat/completions',
    status: 404,
    says: ['GET /v1/chat/completions'],
  },
  {
    name: 'route: DELETE on a model',
    kind: 'http',
    method: 'DELETE',
    path: `/v1/models/${model}`,
    status: 404,
    says: ['DELETE'],
  },
  {
    name: 'limits: a body over serve.maxBodyBytes',
    kind: 'http',
    body: { model, messages: [{ role: 'user', content: 'x'.repeat(1_200_000) }] },
    status: 413,
    says: ['request_too_large'],
  },
];
