import { describe, expect, it } from 'vitest';
import { dpoConfigSchema, grpoConfigSchema, sftConfigSchema } from './train-config.js';

// A run's config is compared as JSON when it resumes, and recorded in lineages: every method keeps
// its defaults and its key order. These are the parsed defaults as they were before the shared
// option blocks were extracted, except SFT's three changes of 2026-12-02: its epochs are chosen for
// the data size when none are given (so the key is absent), its rate is 5e-4 (the measured recipe),
// and `selectBy` comes last. DPO keeps every default it had.
describe('training method configs', () => {
  it('keep every default and the key order', () => {
    expect(JSON.stringify(sftConfigSchema.parse({}))).toBe(
      '{"lora":{"rank":16,"alpha":32,"dropout":0},"batchSize":8,"microBatchSize":4,"learningRate":0.0005,"schedule":"cosine","warmupSteps":5,"weightDecay":0,"gradClip":1,"maxLength":1024,"activationCheckpointing":false,"seed":0,"evalEvery":20,"validationExamples":32,"earlyStoppingPatience":0,"checkpointEvery":20,"keepCheckpoints":2,"selectBy":"loss"}',
    );
    expect(JSON.stringify(dpoConfigSchema.parse({}))).toBe(
      '{"lora":{"rank":16,"alpha":32,"dropout":0},"epochs":1,"batchSize":8,"microBatchSize":4,"learningRate":0.00005,"schedule":"cosine","warmupSteps":5,"weightDecay":0,"gradClip":1,"maxLength":1024,"activationCheckpointing":false,"seed":0,"evalEvery":20,"validationExamples":32,"earlyStoppingPatience":0,"checkpointEvery":20,"keepCheckpoints":2,"beta":0.1}',
    );
    expect(JSON.stringify(grpoConfigSchema.parse({}))).toBe(
      '{"lora":{"rank":16,"alpha":32,"dropout":0},"steps":30,"promptsPerStep":4,"groupSize":4,"maxTokens":256,"temperature":1,"topK":0,"loss":"ppo","clip":0.2,"updatesPerBatch":1,"microBatchSize":8,"learningRate":0.00002,"schedule":"constant","warmupSteps":0,"weightDecay":0,"gradClip":1,"klBeta":0,"lengthPenalty":0,"monitorWindow":3,"activationCheckpointing":false,"seed":0,"evalEvery":10,"validationExamples":16,"earlyStoppingPatience":0,"checkpointEvery":10,"keepCheckpoints":2}',
    );
  });

  it('describe every option, for the CLI help', () => {
    for (const schema of [sftConfigSchema, dpoConfigSchema, grpoConfigSchema]) {
      const shapes = [schema.shape, schema.shape.lora.unwrap().shape];
      for (const shape of shapes) {
        for (const [key, option] of Object.entries(shape)) {
          if (key === 'lora') continue;
          expect(option.description, key).toMatch(/^\S[^\n]*[^.]$/);
        }
      }
    }
  });
});
