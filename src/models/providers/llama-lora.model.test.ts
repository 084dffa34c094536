import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateResult } from '../../core/chat-model.js';
import { defaultModelPath } from '../../test-support/default-model.js';
import { writeLlamaLora } from '../../test-support/gguf-writer.js';
import { createModel } from '../create-model.js';
import { readGgufSummary } from '../gguf-info.js';
import { disposeLlamaRuntime } from './llama-runtime.js';

// LoRA adapters on the real default model. The adapters are built here (random low-rank weights in
// llama.cpp's LoRA GGUF layout); trained ones come from the training worker.
let base: string;
let adapter: string;
let otherAdapter: string;

beforeAll(async () => {
  base = await defaultModelPath();
  const directory = mkdtempSync(join(tmpdir(), 'tailor-lora-'));
  adapter = join(directory, 'adapter-v1.gguf');
  otherAdapter = join(directory, 'adapter-v2.gguf');
  const shape = { layers: [0, 1, 2, 3], hidden: 576, rank: 8, alpha: 16 };
  writeLlamaLora(adapter, { ...shape, seed: 1, scale: 0.5 });
  writeLlamaLora(otherAdapter, { ...shape, seed: 2, scale: 0.5 });
});

afterAll(async () => {
  await disposeLlamaRuntime();
});

const messages = [
  { role: 'user' as const, content: 'What is the capital of France? Answer in one sentence.' },
];
const greedy = { temperature: 0, maxTokens: 24, logprobs: true };

describe('llama provider with LoRA adapters', () => {
  it('reads adapters as adapters', async () => {
    expect(await readGgufSummary(adapter)).toMatchObject({ type: 'adapter', architecture: 'llama' });
  });

  it('changes the output when applied, scales, and composes', async () => {
    const plain = await createModel(`llama:${base}`);
    const adapted = await createModel(`llama:${base}+lora:${adapter}`);
    const off = await createModel(`llama:${base}+lora:${adapter}@0`);
    const both = await createModel(`llama:${base}+lora:${adapter}+lora:${otherAdapter}`);
    expect(adapted.id).toBe(`llama:${base}+lora:${adapter}`);

    const [plainResult, adaptedResult, offResult, bothResult] = (await Promise.all(
      [plain, adapted, off, both].map((model) => model.generate(messages, greedy)),
    )) as [GenerateResult, GenerateResult, GenerateResult, GenerateResult];
    const firstLogprob = (result: GenerateResult) => result.samples[0]!.logprobs![0]!.logprob;
    expect(plainResult.text).toMatch(/Paris/);
    // The adapter moves the distribution; at scale 0 it is exactly the base model.
    expect(Math.abs(firstLogprob(adaptedResult) - firstLogprob(plainResult))).toBeGreaterThan(1e-3);
    expect(offResult.text).toBe(plainResult.text);
    expect(firstLogprob(offResult)).toBeCloseTo(firstLogprob(plainResult), 5);
    expect(Math.abs(firstLogprob(bothResult) - firstLogprob(adaptedResult))).toBeGreaterThan(1e-3);
    await Promise.all([plain, adapted, off, both].map((model) => model.close()));
  });
});
