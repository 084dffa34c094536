import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { readJsonl, toJsonl } from '../common/jsonl.js';
import { TrainingError } from '../core/errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { TokenizedExample } from './chat-tokens.js';
import type { TrainingWorker } from './worker-client.js';

/**
 * What every training method (SFT, DPO, GRPO) shares around its step: the run folder, resume,
 * metrics, validation cadence with the best adapter kept, early stopping, checkpoints and the final
 * export. A method supplies its batches (planned by schedule.ts), what one optimiser step does, and a
 * validation value.
 *
 * Run folder: `config.json` (config + data fingerprint), `metrics.jsonl` (a line per step and per
 * validation), `state.json` (the last checkpoint), `checkpoints/step-N/`, `best/` (lowest validation
 * loss, with the llama.cpp adapter) and `final/`.
 */
export interface LoopSettings {
  evalEvery: number;
  checkpointEvery: number;
  keepCheckpoints: number;
  earlyStoppingPatience: number;
}

export type LoopEvent =
  | {
      type: 'step-end';
      step: number;
      totalSteps: number;
      loss: number;
      learningRate: number;
      tokensPerSecond: number;
      elapsedSeconds: number;
    }
  /** `loss` holds the validation value: a loss, or a score when the method validates by score. */
  | { type: 'validation-end'; step: number; loss: number; best: boolean; metric: 'loss' | 'score' }
  | { type: 'checkpoint-saved'; step: number; dir: string }
  | { type: 'resumed'; step: number };

export interface StepOutcome {
  loss: number;
  learningRate: number;
  tokens: number;
  /** Anything else worth a column in metrics.jsonl (grad norm, reward accuracy, ...). */
  metrics?: Record<string, number>;
}

export interface LoopOptions<Batch> {
  runDirectory: string;
  /** Written to config.json; a resumed run must present the same config and fingerprint. */
  config: unknown;
  fingerprint: string;
  settings: LoopSettings;
  batches: Batch[];
  worker: TrainingWorker;
  step: (batch: Batch, index: number) => Promise<StepOutcome>;
  /** Validation loss of the current weights; undefined when there is no validation data. */
  validate?: () => Promise<number>;
  /** What `validate` returns: a loss (lower is better, the default) or a score (higher is better: GRPO). */
  validationMetric?: 'loss' | 'score';
  resume?: boolean;
  onEvent?: (event: LoopEvent) => void;
}

export interface LoopResult {
  steps: number;
  /** Checkpoint folder holding the adapter to serve (`adapter.gguf`): best on validation, else final. */
  adapterDirectory: string;
  /** Best and first validation values: losses, or scores when `validationMetric` is 'score'. */
  bestValidationLoss: number | undefined;
  firstValidationLoss: number | undefined;
  /** What the validation values are. */
  validationMetric: 'loss' | 'score';
  stoppedEarly: boolean;
}

interface RunState {
  step: number;
  checkpoint: string;
  bestValidationLoss: number | null;
  firstValidationLoss: number | null;
  validationsWithoutImprovement: number;
  elapsedSeconds: number;
}

export async function runTrainingLoop<Batch>(options: LoopOptions<Batch>): Promise<LoopResult> {
  const { runDirectory, settings, worker, batches } = options;
  const emit = options.onEvent ?? (() => {});
  mkdirSync(join(runDirectory, 'checkpoints'), { recursive: true });
  const configFile = join(runDirectory, 'config.json');
  const metricsFile = join(runDirectory, 'metrics.jsonl');
  const stateFile = join(runDirectory, 'state.json');
  let state: RunState = {
    step: 0,
    checkpoint: '',
    bestValidationLoss: null,
    firstValidationLoss: null,
    validationsWithoutImprovement: 0,
    elapsedSeconds: 0,
  };

  // ---- a fresh run writes its config; a resumed one must match it and reloads its checkpoint ----
  if (options.resume && existsSync(stateFile)) {
    const saved = JSON.parse(readFileSync(configFile, 'utf8')) as { config: unknown; fingerprint: string };
    if (
      JSON.stringify(saved.config) !== JSON.stringify(options.config) ||
      saved.fingerprint !== options.fingerprint
    ) {
      throw new TrainingError(
        'resume-mismatch',
        `cannot resume ${runDirectory}: its config or data differ from this run's`,
        {
          hint: 'Resume with the same flags and data, or start a new run.',
        },
      );
    }
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as RunState;
    await worker.load(state.checkpoint);
    truncateMetrics(metricsFile, state.step);
    emit({ type: 'resumed', step: state.step });
  } else {
    if (existsSync(stateFile)) {
      throw new TrainingError('run-exists', `${runDirectory} already holds a run`, {
        hint: 'Pass --resume to continue it, or choose another run name.',
      });
    }
    writeFileAtomic(
      configFile,
      `${JSON.stringify({ config: options.config, fingerprint: options.fingerprint }, null, 2)}\n`,
    );
    writeFileSync(metricsFile, '');
  }

  const validate = async (step: number): Promise<void> => {
    if (!options.validate) return;
    const loss = await options.validate();
    state.firstValidationLoss ??= loss;
    const metric = options.validationMetric ?? 'loss';
    const best =
      state.bestValidationLoss === null ||
      // A score tie goes to the newer weights: scores are coarse, and a tie is no evidence against them.
      (metric === 'score' ? loss >= state.bestValidationLoss : loss < state.bestValidationLoss);
    appendFileSync(
      metricsFile,
      `${JSON.stringify({ type: 'validation', step, ...(metric === 'score' ? { score: loss } : { loss }) })}\n`,
    );
    if (best) {
      state.bestValidationLoss = loss;
      state.validationsWithoutImprovement = 0;
      await worker.save({
        dir: join(runDirectory, 'best'),
        formats: ['peft', 'gguf-lora'],
        optimizer: false,
        meta: { step, validationLoss: loss },
      });
    } else {
      state.validationsWithoutImprovement += 1;
    }
    emit({ type: 'validation-end', step, loss, best, metric });
  };

  const totalSteps = batches.length;
  const started = performance.now() / 1000 - state.elapsedSeconds;
  let stoppedEarly = false;
  if (state.step === 0) await validate(0);
  for (let index = state.step; index < totalSteps; index += 1) {
    const stepStarted = performance.now();
    const outcome = await options.step(batches[index]!, index);
    const seconds = (performance.now() - stepStarted) / 1000;
    const elapsedSeconds = performance.now() / 1000 - started;
    const step = index + 1;
    const tokensPerSecond = outcome.tokens / seconds;
    const line = {
      type: 'train',
      step,
      loss: outcome.loss,
      learningRate: outcome.learningRate,
      ...outcome.metrics,
    };
    appendFileSync(
      metricsFile,
      `${JSON.stringify({ ...line, tokens: outcome.tokens, tokensPerSecond, elapsedSeconds })}\n`,
    );
    emit({
      type: 'step-end',
      step,
      totalSteps,
      loss: outcome.loss,
      learningRate: outcome.learningRate,
      tokensPerSecond,
      elapsedSeconds,
    });

    const last = step === totalSteps;
    if (step % settings.evalEvery === 0 || last) {
      await validate(step);
      const patience = settings.earlyStoppingPatience;
      stoppedEarly = !last && patience > 0 && state.validationsWithoutImprovement >= patience;
    }
    if (step % settings.checkpointEvery === 0 || last || stoppedEarly) {
      const dir = join(runDirectory, 'checkpoints', `step-${step}`);
      await worker.save({ dir, formats: ['peft'], meta: { step } });
      state = { ...state, step, checkpoint: dir, elapsedSeconds };
      writeFileAtomic(stateFile, `${JSON.stringify(state, null, 2)}\n`);
      pruneCheckpoints(runDirectory, settings);
      emit({ type: 'checkpoint-saved', step, dir });
    }
    if (stoppedEarly) break;
  }

  const finalDirectory = join(runDirectory, 'final');
  await worker.save({
    dir: finalDirectory,
    formats: ['peft', 'gguf-lora'],
    optimizer: false,
    meta: { step: state.step },
  });
  const bestDirectory = join(runDirectory, 'best');
  return {
    steps: state.step,
    adapterDirectory: existsSync(join(bestDirectory, 'adapter.gguf')) ? bestDirectory : finalDirectory,
    bestValidationLoss: state.bestValidationLoss ?? undefined,
    firstValidationLoss: state.firstValidationLoss ?? undefined,
    validationMetric: options.validationMetric ?? 'loss',
    stoppedEarly,
  };
}

/**
 * What a resumed run must present again: the ids and tokens of its examples, in order. Methods that
 * train on pairs pass both sides of each pair as examples.
 */
export function dataFingerprint(train: TokenizedExample[], validation: TokenizedExample[]): string {
  const hash = createHash('sha256');
  for (const example of [...train, ...validation]) hash.update(`${example.id}:${example.tokens.join(',')}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Drop metrics past the checkpoint a resumed run restarts from, so the curve has no duplicates. */
function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readJsonl<{ step: number }>(file).filter((row) => row.step <= step);
  writeFileAtomic(file, toJsonl(kept));
}

/** Keep the newest `keepCheckpoints` checkpoint folders (the resume point is always the newest). */
function pruneCheckpoints(runDirectory: string, settings: LoopSettings): void {
  const folder = join(runDirectory, 'checkpoints');
  const steps = readdirSync(folder)
    .map((name) => /^step-(\d+)$/.exec(name)?.[1])
    .filter((step): step is string => step !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
  for (const step of steps.slice(settings.keepCheckpoints)) {
    rmSync(join(folder, `step-${step}`), { recursive: true, force: true });
  }
}
