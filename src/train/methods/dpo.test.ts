import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dpoConfigSchema } from '../../core/train-config.js';
import { tinyExamples, writeTinyHfModel } from '../../test-support/tiny-hf-model.js';
import { TrainingWorker } from '../worker-client.js';
import { dpoLoss, type PreferenceExample, runDpo } from './dpo.js';

describe('DPO', () => {
  it('computes the logistic loss of the reward margin', () => {
    // beta (1 - (-1)) = 0.2 with beta 0.1: log(1 + e^-0.2)
    expect(dpoLoss(1, -1, 0.1)).toBeCloseTo(Math.log1p(Math.exp(-0.2)), 12);
    expect(dpoLoss(0, 0, 0.5)).toBeCloseTo(Math.log(2), 12);
    expect(dpoLoss(-400, 400, 1)).toBeCloseTo(800, 6); // no overflow
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
