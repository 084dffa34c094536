import { ConfigError } from '../core/errors.js';
import { type WireError, wireError } from './openai-wire.js';

/**
 * Gateway mode: `tailor serve` in front of the API model a team runs today. A model named under
 * `serve.upstreams` is not decoded here: the request goes to that OpenAI-compatible endpoint with
 * only `model` rewritten, every other field untouched (tools, logprobs, whatever this server does
 * not understand), and the upstream's answer, error or stream comes back as it was sent. The
 * traffic is captured like the server's own, so day one already collects the data to train on.
 */
export interface UpstreamConfig {
  /** The model name clients send (and /v1/models lists). */
  name: string;
  /** The endpoint's base URL, up to and including `/v1`. */
  baseUrl: string;
  /** The upstream's own model id (default: `name`). */
  model?: string | undefined;
  /** The environment variable holding the upstream's API key (none sent when omitted). */
  apiKeyEnv?: string | undefined;
}

export interface Upstream {
  name: string;
  url: string;
  model: string;
  apiKey: string | undefined;
}

/** The configured upstreams by client-facing name; a key variable that is not set stops the start. */
export function resolveUpstreams(
  configs: readonly UpstreamConfig[],
  env: NodeJS.ProcessEnv = process.env,
): Map<string, Upstream> {
  const upstreams = new Map<string, Upstream>();
  for (const config of configs) {
    if (upstreams.has(config.name)) throw new ConfigError(`serve.upstreams names "${config.name}" twice`);
    const apiKey = config.apiKeyEnv ? env[config.apiKeyEnv] : undefined;
    if (config.apiKeyEnv && !apiKey)
      throw new ConfigError(
        `serve.upstreams "${config.name}" reads its API key from $${config.apiKeyEnv}, which is not set`,
        { hint: `export ${config.apiKeyEnv}=<key>, or leave apiKeyEnv out for an endpoint without keys.` },
      );
    upstreams.set(config.name, {
      name: config.name,
      url: `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`,
      model: config.model ?? config.name,
      apiKey,
    });
  }
  return upstreams;
}

/** Send the client's body, `model` rewritten, to the upstream; a network failure is a 502 in OpenAI's shape. */
export async function forward(
  upstream: Upstream,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<{ response: Response } | { error: WireError }> {
  try {
    const response = await fetch(upstream.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(upstream.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {}),
      },
      body: JSON.stringify({ ...body, model: upstream.model }),
      signal,
    });
    return { response };
  } catch (error) {
    if (signal.aborted) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      error: wireError(
        502,
        `The upstream for '${upstream.name}' (${upstream.url}) could not be reached: ${cause?.code ?? cause?.message ?? (error as Error).message}.`,
        { type: 'upstream_error', code: 'upstream_unreachable' },
      ),
    };
  }
}

/**
 * What a streamed answer said, read from its server-sent events as they pass through untouched:
 * the text of choice 0, its finish reason and the usage chunk when the client asked for one.
 */
export class StreamTranscript {
  content = '';
  finishReason: string | null = null;
  usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
  upstreamId: string | undefined;
  #pending = '';
  readonly #decoder = new TextDecoder();

  push(bytes: Uint8Array): void {
    this.#pending += this.#decoder.decode(bytes, { stream: true });
    const lines = this.#pending.split('\n');
    this.#pending = lines.pop() ?? '';
    for (const line of lines) this.#line(line.trim());
  }

  end(): void {
    this.#line(this.#pending.trim());
    this.#pending = '';
  }

  #line(line: string): void {
    if (!line.startsWith('data:')) return;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') return;
    let chunk: {
      id?: string;
      choices?: { index?: number; delta?: { content?: string | null }; finish_reason?: string | null }[];
      usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
    };
    try {
      chunk = JSON.parse(data);
    } catch {
      return; // not ours to judge: it was passed on as it came
    }
    this.upstreamId ??= chunk.id;
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      if (typeof choice.delta?.content === 'string') this.content += choice.delta.content;
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    if (chunk.usage) this.usage = chunk.usage;
  }
}
