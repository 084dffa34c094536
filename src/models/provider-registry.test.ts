import { describe, expect, it } from 'vitest';
import { ModelReferenceError } from '../core/errors.js';
import { formatModelReference, parseModelReference } from './provider-registry.js';

describe('parseModelReference', () => {
  it('parses every documented form', () => {
    expect(parseModelReference('llama:smollm2-135m-instruct')).toEqual({
      provider: 'llama',
      model: 'smollm2-135m-instruct',
      adapters: [],
    });
    expect(parseModelReference('llama:./model.gguf+lora:./adapter.gguf')).toEqual({
      provider: 'llama',
      model: './model.gguf',
      adapters: [{ path: './adapter.gguf', scale: 1 }],
    });
    expect(parseModelReference('llama:/m.gguf+lora:/a.gguf@0.5+lora:/b.gguf')).toMatchObject({
      adapters: [
        { path: '/a.gguf', scale: 0.5 },
        { path: '/b.gguf', scale: 1 },
      ],
    });
    expect(parseModelReference('openai:gpt-4.1-mini')).toEqual({ provider: 'openai', model: 'gpt-4.1-mini' });
    expect(parseModelReference('openai:http://127.0.0.1:8080/v1#my-model')).toEqual({
      provider: 'openai',
      baseURL: 'http://127.0.0.1:8080/v1',
      model: 'my-model',
    });
    expect(parseModelReference('anthropic:claude-sonnet-4-5')).toEqual({
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
    });
  });

  it('treats bare names and paths as llama models', () => {
    expect(parseModelReference('smollm2-135m-instruct')).toMatchObject({ provider: 'llama' });
    expect(parseModelReference('./models/x.gguf')).toMatchObject({
      provider: 'llama',
      model: './models/x.gguf',
    });
  });

  it('round-trips through formatModelReference', () => {
    for (const text of [
      'llama:smollm2-135m-instruct',
      'llama:./m.gguf+lora:./a.gguf@0.25',
      'openai:http://127.0.0.1:8080/v1#m',
      'anthropic:claude-sonnet-4-5',
    ]) {
      expect(formatModelReference(parseModelReference(text))).toBe(text);
    }
  });

  it('rejects malformed references with a typed error', () => {
    expect(() => parseModelReference('')).toThrow(ModelReferenceError);
    expect(() => parseModelReference('gemini:pro')).toThrow(/Unknown provider "gemini"/);
    expect(() => parseModelReference('openai:http://host/v1')).toThrow(/needs the model after "#"/);
    expect(() => parseModelReference('llama:m.gguf+adapter.gguf')).toThrow(/\+lora:/);
    expect(() => parseModelReference('llama:m.gguf+lora:a.gguf@big')).toThrow(/not a number/);
  });
});
