import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyExamples, writeTinyHfModel } from '../test-support/tiny-hf-model.js';
import { dpoConfigSchema, dpoLoss, loadPreferencePairs, type PreferenceExample, runDpo } from './dpo.js';
import { TrainingWorker } from './worker-client.js';

describe('DPO', () => {
  it('computes the logistic loss of the reward margin', () => {
    // beta (1 - (-1)) = 0.2 with beta 0.1: log(1 + e^-0.2)
    expect(dpoLoss(1, -1, 0.1)).toBeCloseTo(Math.log1p(Math.exp(-0.2)), 12);
    expect(dpoLoss(0, 0, 0.5)).toBeCloseTo(Math.log(2), 12);
    expect(dpoLoss(-400, 400, 1)).toBeCloseTo(800, 6); // no overflow
  });

  it('reads pairs with file and line for bad records', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tailor-pairs-'));
    const good = join(directory, 'good.jsonl');
    writeFileSync(
      good,
      `${JSON.stringify({ id: 'a', input: { note: 'x' }, chosen: { ok: true }, rejected: 'no' })}\n`,
    );
    expect(loadPreferencePairs(good, { variables: ['note'] })).toMatchObject([
      { id: 'a', chosen: '{"ok":true}', rejected: 'no' },
    ]);
    const bad = join(directory, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({ id: 'a', input: { note: 'x' }, chosen: 'yes', rejected: 'no' })}\n${JSON.stringify({ id: 'b', input: { note: 'y' }, chosen: 'same', rejected: 'same' })}\n${JSON.stringify({ id: 'c', input: { note: 'z' }, chosen: 'yes' })}\n`,
    );
    expect(() => loadPreferencePairs(bad, { variables: ['note'] })).toThrow(
      /bad\.jsonl:2: "chosen" and "rejected" are the same text\n {2}.*bad\.jsonl:3: field "rejected" is missing/,
    );
  });

  describe('on a tiny model', () => {
    let model: string;
    let worker: TrainingWorker;
    beforeAll(async () => {
      model = writeTinyHfModel();
      worker = await TrainingWorker.start();
      await worker.create({ base: { hf: model }, lora: { rank: 4, alpha: 8 }, seed: 2, threads: 1 });
    });
    afterAll(async () => {
      await worker.close();
    });

    it('prefers the chosen completions after training and caches the reference', async () => {
      const examples = tinyExamples(24, 11);
      // Same prompt, two completions: the chosen one ends in token 7s, the rejected one in 90s.
      const pairs: PreferenceExample[] = examples.map((example) => {
        const prompt = example.tokens.slice(0, example.promptTokens);
        const completion = (token: number) => [...prompt, token, token + 1, token];
        const weights = (tokens: number[]) => tokens.map((_, index) => (index >= prompt.length ? 1 : 0));
        const chosen = completion(7);
        const rejected = completion(90);
        return {
          id: example.id,
          chosen: {
            id: `${example.id}:c`,
            tokens: chosen,
            weights: weights(chosen),
            promptTokens: prompt.length,
          },
          rejected: {
            id: `${example.id}:r`,
            tokens: rejected,
            weights: weights(rejected),
            promptTokens: prompt.length,
          },
        };
      });
      const runDirectory = mkdtempSync(join(tmpdir(), 'tailor-dpo-'));
      const config = dpoConfigSchema.parse({
        maxSteps: 6,
        batchSize: 4,
        microBatchSize: 2,
        learningRate: 0.02,
        warmupSteps: 1,
        beta: 0.5,
        evalEvery: 3,
        checkpointEvery: 3,
        lora: { rank: 4, alpha: 8 },
      });
      const result = await runDpo({
        config,
        runDirectory,
        pairs: pairs.slice(4),
        validation: pairs.slice(0, 4),
        worker,
      });
      expect(result.firstValidationLoss).toBeCloseTo(Math.log(2), 4); // policy == reference at step 0
      expect(result.bestValidationLoss!).toBeLessThan(result.firstValidationLoss! - 0.05);
      expect(existsSync(join(runDirectory, 'references.json'))).toBe(true);
      expect(existsSync(join(result.adapterDirectory, 'adapter.gguf'))).toBe(true);
    });
  });
});
