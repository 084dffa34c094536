import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFileError, ModelReferenceError } from '../core/errors.js';
import { initWorkspace, openWorkspace } from '../store/workspace.js';
import { defaultModelPath } from '../test-support/default-model.js';
import { createModel } from './create-model.js';
import { disposeLlamaRuntime } from './providers/llama-runtime.js';

afterAll(async () => {
  await disposeLlamaRuntime();
});

describe('createModel on the default model', () => {
  it('caches reproducible answers in the workspace and logs calls', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tailor-create-'));
    initWorkspace(root);
    const workspace = openWorkspace(root);
    const model = await createModel('llama:smollm2-135m-instruct', {
      config: workspace.config,
      store: workspace.store,
    });
    expect(model.id).toBe('llama:smollm2-135m-instruct');
    const messages = [{ role: 'user' as const, content: 'Name a fruit.' }];
    const first = await model.generate(messages, { temperature: 0, maxTokens: 16 });
    const second = await model.generate(messages, { temperature: 0, maxTokens: 16 });
    expect(first.cached).toBe(false);
    expect(first.costUsd).toBe(0);
    expect(second).toMatchObject({ text: first.text, cached: true });
    expect(workspace.store.modelCalls.usageByModel()).toEqual([
      expect.objectContaining({ model: 'llama:smollm2-135m-instruct', calls: 2, cachedCalls: 1 }),
    ]);
    await model.close();
    workspace.close();
  });

  it('names models by absolute path when given a path', async () => {
    const path = await defaultModelPath();
    const model = await createModel(`llama:${path}`);
    expect(model.id).toBe(`llama:${path}`);
    await model.close();
  });

  it('turns bad input into typed errors', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tailor-bad-'));
    await expect(createModel('llama:no-such-model')).rejects.toThrow(/Unknown model "no-such-model"/);
    await expect(createModel('mistral:large')).rejects.toBeInstanceOf(ModelReferenceError);
    const corrupt = join(directory, 'corrupt.gguf');
    writeFileSync(corrupt, 'GGUF but then garbage');
    await expect(createModel(corrupt)).rejects.toBeInstanceOf(ModelFileError);
    const garbage = join(directory, 'garbage.gguf');
    const header = Buffer.alloc(24);
    header.write('GGUF', 0, 'latin1');
    header.writeUInt32LE(3, 4);
    header.writeBigUInt64LE(5n, 8);
    header.writeBigUInt64LE(80n, 16);
    writeFileSync(garbage, Buffer.concat([header, Buffer.from('garbage'.repeat(10))]));
    await expect(createModel(garbage)).rejects.toThrow(/corrupt GGUF header/);
    const base = await defaultModelPath();
    const notAnAdapter = join(directory, 'copy.gguf');
    copyFileSync(base, notAnAdapter);
    await expect(createModel(`llama:${base}+lora:${notAnAdapter}`)).rejects.toThrow(/not a LoRA adapter/);
    await expect(createModel(`llama:${base}+lora:${join(directory, 'none.gguf')}`)).rejects.toThrow(
      /not found/,
    );
  });
});
