import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ChatModel, GenerateOptions } from '../core/chat-model.js';
import { TrainingError } from '../core/errors.js';
import type { GraderConfig } from '../core/task-config.js';
import { type EvalRecord, promptMessages } from '../task/dataset.js';
import { gradeOutput } from '../task/grading.js';
import type { Task, TaskGrader } from '../task/task.js';
import type { TrainingWorker } from './worker-client.js';

/**
 * The weights being trained, served by llama.cpp: what GRPO samples from and what validation by
 * score decodes with. The worker's adapter is exported to a GGUF file the first time it is asked for
 * after the weights changed (`changed()`), and the previous file's model is closed and its weights
 * freed. llama.cpp caches adapters by path for as long as the base model stays loaded, so every
 * export gets a path never used before, also across a resume in the same process.
 */
export interface Policy {
  /** The model for the current weights. */
  model(): Promise<ChatModel>;
  /** The worker's weights have changed: the next `model()` exports them again. */
  changed(): void;
  /** Close the model and remove the exported files. */
  close(): Promise<void>;
}

export function createPolicy(options: {
  worker: TrainingWorker;
  runDirectory: string;
  /** A llama.cpp model serving the base with this LoRA GGUF. */
  open: (adapterFile: string) => ChatModel;
  /** Frees an adapter file's weights once its model is closed (llama.cpp keeps them otherwise). */
  release?: (adapterFile: string) => Promise<void>;
}): Policy {
  const session = randomUUID().slice(0, 8);
  const folder = join(options.runDirectory, 'policy');
  let version = 0;
  let current: { version: number; model: ChatModel; adapterFile: string } | undefined;

  const closeCurrent = async (): Promise<void> => {
    if (!current) return;
    await current.model.close();
    await options.release?.(current.adapterFile);
    rmSync(dirname(current.adapterFile), { recursive: true, force: true });
    current = undefined;
  };

  return {
    async model() {
      if (current?.version === version) return current.model;
      await closeCurrent();
      const dir = join(folder, `${session}-v${version}`);
      await options.worker.save({ dir, formats: ['gguf-lora'], optimizer: false });
      const adapterFile = join(dir, 'adapter.gguf');
      current = { version, model: options.open(adapterFile), adapterFile };
      return current.model;
    },
    changed() {
      version += 1;
    },
    async close() {
      await closeCurrent();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/**
 * The validation score of a model: greedy outputs on the records, each graded with the graders and
 * combined as an eval run combines them, then averaged. It is the number `tailor eval` would report
 * for those records, which is what a checkpoint should be chosen by.
 */
export async function validationScore(options: {
  model: ChatModel;
  task: Task;
  records: EvalRecord[];
  graders: TaskGrader[];
  generation: GenerateOptions;
}): Promise<number> {
  const { model, task, graders, generation } = options;
  const scores = await Promise.all(
    options.records.map(async (record) => {
      const result = await model.generate(promptMessages(task, record), { ...generation, temperature: 0 });
      return (await gradeOutput(graders, record, result.text)).score;
    }),
  );
  return scores.length > 0 ? scores.reduce((sum, score) => sum + score, 0) / scores.length : 0;
}

/** How a task's outputs are decoded in training: its JSON schema as the grammar when it has one. */
export function trainingGeneration(task: Task, maxTokens: number): GenerateOptions {
  return {
    maxTokens,
    cache: false,
    ...(task.output.format === 'json' && task.output.schema ? { jsonSchema: task.output.schema } : {}),
  };
}

/**
 * The graders validation by score uses: those named, or every grader that needs no model call (an
 * LLM judge on every validation output would cost more than the training it steers). A pairwise
 * grader needs a baseline output that validation does not have.
 */
export function validationGraderNames(
  graders: readonly GraderConfig[],
  names: readonly string[] | undefined,
): readonly string[] {
  const chosen =
    names ??
    graders.filter(({ type }) => type !== 'llm-rubric' && type !== 'pairwise').map(({ name }) => name);
  const pairwise = graders.filter(({ name, type }) => chosen.includes(name) && type === 'pairwise');
  if (pairwise.length > 0)
    throw new TrainingError(
      'pairwise-validation',
      `grader(s) ${pairwise.map(({ name }) => name).join(', ')} compare with a baseline and cannot score validation outputs`,
    );
  if (chosen.length === 0)
    throw new TrainingError(
      'no-validation-grader',
      'validation by score needs a grader, and every grader of the task calls a model',
      {
        hint: 'Name the graders to use with --validation-graders, or validate by loss.',
      },
    );
  return chosen;
}
