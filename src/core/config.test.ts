import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig } from './config.js';
import { ConfigError } from './errors.js';

describe('parseConfig', () => {
  it('fills defaults for an empty file', () => {
    const config = parseConfig('', 'tailor.yaml');
    expect(config).toEqual(defaultConfig());
    expect(config.llama.parallel).toBe(8);
    expect(config.providers.openai.apiKeyEnv).toBe('OPENAI_API_KEY');
  });

  it('reads nested values', () => {
    const config = parseConfig(
      'defaultModel: openai:gpt-4.1-mini\nproviders:\n  openai:\n    concurrency: 2\nprices:\n  "openai:gpt-4.1*": { inputPerMillion: 0.4, outputPerMillion: 1.6 }\n',
      'tailor.yaml',
    );
    expect(config.providers.openai.concurrency).toBe(2);
    expect(config.providers.anthropic.concurrency).toBe(4);
    expect(config.prices['openai:gpt-4.1*']?.outputPerMillion).toBe(1.6);
  });

  it('names file, line, key path and expectation for a wrong type', () => {
    const text = 'version: 1\nllama:\n  threads: 2\n  parallel: many\n';
    expect(() => parseConfig(text, '/w/tailor.yaml')).toThrow(ConfigError);
    try {
      parseConfig(text, '/w/tailor.yaml');
    } catch (error) {
      expect((error as Error).message).toMatch(/\/w\/tailor\.yaml:4: llama\.parallel: expected number/);
    }
  });

  it('rejects unknown keys so typos do not pass silently', () => {
    expect(() => parseConfig('llama:\n  paralel: 4\n', 'tailor.yaml')).toThrow(
      /tailor\.yaml:\d+: llama: unknown key\(s\) "paralel"/,
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(() => parseConfig('llama:\n  threads: [1,\n', 'tailor.yaml')).toThrow(
      /tailor\.yaml:\d+:\d+: invalid YAML/,
    );
  });
});
