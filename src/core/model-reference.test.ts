import { describe, expect, it } from 'vitest';
import { ModelReferenceError } from './errors.js';
import { splitModelReference } from './model-reference.js';

const providers = ['llama', 'openai'];

describe('splitModelReference', () => {
  it('splits a known prefix from its body, and leaves bare names and paths to the default provider', () => {
    expect(splitModelReference(' openai:gpt-4.1-mini ', providers)).toEqual({
      provider: 'openai',
      body: 'gpt-4.1-mini',
    });
    expect(splitModelReference('./models/x.gguf', providers)).toEqual({
      provider: undefined,
      body: './models/x.gguf',
    });
    expect(splitModelReference('C:\\models\\x.gguf', providers)).toEqual({
      provider: undefined,
      body: 'C:\\models\\x.gguf',
    });
  });

  it('rejects empty references, unknown providers and prefixes without a model', () => {
    expect(() => splitModelReference('  ', providers)).toThrow(ModelReferenceError);
    expect(() => splitModelReference('gemini:pro', providers)).toThrow(/Unknown provider "gemini"/);
    const unknown = (() => {
      try {
        splitModelReference('gemini:pro', providers);
      } catch (error) {
        return error;
      }
    })();
    expect(unknown).toMatchObject({ hint: 'Use one of llama:, openai:' });
    expect(() => splitModelReference('openai:', providers)).toThrow(/names no model/);
  });
});
