import Anthropic from '@anthropic-ai/sdk';
import type {
  ChatMessage,
  ChatModel,
  FinishReason,
  GenerateOptions,
  GenerateResult,
  Sample,
} from '../../core/chat-model.js';
import { ProviderError } from '../../core/errors.js';
import { apiConnection } from './api-connection.js';
import { toProviderError } from './api-errors.js';
import type { ModelProvider } from './provider.js';

/** `anthropic:<model>` on Anthropic's Messages API (or the configured base URL). */
export interface AnthropicModelReference {
  provider: 'anthropic';
  model: string;
}

export const anthropicProvider: ModelProvider<AnthropicModelReference> = {
  name: 'anthropic',
  parse: (body) => ({ provider: 'anthropic', model: body }),
  format: (reference) => `anthropic:${reference.model}`,
  async create(reference, context) {
    const settings = context.config.providers.anthropic;
    const { apiKey, baseURL, pipeline } = apiConnection('anthropic', settings, context.env, settings.baseURL);
    const model = createAnthropicModel({
      id: anthropicProvider.format(reference),
      model: reference.model,
      apiKeyEnv: settings.apiKeyEnv,
      defaultMaxTokens: context.config.llama.maxTokens,
      ...(baseURL ? { baseURL } : {}),
      ...(apiKey ? { apiKey } : {}),
      ...(context.fetch ? { fetch: context.fetch } : {}),
    });
    return { model, pipeline };
  },
};

interface AnthropicModelOptions {
  id: string;
  model: string;
  baseURL?: string;
  apiKey?: string;
  apiKeyEnv: string;
  /** Anthropic requires max_tokens; used when a call sets none. */
  defaultMaxTokens: number;
  fetch?: typeof fetch;
}

/** Anthropic's Messages API through the official SDK. `seed` and log-probabilities are not offered there. */
function createAnthropicModel(options: AnthropicModelOptions): ChatModel {
  const endpoint = options.baseURL ?? 'https://api.anthropic.com';
  let client: Anthropic | undefined;
  const clientFor = () => {
    if (client) return client;
    if (!options.apiKey) {
      throw new ProviderError('anthropic', `No API key for ${options.id}: ${options.apiKeyEnv} is not set`, {
        code: 'missing-api-key',
        hint: `export ${options.apiKeyEnv}=... (or set providers.anthropic.apiKeyEnv in tailor.yaml)`,
      });
    }
    client = new Anthropic({
      apiKey: options.apiKey,
      maxRetries: 0,
      timeout: 10 * 60_000,
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return client;
  };

  const request = (messages: ChatMessage[], callOptions: GenerateOptions) => {
    const system = messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n\n');
    return {
      model: options.model,
      max_tokens: callOptions.maxTokens ?? options.defaultMaxTokens,
      ...(system ? { system } : {}),
      messages: messages
        .filter((message) => message.role !== 'system')
        .map((message) => ({ role: message.role as 'user' | 'assistant', content: message.content })),
      ...(callOptions.temperature !== undefined ? { temperature: callOptions.temperature } : {}),
      ...(callOptions.topP !== undefined ? { top_p: callOptions.topP } : {}),
      ...(callOptions.topK ? { top_k: callOptions.topK } : {}),
      ...(callOptions.stop?.length ? { stop_sequences: callOptions.stop } : {}),
      ...(callOptions.jsonSchema
        ? { output_config: { format: { type: 'json_schema' as const, schema: callOptions.jsonSchema } } }
        : {}),
    };
  };

  const warningsFor = (callOptions: GenerateOptions) => [
    ...(callOptions.seed !== undefined ? ['anthropic ignores seed: samples are not reproducible'] : []),
    ...(callOptions.logprobs || callOptions.topLogprobs ? ['anthropic returns no log-probabilities'] : []),
  ];

  const once = async (messages: ChatMessage[], callOptions: GenerateOptions) => {
    try {
      return await clientFor().messages.create(
        request(messages, callOptions) as Anthropic.MessageCreateParamsNonStreaming,
        {
          signal: callOptions.signal ?? null,
        },
      );
    } catch (error) {
      throw toProviderError('anthropic', endpoint, error);
    }
  };

  return {
    id: options.id,
    provider: 'anthropic',
    async generate(messages, callOptions = {}) {
      const started = performance.now();
      // The Messages API has no `n`: several samples are several requests.
      const replies = await Promise.all(
        Array.from({ length: callOptions.samples ?? 1 }, () => once(messages, callOptions)),
      );
      const samples: Sample[] = replies.map((reply) => ({
        text: reply.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
        finishReason: finishReasonOf(reply.stop_reason),
        outputTokens: reply.usage.output_tokens,
      }));
      return resultOf(
        options.id,
        samples,
        replies[0]?.usage.input_tokens ?? 0,
        samples.reduce((sum, sample) => sum + sample.outputTokens, 0),
        started,
        warningsFor(callOptions),
      );
    },
    async *stream(messages, callOptions = {}) {
      if ((callOptions.samples ?? 1) > 1)
        throw new ProviderError('anthropic', 'stream() produces one sample');
      const started = performance.now();
      let text = '';
      let finishReason: FinishReason = 'stop';
      let inputTokens = 0;
      let outputTokens = 0;
      try {
        const stream = await clientFor().messages.create(
          { ...request(messages, callOptions), stream: true } as Anthropic.MessageCreateParamsStreaming,
          { signal: callOptions.signal ?? null },
        );
        for await (const event of stream) {
          if (event.type === 'message_start') inputTokens = event.message.usage.input_tokens;
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
            text += event.delta.text;
            yield { type: 'text', text: event.delta.text };
          }
          if (event.type === 'message_delta') {
            outputTokens = event.usage.output_tokens;
            finishReason = finishReasonOf(event.delta.stop_reason);
          }
        }
      } catch (error) {
        throw toProviderError('anthropic', endpoint, error);
      }
      const sample: Sample = { text, finishReason, outputTokens };
      yield {
        type: 'finish',
        result: resultOf(options.id, [sample], inputTokens, outputTokens, started, warningsFor(callOptions)),
      };
    },
    async close() {
      client = undefined;
    },
  };
}

function finishReasonOf(reason: string | null | undefined): FinishReason {
  if (reason === 'max_tokens') return 'length';
  if (reason === 'stop_sequence') return 'stop-sequence';
  return 'stop';
}

function resultOf(
  id: string,
  samples: Sample[],
  inputTokens: number,
  outputTokens: number,
  started: number,
  warnings: string[],
): GenerateResult {
  const first = samples[0]!;
  return {
    model: id,
    text: first.text,
    finishReason: first.finishReason,
    samples,
    usage: { inputTokens, outputTokens },
    latencyMs: performance.now() - started,
    costUsd: null,
    cached: false,
    warnings,
  };
}
