import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ChatModel } from '../../core/chat-model.js';
import { ProviderError } from '../../core/errors.js';
import { defaultModelPath } from '../../test-support/default-model.js';
import { chatFormatFor, renderChatPrompt } from './llama-chat-format.js';
import { createLlamaModel, safeLength } from './llama-chat-model.js';
import { disposeLlamaRuntime, loadLlamaModel } from './llama-runtime.js';

// Real-model tests on SmolLM2-135M-Instruct (the embedded default).
let model: ChatModel;
let modelPath: string;

beforeAll(async () => {
  modelPath = await defaultModelPath();
  model = createLlamaModel({
    id: 'llama:smollm2-135m-instruct',
    modelPath,
    adapters: [],
    gpu: 'off',
    threads: 0,
    contextSize: 1024,
    parallel: 6,
    defaultMaxTokens: 64,
  });
});

afterAll(async () => {
  await model.close();
  await disposeLlamaRuntime();
});

const ask = (content: string): ChatMessage[] => [{ role: 'user', content }];

describe('llama provider on the default model', () => {
  it('renders prompts with the GGUF chat template, byte for byte', async () => {
    const llamaModel = await loadLlamaModel(modelPath, { gpu: 'off', threads: 0 });
    const rendered = renderChatPrompt(llamaModel, chatFormatFor(llamaModel), [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'Bye' },
    ]);
    expect(rendered.text).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n' +
        '<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(llamaModel.detokenize(rendered.tokens, true)).toBe(rendered.text);
  });

  it('answers with text, usage, latency and a finish reason', async () => {
    const result = await model.generate(ask('What is the capital of France? Answer in one sentence.'), {
      temperature: 0,
      maxTokens: 40,
    });
    expect(result.text).toMatch(/Paris/);
    expect(result.finishReason).toBe('stop');
    expect(result.usage.inputTokens).toBeGreaterThan(10);
    expect(result.usage.outputTokens).toBeGreaterThan(3);
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.samples).toHaveLength(1);

    const cut = await model.generate(ask('Write a long story about a dragon.'), {
      temperature: 0,
      maxTokens: 5,
    });
    expect(cut.finishReason).toBe('length');
    expect(cut.usage.outputTokens).toBe(5);
  });

  it('produces JSON that parses and validates when given a schema', async () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer' },
        allergies: { type: 'array', items: { type: 'string' } },
      },
      required: ['name', 'age', 'allergies'],
      additionalProperties: false,
    };
    const result = await model.generate(
      ask('Patient John Smith, 45 years old, allergic to penicillin. Give JSON.'),
      {
        temperature: 0,
        jsonSchema: schema,
        maxTokens: 200,
      },
    );
    const parsed = JSON.parse(result.text) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(['age', 'allergies', 'name']);
    expect(typeof parsed.name).toBe('string');
    expect(Number.isInteger(parsed.age)).toBe(true);
    expect(Array.isArray(parsed.allergies)).toBe(true);
    expect(result.finishReason).toBe('stop');
  });

  it('lets a nullable list be a list: a type list with "array" in it reaches the grammar whole', async () => {
    const schema = {
      type: 'object',
      properties: { allergies: { type: ['array', 'null'], items: { type: 'string' } } },
      required: ['allergies'],
      additionalProperties: false,
    };
    const result = await model.generate(
      ask('The patient is allergic to penicillin and to shellfish. Give JSON with the allergies as a list.'),
      { temperature: 0, jsonSchema: schema, maxTokens: 40 },
    );
    // node-llama-cpp's own reading of this schema admits only null (see llama-json-schema.ts).
    expect(Array.isArray((JSON.parse(result.text) as { allergies: unknown }).allergies), result.text).toBe(
      true,
    );
  });

  it('stops a sample at the first repeated key a free-form object schema lets through', async () => {
    // An object of lists with free keys: the grammar cannot forbid a repeat, so the decoder must.
    const schema = { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } };
    const result = await model.generate(
      [
        {
          role: 'user',
          content:
            'Copy this JSON exactly, then continue the pattern: {"city": ["Paris"], "city": ["Rome"], "city": ["Oslo"], "city": ["Lima"]',
        },
      ],
      { temperature: 0, jsonSchema: schema, maxTokens: 120 },
    );
    const repeated = result.warnings.find((warning) => warning.includes('repeated the key'));
    expect(repeated, result.text).toBeDefined();
    // The sample ends on the repeated key: at most the rest of its last token follows it.
    const key = /the key "(.*)"/.exec(repeated!)![1]!;
    const end = result.text.lastIndexOf(`"${key}"`) + key.length + 2;
    expect(result.text.length - end, result.text).toBeLessThanOrEqual(4);
    expect(result.samples[0]!.outputTokens).toBeLessThan(120);
  });

  it('is deterministic under a seed, and different seeds give different samples', async () => {
    const options = { temperature: 1, maxTokens: 30 };
    const first = await model.generate(ask('Invent a name for a cat.'), { ...options, seed: 42 });
    const again = await model.generate(ask('Invent a name for a cat.'), { ...options, seed: 42 });
    expect(again.text).toBe(first.text);
    const several = await model.generate(ask('Invent a name for a cat.'), {
      ...options,
      seed: 42,
      samples: 4,
    });
    expect(several.samples[0]!.text).toBe(first.text);
    expect(new Set(several.samples.map((sample) => sample.text)).size).toBeGreaterThan(1);
  });

  it('decodes parallel sequences exactly like sequential calls with the same seeds', async () => {
    const prompts = [
      'a fact about whales',
      'a tip for sleeping',
      'a word that rhymes with cat',
      'a prime number',
    ];
    const calls = prompts.map((prompt, index) => ({
      messages: ask(`Tell me ${prompt}.`),
      options: { temperature: 0.8, seed: 100 + index, maxTokens: 40 },
    }));
    const sequential: string[] = [];
    for (const call of calls) sequential.push((await model.generate(call.messages, call.options)).text);
    const parallel = await Promise.all(calls.map((call) => model.generate(call.messages, call.options)));
    expect(parallel.map((result) => result.text)).toEqual(sequential);

    // Samples of one call are parallel sequences too: sample i equals a single call with seed + i.
    const batch = await model.generate(calls[0]!.messages, { ...calls[0]!.options, samples: 3 });
    for (let index = 0; index < 3; index++) {
      const single = await model.generate(calls[0]!.messages, { ...calls[0]!.options, seed: 100 + index });
      expect(batch.samples[index]!.text).toBe(single.text);
    }
  });

  it('stops at stop strings and leaves them out', async () => {
    const result = await model.generate(ask('Count from 1 to 10, separated by commas.'), {
      temperature: 0,
      maxTokens: 60,
      stop: ['5'],
    });
    expect(result.finishReason).toBe('stop-sequence');
    expect(result.text).not.toContain('5');
    expect(result.text).toContain('4');
  });

  it('returns token log-probabilities consistent with greedy decoding', async () => {
    const result = await model.generate(ask('Say hello.'), {
      temperature: 0,
      maxTokens: 12,
      logprobs: true,
      topLogprobs: 3,
    });
    const logprobs = result.samples[0]!.logprobs!;
    expect(logprobs).toHaveLength(result.usage.outputTokens);
    for (const entry of logprobs) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top).toHaveLength(3);
      // Greedy picks the most likely token.
      expect(entry.top![0]!.token).toBe(entry.token);
      expect(entry.top![0]!.logprob).toBeCloseTo(entry.logprob, 6);
    }
    expect(logprobs.map((entry) => entry.token).join('')).toBe(result.text);
  });

  it('streams deltas that add up to the final text', async () => {
    let streamed = '';
    let finished: string | undefined;
    for await (const event of model.stream(ask('Name three colours.'), { temperature: 0, maxTokens: 30 })) {
      if (event.type === 'text') streamed += event.text;
      else finished = event.result.text;
    }
    expect(finished).toBeDefined();
    expect(streamed).toBe(finished);
  });

  it('rejects prompts longer than the context with a typed error', async () => {
    const huge = 'lorem ipsum '.repeat(800);
    await expect(model.generate(ask(huge), { maxTokens: 5 })).rejects.toBeInstanceOf(ProviderError);
    await expect(model.generate(ask(huge), { maxTokens: 5 })).rejects.toThrow(/context holds/);
  });
});

describe('safeLength', () => {
  it('holds back partial stop strings and partial characters', () => {
    expect(safeLength('hello wor', ['world'])).toBe(6);
    expect(safeLength('hello', ['\n\n'])).toBe(5);
    expect(safeLength('abc\n', ['\n\n'])).toBe(3);
    expect(safeLength('caf\uFFFD', [])).toBe(3);
  });
});
