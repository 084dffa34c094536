import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ChatModel, JsonSchema } from '../core/chat-model.js';
import type { TailorConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { type GraderConfig, type TaskConfig, taskSchema } from '../core/task-config.js';
import { createGrader, type Grader } from './graders/index.js';
import { templateVariables } from './template.js';

export type { GraderConfig, TaskConfig } from '../core/task-config.js';
export { renderTemplate, templateVariables, valueAt } from './template.js';

/** A judge model for an LLM grader: the grader's own `model:` reference, or undefined for the default. */
export type JudgeFor = (reference: string | undefined) => Promise<ChatModel>;

/**
 * A trained judge's scorer by name and version (`tailor align train`; src/align/trained-judges.ts):
 * the probability that the experts would pass an output for an input. A command that grades with
 * trained judges provides it; without it, asking for one is a ConfigError.
 */
export type TrainedJudgeFor = (
  name: string,
  version: number | undefined,
) => Promise<(input: Record<string, unknown>, output: string) => Promise<number>>;

/** A built grader beside the config it came from (name, weight, required). */
export interface TaskGrader {
  config: GraderConfig;
  grader: Grader;
}

/**
 * The task, resolved: tailor.yaml's `task:` section with its JSON schemas read and its paths made
 * absolute, plus the two questions every stage asks of it (where is a split, which graders).
 */
export interface Task extends Omit<TaskConfig, 'input' | 'output' | 'data'> {
  /** Folder of the tailor.yaml, against which relative paths resolve. */
  root: string;
  input: { schema: JsonSchema | undefined };
  output: { format: 'json' | 'text'; schema: JsonSchema | undefined; schemaPath: string | undefined };
  /** Split name → absolute dataset path. */
  data: Record<string, string>;
  /** The template variables the prompt uses. */
  variables: string[];
  /** Absolute path of a split's dataset; a ConfigError naming the splits there are when it is missing. */
  split(name: string): string;
  /**
   * Build the task's graders, in the order tailor.yaml declares them: all of them, or those named in
   * `select` (an unknown name is a ConfigError listing the task's graders). LLM judges get their model
   * from `judgeFor`; without it, asking for a judge is a ConfigError.
   */
  createGraders(options?: {
    select?: readonly string[];
    judgeFor?: JudgeFor;
    trainedJudgeFor?: TrainedJudgeFor;
  }): Promise<TaskGrader[]>;
  /** A grader's config by name, or a ConfigError listing the task's graders. */
  grader(name: string): GraderConfig;
}

/** The workspace's task: its config was validated when the workspace opened. */
export function loadTask(workspace: { config: TailorConfig; paths: { configFile: string } }): Task {
  const { config, paths } = workspace;
  if (config.task === undefined) {
    throw new ConfigError(`${paths.configFile} has no task: section`, {
      hint: 'docs/tutorial.md describes the task: section; every folder under examples/ has one to start from.',
    });
  }
  return resolveTask(config.task, paths.configFile);
}

/**
 * A task from a `task:` section that was not read through the workspace (a test's or a benchmark's own
 * YAML): validated with the same schema tailor.yaml is validated with, then resolved.
 */
export function parseTask(raw: unknown, configFile: string): Task {
  if (raw === undefined) {
    throw new ConfigError(`${configFile} has no task: section`, {
      hint: 'docs/tutorial.md describes the task: section; every folder under examples/ has one to start from.',
    });
  }
  const result = taskSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `task.${issue.path.join('.')}: ${issue.message.replace(/^Invalid input: /, '')}`,
    );
    throw new ConfigError(`Invalid task in ${configFile}:\n  ${problems.join('\n  ')}`);
  }
  return resolveTask(result.data, configFile);
}

function resolveTask(task: TaskConfig, configFile: string): Task {
  const root = dirname(resolve(configFile));
  const schemaPath = task.output.schema ? resolve(root, task.output.schema) : undefined;
  const schema = readSchema('task.output.schema', schemaPath);
  const inputSchema = readSchema(
    'task.input.schema',
    task.input.schema ? resolve(root, task.input.schema) : undefined,
  );
  const data = Object.fromEntries(
    Object.entries(task.data).map(([split, path]) => [split, resolve(root, path)]),
  );
  return withQuestions({
    ...task,
    root,
    input: { schema: inputSchema },
    output: { format: task.output.format, schema, schemaPath },
    data,
    variables: templateVariables(task.prompt),
  });
}

type TaskData = Omit<Task, 'split' | 'grader' | 'createGraders'>;

/**
 * The same task with more (or other) splits, e.g. a curated dataset to train on. The questions are
 * answered from the new split table, so `split()` finds what was added.
 */
export function withSplits(task: Task, splits: Record<string, string>): Task {
  const { split: _split, grader: _grader, createGraders: _createGraders, ...rest } = task;
  return withQuestions({ ...rest, data: { ...task.data, ...splits } });
}

/**
 * The same task answering something else: a judge trained on the task's labelled outputs answers
 * verdicts, so its records are checked against the verdict's schema, not the task's output schema.
 */
export function withOutput(task: Task, output: Task['output']): Task {
  const { split: _split, grader: _grader, createGraders: _createGraders, ...rest } = task;
  return withQuestions({ ...rest, output });
}

function withQuestions(definition: TaskData): Task {
  const { data, graders } = definition;
  const names = () => graders.map((grader) => grader.name).join(', ');
  const task: Task = {
    ...definition,
    split(name) {
      const path = data[name];
      if (!path)
        throw new ConfigError(`task.data has no split "${name}" (has: ${Object.keys(data).join(', ')})`);
      return path;
    },
    grader(name) {
      const found = graders.find((grader) => grader.name === name);
      if (!found) throw new ConfigError(`The task has no grader "${name}" (has: ${names()})`);
      return found;
    },
    async createGraders({ select, judgeFor, trainedJudgeFor } = {}) {
      const unknown = select?.filter((name) => !graders.some((grader) => grader.name === name)) ?? [];
      if (unknown.length > 0)
        throw new ConfigError(`Unknown grader(s) ${unknown.join(', ')}; the task has ${names()}`);
      const chosen = graders.filter((grader) => !select || select.includes(grader.name));
      const noJudge: JudgeFor = () =>
        Promise.reject(new ConfigError('This step runs no LLM judges; leave judge graders out of it.'));
      const noTrainedJudge: TrainedJudgeFor = () =>
        Promise.reject(
          new ConfigError('This step runs no trained judges; leave trained-judge graders out of it.'),
        );
      return Promise.all(
        chosen.map(async (config) => ({
          config,
          grader: await createGrader(config, task, judgeFor ?? noJudge, trainedJudgeFor ?? noTrainedJudge),
        })),
      );
    },
  };
  return task;
}

function readSchema(field: string, path: string | undefined): JsonSchema | undefined {
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JsonSchema;
  } catch (error) {
    throw new ConfigError(`${field}: cannot read ${path}: ${(error as Error).message}`);
  }
}
