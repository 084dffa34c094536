import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toJsonl } from '../common/jsonl.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { claimRun } from '../train/run-owner.js';
import type { TrainingRunResult } from '../train/run-result.js';

/**
 * Training runs as the trainer leaves them, without training: the store's record (started, and
 * finished with a result in run-result.ts's shape, registering a specialist) and the run folder's
 * metrics.jsonl in the loop's format (src/train/training-loop.ts: a `validation` line at step 0 and
 * every `evalEvery` steps, a `train` line per step with the method's own columns). For the web app's
 * tests.
 */
export interface FakeRunOptions {
  id: string;
  method: 'sft' | 'dpo' | 'grpo';
  /** The folder the run folder goes in. */
  root: string;
  steps: number;
  evalEvery?: number;
  /** Leave the run running (its owner is this process), with metrics up to `steps`. */
  running?: boolean;
}

export function writeFakeTrainingRun(store: WorkspaceStore, options: FakeRunOptions): string {
  const { id, method, steps } = options;
  const evalEvery = options.evalEvery ?? 5;
  const runDirectory = join(options.root, 'runs', id);
  mkdirSync(runDirectory, { recursive: true });
  const grpo = method === 'grpo';
  const config = {
    learningRate: grpo ? 5e-6 : 2e-4,
    schedule: 'cosine',
    warmupSteps: 2,
    lora: { rank: 16, alpha: 32, dropout: 0 },
    seed: 0,
    evalEvery,
    ...(grpo ? { groupSize: 4, rewards: { schema: 1, fields: 2 }, monitor: 'medications' } : { epochs: 2 }),
  };
  store.training.startRun({ id, method, base: 'smollm2-135m-instruct', runDirectory, config });
  if (options.running) claimRun({ id, runDirectory });

  const validationValue = (step: number) =>
    grpo ? 0.4 + 0.3 * (step / steps) : 2.2 - 0.9 * Math.sqrt(step / steps);
  const validation = (step: number) => ({
    type: 'validation',
    step,
    ...(grpo ? { score: validationValue(step) } : { loss: validationValue(step) }),
  });
  const lines: unknown[] = [validation(0)];
  for (let step = 1; step <= steps; step++) {
    const t = step / steps;
    const wobble = 0.08 * Math.sin(step * 1.7);
    const reward = 0.35 + 0.4 * t + wobble / 2;
    lines.push({
      type: 'train',
      step,
      loss: grpo ? 0.02 * Math.cos(step) : 2.4 - 1.1 * Math.sqrt(t) + wobble,
      learningRate: config.learningRate * (step <= 2 ? step / 2 : 1 - 0.9 * t),
      gradNorm: 1.2 - 0.5 * t,
      ...(grpo
        ? {
            rewardMean: reward,
            rewardMax: Math.min(1, reward + 0.2),
            kl: 0.01 * step,
            sampleSeconds: 3,
            scoreSeconds: 0.2,
            learnSeconds: 1.1,
            'reward.schema.mean': Math.min(1, 0.6 + 0.4 * t),
            'reward.schema.max': 1,
            'reward.fields.mean': 0.2 + 0.5 * t + wobble,
            'reward.fields.max': 0.9,
            // The held-out monitor rises, then falls while the reward keeps rising: flagged at the end.
            monitorMean: t < 0.7 ? 0.3 + 0.4 * t : 0.58 - 0.6 * (t - 0.7),
            hackingFlag: t >= 0.85 ? 1 : 0,
          }
        : {}),
      tokens: 512,
      tokensPerSecond: 900 + 10 * step,
      elapsedSeconds: 4.5 * step,
    });
    // A finished run validates at its last step too; a running one has not reached its last.
    if (step % evalEvery === 0 || (step === steps && !options.running)) lines.push(validation(step));
  }
  writeFileAtomic(join(runDirectory, 'metrics.jsonl'), toJsonl(lines));
  if (options.running) return runDirectory;

  const specialist = store.training.registerSpecialist(
    {
      name: id,
      base: 'smollm2-135m-instruct',
      basePath: join(options.root, 'base.gguf'),
      adapterPath: '',
      trainingRun: id,
      lineage: { method },
    },
    (version) => join(runDirectory, `best-v${version}`, 'adapter.gguf'),
  );
  const values = lines
    .filter((line) => (line as { type: string }).type === 'validation')
    .map((line) => validationValue((line as { step: number }).step));
  const result: TrainingRunResult = {
    training: {
      steps,
      adapterDirectory: join(runDirectory, 'best'),
      bestValidationLoss: grpo ? Math.max(...values) : Math.min(...values),
      firstValidationLoss: values[0]!,
      validationMetric: grpo ? 'score' : 'loss',
      stoppedEarly: false,
    },
    consistency: {
      positions: 480,
      base: { maxDifference: 0.41, meanDifference: 0.061 },
      adapted: { maxDifference: 0.38, meanDifference: 0.043 },
      effect: { meanSize: 0.52, meanError: 0.031 },
      tolerance: 0.081,
      passed: true,
    },
    specialist: `${specialist.name} v${specialist.version}`,
  };
  store.training.finishRun(id, 'finished', result);
  return runDirectory;
}
