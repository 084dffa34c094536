import { describe, expect, it } from 'vitest';
import { temporaryStore } from '../test-support/temporary-store.js';
import { modelLabel } from './model-label.js';

describe('model labels', () => {
  it('names a specialist by name and version, not by its adapter path', () => {
    const store = temporaryStore();
    store.training.startRun({
      id: 'run-1',
      method: 'sft',
      base: 'smollm2-135m-instruct',
      runDirectory: '/r',
      config: {},
    });
    const register = () =>
      store.training.registerSpecialist(
        {
          name: 'notes-sft',
          base: 'smollm2-135m-instruct',
          basePath: '/models/base.gguf',
          adapterPath: '',
          trainingRun: 'run-1',
          lineage: {},
        },
        (version) => `/work/.tailor/specialists/notes-sft-v${version}.gguf`,
      );
    register();
    register();
    const id = 'llama:smollm2-135m-instruct+lora:/work/.tailor/specialists/notes-sft-v2.gguf';
    expect(modelLabel('llama:notes-sft', id, store)).toBe('llama:notes-sft@v2');
    expect(modelLabel('notes-sft', id, store)).toBe('llama:notes-sft@v2');
    // Anything else keeps its canonical id: catalog models, explicit adapters, API models.
    expect(modelLabel('llama:smollm2-135m-instruct', 'llama:smollm2-135m-instruct', store)).toBe(
      'llama:smollm2-135m-instruct',
    );
    expect(modelLabel('llama:notes-sft+lora:/x.gguf', 'llama:…', store)).toBe('llama:…');
    expect(modelLabel('openai:gpt-4.1-mini', 'openai:gpt-4.1-mini', store)).toBe('openai:gpt-4.1-mini');
    expect(modelLabel('llama:unknown-name', 'llama:/abs/unknown-name', undefined)).toBe(
      'llama:/abs/unknown-name',
    );
    store.close();
  });
});
