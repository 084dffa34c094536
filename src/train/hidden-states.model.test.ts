import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeLlamaRuntime, loadLlamaModel } from '../models/llama-cpp.js';
import { resolveModelFile } from '../models/model-files.js';
import { createChatTokenizer } from './chat-tokens.js';
import { TrainingWorker } from './worker-client.js';

// The worker's hidden states on the real default model (SmolLM2-135M-Instruct, dequantised from its
// GGUF): the primitive probes are built on. Batched and padded, they must be what each sequence gives
// alone; the worker's own test (worker/tests/test_engine.py) holds them to the model's forward pass.
const example = join(import.meta.dirname, '..', '..', 'examples', 'clinical-notes');
let worker: TrainingWorker | undefined;

afterAll(async () => {
  await worker?.close();
  await disposeLlamaRuntime();
});

const flat = (rows: number[][]) => rows.flat();
// Reduced, not spread: a sequence's states are more numbers than a call takes as arguments.
const maxDifference = (a: number[], b: number[]) =>
  a.reduce((largest, value, index) => Math.max(largest, Math.abs(value - b[index]!)), 0);
// Middle layers of SmolLM2 carry a few very large activations: float32 sums in another order differ
// in proportion to them, so differences are measured against the largest value.
const relativeDifference = (a: number[], b: number[]) =>
  maxDifference(a, b) / (1 + a.reduce((largest, value) => Math.max(largest, Math.abs(value)), 0));

describe('hidden states from the worker', () => {
  it('are the same batched as alone, per layer, pooled and per token', async () => {
    const basePath = await resolveModelFile('smollm2-135m-instruct', { pull: true });
    const tokenizer = createChatTokenizer(await loadLlamaModel(basePath, { gpu: 'off', threads: 0 }));
    const notes = readFileSync(join(example, 'data', 'train.jsonl'), 'utf8')
      .split('\n')
      .slice(0, 3)
      .map((line) => JSON.parse(line) as { id: string; input: { note: string } });
    const sequences = notes.map((note) => ({
      tokens: tokenizer.tokenize(note.id, [{ role: 'user', content: note.input.note }], '').tokens,
    }));
    expect(new Set(sequences.map(({ tokens }) => tokens.length)).size).toBeGreaterThan(1); // padding is exercised

    worker = await TrainingWorker.start();
    await worker.create({ base: { gguf: basePath }, lora: { rank: 8, alpha: 16 }, seed: 1, threads: 2 });
    const batched = await worker.hiddenStates({
      sequences,
      layers: [0, 15, -1],
      per_token: true,
      batch_size: 3,
    });
    expect(batched.layers).toEqual([0, 15, 30]);
    expect(batched.hidden_size).toBe(576);
    for (const [index, sequence] of sequences.entries()) {
      const alone = await worker.hiddenStates({
        sequences: [sequence],
        layers: [0, 15, -1],
        per_token: true,
      });
      for (let slot = 0; slot < 3; slot += 1) {
        const tokens = batched.tokens![index]![slot]!;
        expect(tokens).toHaveLength(sequence.tokens.length);
        expect(relativeDifference(flat(tokens), flat(alone.tokens![0]![slot]!))).toBeLessThan(1e-4);
        expect(batched.pooled.last[index]![slot]!).toEqual(tokens.at(-1));
        const mean = tokens[0]!.map(
          (_, dim) => tokens.reduce((sum, row) => sum + row[dim]!, 0) / tokens.length,
        );
        expect(relativeDifference(batched.pooled.mean[index]![slot]!, mean)).toBeLessThan(1e-5);
      }
    }
    // Different notes, different states: the last layer tells them apart.
    expect(maxDifference(batched.pooled.mean[0]![2]!, batched.pooled.mean[1]![2]!)).toBeGreaterThan(0.01);
  }, 600_000);
});
