import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type {
  ChatMessage,
  ChatModel,
  FinishReason,
  GenerateOptions,
  GenerateResult,
  Sample,
} from '../../core/chat-model.js';
import { ModelReferenceError, ProviderError } from '../../core/errors.js';
import { apiConnection } from './api-connection.js';
import { toProviderError } from './api-errors.js';
import type { ModelProvider } from './provider.js';

/** `openai:<model>` on OpenAI (or the configured base URL), `openai:<base URL>#<model>` on any compatible server. */
export interface OpenAIModelReference {
  provider: 'openai';
  model: string;
  baseURL?: string;
}

export const openaiProvider: ModelProvider<OpenAIModelReference> = {
  name: 'openai',
  parse(body, original) {
    if (/^https?:\/\//.test(body)) {
      const hash = body.lastIndexOf('#');
      if (hash < 0 || hash === body.length - 1) {
        throw new ModelReferenceError(`Endpoint reference "${original}" needs the model after "#"`, {
          hint: 'Example: openai:http://127.0.0.1:8080/v1#my-model',
        });
      }
      return { provider: 'openai', baseURL: body.slice(0, hash), model: body.slice(hash + 1) };
    }
    return { provider: 'openai', model: body };
  },
  format: (reference) =>
    reference.baseURL ? `openai:${reference.baseURL}#${reference.model}` : `openai:${reference.model}`,
  async create(reference, context) {
    const settings = context.config.providers.openai;
    const { apiKey, baseURL, pipeline } = apiConnection(
      'openai',
      settings,
      context.env,
      reference.baseURL ?? settings.baseURL,
    );
    const model = createOpenAIModel({
      id: openaiProvider.format(reference),
      model: reference.model,
      apiKeyEnv: settings.apiKeyEnv,
      ...(baseURL ? { baseURL } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(context.fetch ? { fetch: context.fetch } : {}),
    });
    return { model, pipeline };
  },
};

interface OpenAIModelOptions {
  id: string;
  model: string;
  /** Any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, Together, …); default OpenAI. */
  baseURL?: string;
  apiKey?: string;
  /** Name of the env var the key came from, for the error message when it is missing. */
  apiKeyEnv: string;
  fetch?: typeof fetch;
}

/** OpenAI and OpenAI-compatible endpoints through the official SDK (its own retries off: the pipeline retries). */
function createOpenAIModel(options: OpenAIModelOptions): ChatModel {
  const endpoint = options.baseURL ?? 'https://api.openai.com/v1';
  let client: OpenAI | undefined;
  const clientFor = () => {
    if (client) return client;
    if (!options.apiKey && !options.baseURL) {
      throw new ProviderError('openai', `No API key for ${options.id}: ${options.apiKeyEnv} is not set`, {
        code: 'missing-api-key',
        hint: `export ${options.apiKeyEnv}=... (or set providers.openai.apiKeyEnv in tailor.yaml)`,
      });
    }
    client = new OpenAI({
      apiKey: options.apiKey ?? 'not-needed',
      baseURL: endpoint,
      maxRetries: 0,
      timeout: 10 * 60_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return client;
  };

  const request = (messages: ChatMessage[], callOptions: GenerateOptions) => {
    // Official OpenAI wants max_completion_tokens (reasoning models reject max_tokens); compatible
    // servers mostly only know max_tokens.
    const maxTokensKey = options.baseURL ? 'max_tokens' : 'max_completion_tokens';
    return {
      model: options.model,
      messages: messages.map((message) => ({ role: message.role, content: message.content })),
      ...(callOptions.maxTokens !== undefined ? { [maxTokensKey]: callOptions.maxTokens } : {}),
      ...(callOptions.temperature !== undefined ? { temperature: callOptions.temperature } : {}),
      ...(callOptions.topP !== undefined ? { top_p: callOptions.topP } : {}),
      // top_k is an extension that vLLM, llama.cpp server and Ollama accept; OpenAI's API does not.
      ...(callOptions.topK && options.baseURL ? { top_k: callOptions.topK } : {}),
      ...(callOptions.seed !== undefined ? { seed: callOptions.seed } : {}),
      ...(callOptions.stop?.length ? { stop: callOptions.stop } : {}),
      ...((callOptions.samples ?? 1) > 1 ? { n: callOptions.samples } : {}),
      ...(callOptions.logprobs || callOptions.topLogprobs ? { logprobs: true } : {}),
      ...(callOptions.topLogprobs ? { top_logprobs: callOptions.topLogprobs } : {}),
      ...(callOptions.jsonSchema
        ? {
            response_format: {
              type: 'json_schema' as const,
              json_schema: { name: 'output', schema: callOptions.jsonSchema, strict: false },
            },
          }
        : {}),
    };
  };

  const warningsFor = (callOptions: GenerateOptions) =>
    callOptions.topK && !options.baseURL ? ['the OpenAI API has no top-k; topK was ignored'] : [];

  return {
    id: options.id,
    provider: 'openai',
    async generate(messages, callOptions = {}) {
      const started = performance.now();
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await clientFor().chat.completions.create(
          request(messages, callOptions) as ChatCompletionCreateParamsNonStreaming,
          { signal: callOptions.signal ?? null },
        );
      } catch (error) {
        throw toProviderError('openai', endpoint, error);
      }
      const samples: Sample[] = completion.choices.map((choice) => ({
        text: choice.message.content ?? '',
        finishReason: finishReasonOf(choice.finish_reason),
        outputTokens: 0,
        ...(choice.logprobs?.content
          ? {
              logprobs: choice.logprobs.content.map((entry) => ({
                token: entry.token,
                logprob: entry.logprob,
                ...(entry.top_logprobs?.length
                  ? { top: entry.top_logprobs.map((top) => ({ token: top.token, logprob: top.logprob })) }
                  : {}),
              })),
            }
          : {}),
      }));
      const outputTokens = completion.usage?.completion_tokens ?? 0;
      // The API reports usage per call; attribute it evenly when several samples came back.
      for (const sample of samples)
        sample.outputTokens = Math.round(outputTokens / Math.max(1, samples.length));
      return resultOf(
        options.id,
        samples,
        completion.usage?.prompt_tokens ?? 0,
        outputTokens,
        started,
        warningsFor(callOptions),
      );
    },
    async *stream(messages, callOptions = {}) {
      if ((callOptions.samples ?? 1) > 1) throw new ProviderError('openai', 'stream() produces one sample');
      const started = performance.now();
      let text = '';
      let finishReason: FinishReason = 'stop';
      let usage = { prompt_tokens: 0, completion_tokens: 0 };
      try {
        const stream = await clientFor().chat.completions.create(
          {
            ...request(messages, callOptions),
            stream: true,
            stream_options: { include_usage: true },
          } as ChatCompletionCreateParamsStreaming,
          { signal: callOptions.signal ?? null },
        );
        for await (const chunk of stream) {
          const choice = chunk.choices[0];
          const delta = choice?.delta?.content;
          if (delta) {
            text += delta;
            yield { type: 'text', text: delta };
          }
          if (choice?.finish_reason) finishReason = finishReasonOf(choice.finish_reason);
          if (chunk.usage) usage = chunk.usage;
        }
      } catch (error) {
        throw toProviderError('openai', endpoint, error);
      }
      const sample: Sample = { text, finishReason, outputTokens: usage.completion_tokens };
      yield {
        type: 'finish',
        result: resultOf(
          options.id,
          [sample],
          usage.prompt_tokens,
          usage.completion_tokens,
          started,
          warningsFor(callOptions),
        ),
      };
    },
    async close() {
      client = undefined;
    },
  };
}

function finishReasonOf(reason: string | null | undefined): FinishReason {
  return reason === 'length' ? 'length' : 'stop';
}

function resultOf(
  id: string,
  samples: Sample[],
  inputTokens: number,
  outputTokens: number,
  started: number,
  warnings: string[],
): GenerateResult {
  const first = samples[0] ?? { text: '', finishReason: 'stop' as const, outputTokens: 0 };
  return {
    model: id,
    text: first.text,
    finishReason: first.finishReason,
    samples: samples.length > 0 ? samples : [first],
    usage: { inputTokens, outputTokens },
    latencyMs: performance.now() - started,
    costUsd: null,
    cached: false,
    warnings,
  };
}
