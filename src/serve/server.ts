import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve as serveNode } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { stream as honoStream } from 'hono/streaming';
import { z } from 'zod';
import type { ChatModel, GenerateResult } from '../core/chat-model.js';
import type { TailorConfig } from '../core/config.js';
import { ConfigError, ProviderError, TailorError } from '../core/errors.js';
import { listModels } from '../models/model-files.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { createAppApi } from './app-api.js';
import { forward, resolveUpstreams, StreamTranscript, type Upstream } from './gateway.js';
import { type ApiKey, allows, type Scope, verifyApiKey } from './keys.js';
import {
  chatRequestSchema,
  chunkBody,
  completionBody,
  finishReason,
  requestError,
  responseSchemaProblem,
  toMessages,
  toOptions,
  usageBody,
  type WireError,
  wireError,
} from './openai-wire.js';
import { recordFeedback, recordTraffic, trafficRecord } from './traffic.js';
import { webAsset } from './web-assets.js';

/**
 * `tailor serve`: an OpenAI-compatible endpoint for base models and specialists.
 *
 * - Every route but /healthz needs an API key with the right scope (401 without a valid key, 403
 *   with the wrong scope).
 * - A request takes a slot (`llama.parallel` decode at once); up to `serve.maxQueue` more wait, and
 *   beyond that the answer is 429 with Retry-After. Slots are released however a request ends.
 * - A client that disconnects aborts its generation; a request past `serve.requestTimeoutMs` too.
 * - Requests and responses are captured in the workspace unless the key or the config opts out.
 * - Bad requests get OpenAI-style error bodies; nothing a client sends can crash the server.
 * - Models under `serve.upstreams` are forwarded to their endpoint (gateway.ts) and take no decode
 *   slot: the upstream keeps its own limits, and its answers and errors reach the client as sent.
 */
export interface ServerOptions {
  config: TailorConfig;
  store: WorkspaceStore;
  /** Model name (as in /v1/models) → ChatModel; the CLI passes createModel with a cache. */
  modelFor: (reference: string) => Promise<ChatModel>;
  /** Draws which requests a rollout takes (tests pass a fixed sequence). Default Math.random. */
  random?: () => number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

type Variables = { key: ApiKey };

export function createServerApp(options: ServerOptions): Hono<{ Variables: Variables }> {
  const { config, store } = options;
  const slots = new Slots(config.llama.parallel, config.serve.maxQueue);
  const rateLimiter = new KeyRateLimiter(config.serve.rateLimit.requestsPerMinute);
  const random = options.random ?? Math.random;
  // A missing upstream key stops the start here, not the first client's request.
  const upstreams = resolveUpstreams(config.serve.upstreams);
  const app = new Hono<{ Variables: Variables }>();
  const fail = (c: Context, error: WireError, headers: Record<string, string> = {}) => {
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    return c.json(error.body, error.status as 400);
  };

  app.get('/healthz', (c) => c.json({ status: 'ok', inFlight: slots.active, queued: slots.waiting }));

  // Checked while the body streams in (and on Content-Length first): an oversized body is never read
  // whole, parsed or captured.
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: config.serve.maxBodyBytes,
      // The rest of the body is never read, so the connection cannot carry another request: say so,
      // or a keep-alive client sends its next request down a socket the server is closing.
      onError: (c) =>
        fail(
          c,
          wireError(
            413,
            `The request body is larger than serve.maxBodyBytes (${config.serve.maxBodyBytes} bytes).`,
            { code: 'request_too_large' },
          ),
          { Connection: 'close' },
        ),
    }),
  );

  const requireScope =
    (scope: Scope) => async (c: Context<{ Variables: Variables }>, next: () => Promise<void>) => {
      const header = c.req.header('authorization') ?? '';
      const secret = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
      const key = secret ? verifyApiKey(store, secret) : undefined;
      if (!key)
        return fail(
          c,
          wireError(
            401,
            secret ? 'Incorrect API key provided.' : 'Missing API key: send Authorization: Bearer <key>.',
            {
              code: 'invalid_api_key',
            },
          ),
        );
      if (!allows(key, scope))
        return fail(
          c,
          wireError(403, `This API key lacks the "${scope}" scope.`, { code: 'insufficient_scope' }),
        );
      const wait = rateLimiter.take(key.id);
      if (wait !== undefined)
        return fail(
          c,
          wireError(
            429,
            `This API key is over serve.rateLimit.requestsPerMinute (${config.serve.rateLimit.requestsPerMinute}); retry in ${wait} s.`,
            { code: 'rate_limit_exceeded' },
          ),
          { 'Retry-After': String(wait) },
        );
      c.set('key', key);
      await next();
    };

  app.get('/v1/models', requireScope('inference'), async (c) => {
    const names = await servedModels(store);
    return c.json({
      object: 'list',
      data: [
        ...[...upstreams.values()].map((upstream) => ({
          id: upstream.name,
          object: 'model',
          created: 0,
          owned_by: 'upstream',
        })),
        ...names
          .filter((entry) => !upstreams.has(entry.name))
          .map((entry) => ({
            id: entry.name,
            object: 'model',
            created: entry.created,
            owned_by: entry.ownedBy,
          })),
      ],
    });
  });

  app.post('/v1/chat/completions', requireScope('inference'), async (c) => {
    const parsed = await readJson(c);
    if ('error' in parsed) return fail(c, parsed.error);
    const body = parsed.value as Record<string, unknown> | null;
    const upstream =
      body !== null && typeof body === 'object' && typeof body.model === 'string'
        ? upstreams.get(body.model)
        : undefined;
    if (upstream) return gatewayChat(c, upstream, body!);
    const result = chatRequestSchema.safeParse(parsed.value);
    if (!result.success) return fail(c, requestError(result.error));
    const request = result.data;
    if (request.stream && (request.n ?? 1) > 1)
      return fail(
        c,
        wireError(400, 'Streaming returns one choice; use n=1 with stream.', {
          param: 'n',
          code: 'unsupported_value',
        }),
      );
    const format = request.response_format;
    const schemaProblem =
      format?.type === 'json_schema' && format.json_schema.schema
        ? responseSchemaProblem(format.json_schema.schema)
        : undefined;
    if (schemaProblem)
      return fail(
        c,
        wireError(400, `Invalid response_format: ${schemaProblem}.`, {
          param: 'response_format.json_schema.schema',
          code: 'invalid_schema',
        }),
      );
    const served = await servedModels(store);
    const entryFor = (name: string) =>
      served.find((entry) => entry.name === name) ?? versionEntry(store, name);
    // A model may have a canary and a shadow, each drawing its own share of the requests; a candidate
    // that cannot be found leaves prod answering.
    const rolloutOf = (mode: 'canary' | 'shadow') => {
      const rollout = config.serve.rollouts.find(
        (entry) => entry.model === request.model && entry.mode === mode,
      );
      const entry = rollout && random() < rollout.share ? entryFor(rollout.candidate) : undefined;
      return rollout && entry
        ? { candidate: rollout.candidate, reference: entry.reference, entry }
        : undefined;
    };
    const canary = rolloutOf('canary');
    const shadow = rolloutOf('shadow');
    const target = canary?.entry ?? entryFor(request.model);
    if (!target)
      return fail(
        c,
        wireError(
          404,
          `The model '${request.model}' does not exist. Served: ${[...upstreams.keys(), ...served.map((entry) => entry.name)].join(', ')}.`,
          {
            param: 'model',
            code: 'model_not_found',
          },
        ),
      );
    const release = slots.acquire();
    if (!release)
      return fail(c, wireError(429, 'The server is busy: every slot and queue place is taken.'), {
        'Retry-After': '1',
      });
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const key = c.get('key');
    const started = performance.now();
    // The client's disconnect and the request deadline both abort the generation.
    const signal = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(config.serve.requestTimeoutMs)]);
    const capture = (status: number, response: unknown, generated?: GenerateResult) => {
      if (!config.serve.capture || !key.capture) return;
      recordTraffic(
        store,
        {
          id,
          keyId: key.id,
          model: request.model,
          request,
          response,
          status,
          latencyMs: performance.now() - started,
          inputTokens: generated?.usage.inputTokens,
          outputTokens: generated?.usage.outputTokens,
          ...(canary ? { rollout: 'canary' as const } : {}),
        },
        config.serve.redact,
      );
      // The shadow starts once prod's answer is out, and only if a slot is free: it never delays
      // or displaces a client's request.
      if (status === 200 && shadow) runShadow(shadow.reference, shadow.candidate, id, request, key);
    };
    c.header('x-request-id', id);
    if (canary) c.header('x-tailor-rollout', 'canary');
    // Which weights answered: an alias names a version, and the version is what a bug report needs.
    c.header('x-tailor-model', target.reference);
    let model: ChatModel;
    try {
      await release.ready;
      model = await options.modelFor(target.reference);
    } catch (error) {
      release.done();
      const wire = toWireError(error, signal);
      capture(wire.status, wire.body);
      return fail(c, wire);
    }
    const messages = toMessages(request);
    const generateOptions = toOptions(request, signal);

    if (!request.stream) {
      try {
        const generated = await model.generate(messages, { ...generateOptions, cache: false });
        // A model stopped by the deadline or a gone client returns what it had: that is a 504 or a
        // 499, never a 200 "stop" with the text cut off.
        if (signal.aborted || generated.finishReason === 'abort') throw signal.reason;
        const body = completionBody(id, request.model, created, generated);
        capture(200, body, generated);
        return c.json(body);
      } catch (error) {
        const wire = toWireError(error, signal);
        capture(wire.status, wire.body);
        return fail(c, wire);
      } finally {
        release.done();
      }
    }

    c.header('Content-Type', 'text/event-stream');
    c.header('Cache-Control', 'no-cache');
    return honoStream(c, async (out) => {
      const send = (value: unknown) => out.write(`data: ${JSON.stringify(value)}\n\n`);
      let text = '';
      try {
        await send(chunkBody(id, request.model, created, { role: 'assistant', content: '' }, null));
        let generated: GenerateResult | undefined;
        for await (const event of model.stream(messages, { ...generateOptions, cache: false })) {
          if (event.type === 'text') {
            text += event.text;
            await send(chunkBody(id, request.model, created, { content: event.text }, null));
          } else generated = event.result;
        }
        if (signal.aborted || generated?.finishReason === 'abort') throw signal.reason;
        if (!generated) throw new TailorError('stream-incomplete', 'the model stream ended without a result');
        await send(chunkBody(id, request.model, created, {}, finishReason(generated.finishReason)));
        if (request.stream_options?.include_usage)
          await send({
            id,
            object: 'chat.completion.chunk',
            created,
            model: request.model,
            choices: [],
            usage: usageBody(generated),
          });
        await out.write('data: [DONE]\n\n');
        capture(
          200,
          { id, streamed: true, content: text, finish_reason: finishReason(generated.finishReason) },
          generated,
        );
      } catch (error) {
        const wire = toWireError(error, signal);
        capture(wire.status, { ...wire.body, partial: text });
        // The status went out with the first chunk, so a failure mid-stream (the deadline included)
        // is an error event in OpenAI's shape, and no [DONE]; a client that left hears nothing.
        if (!c.req.raw.signal.aborted)
          await out.write(`data: ${JSON.stringify(wire.body)}\n\n`).catch(() => undefined);
      } finally {
        release.done();
      }
    });
  });

  /**
   * A shadow answer: the candidate answers the same request in the background, captured as traffic
   * (`rollout: shadow`, `shadowOf` the client's request) for comparison with prod; nobody waits on it.
   */
  function runShadow(
    reference: string,
    candidate: string,
    shadowOf: string,
    request: z.infer<typeof chatRequestSchema>,
    key: ApiKey,
  ): void {
    const release = slots.acquireIfFree();
    if (!release) return;
    const started = performance.now();
    const shadowId = `shadow-${randomUUID()}`;
    const signal = AbortSignal.timeout(config.serve.requestTimeoutMs);
    const record = (status: number, response: unknown, generated?: GenerateResult) =>
      recordTraffic(
        store,
        {
          id: shadowId,
          keyId: key.id,
          model: candidate,
          request: { ...request, stream: false },
          response,
          status,
          latencyMs: performance.now() - started,
          inputTokens: generated?.usage.inputTokens,
          outputTokens: generated?.usage.outputTokens,
          rollout: 'shadow',
          shadowOf,
        },
        config.serve.redact,
      );
    void (async () => {
      try {
        const model = await options.modelFor(reference);
        const generated = await model.generate(toMessages(request), {
          ...toOptions(request, signal),
          cache: false,
        });
        if (signal.aborted || generated.finishReason === 'abort') throw signal.reason;
        record(200, completionBody(shadowId, candidate, Math.floor(Date.now() / 1000), generated), generated);
      } catch (error) {
        const wire = toWireError(error, signal);
        record(wire.status, wire.body);
      } finally {
        release.done();
      }
    })();
  }

  /** A request for an upstream model: forwarded, its answer passed back as sent, the traffic captured. */
  async function gatewayChat(
    c: Context<{ Variables: Variables }>,
    upstream: Upstream,
    body: Record<string, unknown>,
  ) {
    const id = `chatcmpl-${randomUUID()}`;
    const key = c.get('key');
    const started = performance.now();
    const signal = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(config.serve.requestTimeoutMs)]);
    let captured = false;
    const capture = (
      status: number,
      response: unknown,
      usage?: { prompt_tokens?: number; completion_tokens?: number } | null,
    ) => {
      if (captured || !config.serve.capture || !key.capture) return;
      captured = true;
      recordTraffic(
        store,
        {
          id,
          keyId: key.id,
          model: upstream.name,
          request: body,
          response,
          status,
          latencyMs: performance.now() - started,
          inputTokens: usage?.prompt_tokens,
          outputTokens: usage?.completion_tokens,
        },
        config.serve.redact,
      );
    };
    c.header('x-request-id', id);
    let forwarded: Awaited<ReturnType<typeof forward>>;
    try {
      forwarded = await forward(upstream, body, signal);
    } catch (error) {
      const wire = toWireError(error, signal);
      capture(wire.status, wire.body);
      return fail(c, wire);
    }
    if ('error' in forwarded) {
      capture(forwarded.error.status, forwarded.error.body);
      return fail(c, forwarded.error);
    }
    const { response } = forwarded;
    const type = response.headers.get('content-type') ?? 'application/json';
    const headers = { 'content-type': type, 'x-request-id': id };
    if (!type.includes('text/event-stream') || !response.body) {
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        const wire = toWireError(error, signal);
        capture(wire.status, wire.body);
        return fail(c, wire);
      }
      let answer: { usage?: { prompt_tokens?: number; completion_tokens?: number } } | undefined;
      try {
        answer = JSON.parse(text);
      } catch {
        answer = undefined;
      }
      capture(response.status, answer ?? { raw: text }, answer?.usage);
      return new Response(text, { status: response.status, headers });
    }
    // Streamed: the upstream's bytes go to the client as they come; the transcript reads them on the way.
    const transcript = new StreamTranscript();
    const reader = response.body.getReader();
    const streamed = () => ({
      id: transcript.upstreamId,
      streamed: true,
      content: transcript.content,
      finish_reason: transcript.finishReason,
    });
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            transcript.end();
            capture(response.status, streamed(), transcript.usage);
            controller.close();
            return;
          }
          transcript.push(value);
          controller.enqueue(value);
        } catch (error) {
          const wire = toWireError(error, signal);
          capture(wire.status, { ...wire.body, partial: transcript.content });
          controller.error(error);
        }
      },
      async cancel() {
        const wire = wireError(499, 'The client closed the request.', { code: 'client_closed' });
        capture(wire.status, { ...wire.body, partial: transcript.content });
        await reader.cancel().catch(() => undefined);
      },
    });
    return new Response(stream, {
      status: response.status,
      headers: { ...headers, 'cache-control': 'no-cache' },
    });
  }

  app.post('/v1/feedback', requireScope('feedback'), async (c) => {
    const parsed = await readJson(c);
    if ('error' in parsed) return fail(c, parsed.error);
    const result = feedbackSchema.safeParse(parsed.value);
    if (!result.success) return fail(c, requestError(result.error));
    const feedback = result.data;
    const traffic = trafficRecord(store, feedback.request_id);
    if (!traffic)
      return fail(
        c,
        wireError(404, `No captured request '${feedback.request_id}'.`, {
          param: 'request_id',
          code: 'request_not_found',
        }),
      );
    const output = servedText(traffic.response);
    const outcome = recordFeedback(store, {
      requestId: feedback.request_id,
      annotator: feedback.annotator,
      output,
      model: traffic.model,
      pass: feedback.pass,
      score: feedback.score,
      critique: feedback.critique,
      correction: feedback.correction,
    });
    return c.json({ object: 'feedback', request_id: feedback.request_id, status: outcome });
  });

  // The web app: its JSON API for people (sessions, not API keys), and its built files on the same origin.
  app.route('/api', createAppApi(store, { maxBodyBytes: config.serve.maxBodyBytes }));
  app.get('*', (c, next) => webAsset(c) ?? next());

  app.notFound((c) => c.json(wireError(404, `Unknown route ${c.req.method} ${c.req.path}.`).body, 404));
  app.onError((error, c) => {
    const wire =
      error instanceof TailorError ? wireError(400, error.message) : wireError(500, 'Internal server error.');
    return c.json(wire.body, wire.status as 400);
  });
  return app;
}

const feedbackSchema = z
  .strictObject({
    request_id: z.string().min(1),
    annotator: z.string().min(1),
    pass: z.boolean().optional(),
    score: z.int().min(1).max(5).optional(),
    critique: z.string().optional(),
    correction: z.string().optional(),
  })
  .refine(
    (value) => value.pass !== undefined || value.score !== undefined || value.correction !== undefined,
    {
      message: 'give at least one of pass, score or correction',
    },
  );

async function readJson(c: Context): Promise<{ value: unknown } | { error: WireError }> {
  const text = await c.req.text();
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: wireError(400, 'The request body is not valid JSON.', { code: 'invalid_json' }) };
  }
}

/** The text the server returned for a captured request (first choice, or the streamed text). */
function servedText(response: unknown): string {
  const body = response as { choices?: { message?: { content?: string } }[]; content?: string } | undefined;
  return body?.choices?.[0]?.message?.content ?? body?.content ?? '';
}

function toWireError(error: unknown, signal: AbortSignal): WireError {
  if (signal.aborted) {
    const reason = signal.reason as Error | undefined;
    return reason?.name === 'TimeoutError'
      ? wireError(504, 'The request timed out.', { type: 'timeout', code: 'timeout' })
      : wireError(499, 'The client closed the request.', { code: 'client_closed' });
  }
  if (error instanceof ProviderError && (error as { code?: string }).code === 'context-overflow')
    return wireError(400, error.message, { param: 'messages', code: 'context_length_exceeded' });
  if (error instanceof TailorError) return wireError(400, error.message, { code: error.code });
  return wireError(500, `The model failed: ${(error as Error)?.message ?? String(error)}`);
}

/** Base models in the model cache that are in the catalog, and the workspace's specialists. */
export async function servedModels(
  store: WorkspaceStore,
): Promise<{ name: string; reference: string; created: number; ownedBy: string }[]> {
  // Only models already in the cache: a client must not be able to start a download.
  const pulled = (await listModels()).filter((model) => model.catalog !== undefined && model.pulled);
  return [
    ...pulled.map((model) => ({
      name: model.name,
      reference: `llama:${model.name}`,
      created: 0,
      ownedBy: 'tailor',
    })),
    // Each specialist by name (its latest version) and by alias, each entry naming the exact version
    // it resolves to now: the model pool caches by reference, so a promotion or a new version is
    // served from the next request on, while requests in flight finish on the model they started with.
    ...latestSpecialists(store).map((specialist) => ({
      name: specialist.name,
      reference: `llama:${specialist.name}@v${specialist.version}`,
      created: Math.floor(Date.parse(specialist.createdAt) / 1000),
      ownedBy: 'workspace',
    })),
    ...store.training.aliases().map((alias) => ({
      name: `${alias.name}@${alias.alias}`,
      reference: `llama:${alias.name}@v${alias.version}`,
      created: Math.floor(Date.parse(alias.updatedAt) / 1000),
      ownedBy: 'workspace',
    })),
  ];
}

function latestSpecialists(store: WorkspaceStore) {
  const latest = new Map<string, ReturnType<WorkspaceStore['training']['specialists']>[number]>();
  for (const specialist of store.training.specialists()) latest.set(specialist.name, specialist);
  return [...latest.values()];
}

/** A specific version (`notes-sft@v2`) is served too, though /v1/models lists only names and aliases. */
function versionEntry(store: WorkspaceStore, model: string) {
  if (!/@v\d+$/.test(model)) return undefined;
  const specialist = store.training.specialistAt(model);
  return specialist
    ? {
        name: model,
        reference: `llama:${specialist.name}@v${specialist.version}`,
        created: 0,
        ownedBy: 'workspace',
      }
    : undefined;
}

/** Start listening; port 0 picks a free port (tests). */
export function startServer(
  options: ServerOptions & { host?: string; port?: number },
): Promise<RunningServer> {
  const app = createServerApp(options);
  const host = options.host ?? options.config.serve.host;
  const port = options.port ?? options.config.serve.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return Promise.reject(new ConfigError(`port must be a whole number from 0 to 65535, not ${port}`));
  return new Promise((resolve, reject) => {
    const server = serveNode(
      {
        fetch: app.fetch,
        hostname: host,
        port,
      },
      (info: AddressInfo) => {
        server.off('error', refused);
        resolve({
          url: `http://${info.address}:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        });
      },
    );
    // Before it listens, a server's errors are about the address (taken, not this machine's, not
    // permitted): the user's to fix, so they are a ConfigError naming it, not an unhandled event.
    const refused = (error: NodeJS.ErrnoException) => {
      const address = `${host}:${port}`;
      const why =
        error.code === 'EADDRINUSE'
          ? `${address} is already in use`
          : error.code === 'EADDRNOTAVAIL'
            ? `${host} is not an address of this machine`
            : error.code === 'EACCES'
              ? `listening on ${address} is not permitted (ports below 1024 need privileges)`
              : error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
                ? `the host "${host}" does not resolve`
                : `cannot listen on ${address}: ${error.message}`;
      reject(
        new ConfigError(why, { hint: 'Choose another with --port or --host (or serve.port / serve.host).' }),
      );
    };
    server.once('error', refused);
  });
}

/**
 * Requests per minute per API key, as a token bucket: a key may burst up to its minute's allowance,
 * then gets one request back every 60/limit seconds. `take` answers undefined (go ahead) or the whole
 * seconds until the next request is allowed (the 429's Retry-After). No limit: every request goes.
 */
export class KeyRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perMinute: number | undefined,
    readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string): number | undefined {
    if (this.perMinute === undefined) return undefined;
    const now = this.now();
    const refill = this.perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * refill);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / refill / 1000));
  }
}

/**
 * Decode slots and a bounded queue. `acquire` answers at once: undefined when the queue is full
 * (the caller sends 429), else a ticket whose `ready` resolves when a slot is free.
 */
class Slots {
  active = 0;
  #queue: (() => void)[] = [];

  constructor(
    readonly capacity: number,
    readonly maxQueue: number,
  ) {}

  get waiting(): number {
    return this.#queue.length;
  }

  /** A slot now, or none: for background work that must never queue ahead of a client. */
  acquireIfFree(): { done: () => void } | undefined {
    if (this.active >= this.capacity) return undefined;
    return this.acquire();
  }

  acquire(): { ready: Promise<void>; done: () => void } | undefined {
    if (this.active >= this.capacity && this.#queue.length >= this.maxQueue) return undefined;
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      const next = this.#queue.shift();
      if (next) next();
      else this.active--;
    };
    if (this.active < this.capacity) {
      this.active++;
      return { ready: Promise.resolve(), done };
    }
    return { ready: new Promise<void>((resolve) => this.#queue.push(resolve)), done };
  }
}
