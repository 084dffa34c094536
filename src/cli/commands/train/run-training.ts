import type { Command } from 'commander';
import { createTrainedJudges } from '../../../align/trained-judges.js';
import type { ChatModel } from '../../../core/chat-model.js';
import type { TailorConfig } from '../../../core/config.js';
import { ConfigError } from '../../../core/errors.js';
import { taskWithTrainingData } from '../../../data/dataset-version.js';
import { modelPool } from '../../../models/create-model.js';
import { loadTask, type Task, type TrainedJudgeFor } from '../../../task/task.js';
import { writeLossPlot } from '../../../train/loss-plot.js';
import type { MethodStepEvent } from '../../../train/method.js';
import { type MethodName, type MethodRequest, trainingMethods } from '../../../train/methods/index.js';
import { type TrainSpecialistResult, trainSpecialist } from '../../../train/specialist.js';
import { commandContext } from '../../context.js';
import { positiveInteger } from '../../flags.js';
import { printJson } from '../../output.js';
import { ProgressBar } from '../../progress.js';
import { addConfigFlags, configFlags, configFromFlags } from './config-flags.js';

/**
 * What `tailor train sft|dpo|grpo` share: the flags every method takes, the config from flags over
 * tailor.yaml, the progress display, and the summary after training. Each method's file adds its own
 * flags and says how its request is built.
 */

/** The flags every training command takes, beside its config flags. */
export interface CommonFlags {
  name?: string;
  base?: string;
  from?: string;
  limit?: string;
  threads?: string;
  data?: string;
  resume?: boolean;
  [flag: string]: unknown;
}

/** A method's config type, by its name. */
type ConfigOf<Name extends MethodName> = Extract<MethodRequest, { kind: Name }>['config'];

export interface MethodCommand<Name extends MethodName, Flags extends CommonFlags> {
  method: Name;
  /** The method's request, from its parsed config and its own flags. */
  request(
    config: ConfigOf<Name>,
    flags: Flags,
    context: {
      task: Task;
      /** tailor.yaml, parsed. */
      settings: TailorConfig;
      judgeFor: (reference: string | undefined) => Promise<ChatModel>;
      /** Trained judges (`tailor align train`) as graders: a GRPO reward, SFT's validation score. */
      trainedJudgeFor: TrainedJudgeFor;
    },
  ): Promise<MethodRequest> | MethodRequest;
  /**
   * Whether the method trains on the task's train split, so `--data` can put a dataset in its place
   * (default true). DPO reads its own `--pairs` file and leaves it out rather than ignore it.
   */
  takesData?: boolean;
  /** The line shown for the method's own per-step event. */
  describeStep?(event: MethodStepEvent): string;
  /** Anything the method writes after training (GRPO: its report), for the summary and the JSON. */
  afterTraining?(result: TrainSpecialistResult): { json: Record<string, unknown>; text: string };
}

/**
 * A `tailor train <method>` command: its own flags (added by the caller before this), `--name` and
 * `--base`, `--data`, the method's config flags, then `--limit`, `--threads` and `--resume`.
 */
export function addTrainingCommand<Name extends MethodName, Flags extends CommonFlags>(
  program: Command,
  command: Command,
  spec: MethodCommand<Name, Flags>,
): void {
  const { configSchema } = trainingMethods[spec.method];
  const flags = configFlags(configSchema);
  command
    .option('--name <name>', 'specialist name (default: <task>-<method>)')
    .option('--base <reference>', 'base model (default: defaultModel)');
  if (spec.takesData !== false)
    command.option(
      '--data <dataset>',
      "train on this dataset instead of the task's train split: a version (id or name), a split or a file",
    );
  addConfigFlags(command, flags)
    .option('--limit <n>', 'only the first n training examples')
    .option('--threads <n>', 'CPU threads (default: all cores)')
    .option('--resume', 'continue the run of this name from its last checkpoint')
    .action(async (given: Flags) => {
      const context = commandContext(program.opts());
      const workspace = context.workspace;
      if (!workspace) {
        throw new ConfigError('tailor train needs a workspace with a task', {
          hint: 'Run it in a folder with tailor.yaml, or pass --workspace.',
        });
      }
      const taskOfWorkspace = loadTask(workspace);
      const { task, trainSplit, dataset } = given.data
        ? taskWithTrainingData(workspace, taskOfWorkspace, given.data)
        : { task: taskOfWorkspace, trainSplit: undefined, dataset: undefined };
      // The method's own schema parsed it: it is the method's config type.
      const config = configFromFlags(
        spec.method,
        configSchema,
        flags,
        given,
        context.config.train[spec.method],
      ) as ConfigOf<Name>;
      // LLM-judge graders used as GRPO rewards need their models; they are closed when training ends.
      const judges = modelPool({ config: context.config, store: workspace.store });
      // Trained judges start their reader only when a grader first scores with one.
      const trained = createTrainedJudges({
        store: workspace.store,
        task,
        ...(given.threads ? { threads: positiveInteger(given.threads, '--threads') } : {}),
      });
      const request = await spec.request(config, given, {
        task,
        settings: context.config,
        judgeFor: (reference) => judges.get(reference ?? context.config.defaultModel),
        trainedJudgeFor: (name, version) => trained.scorerFor(name, version),
      });
      // Continuing a specialist: its base is the default unless --base says otherwise.
      const parent = given.from ? workspace.store.training.specialist(given.from) : undefined;
      const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
      if (dataset) bar.note(`training data: ${dataset.description} (${dataset.path})`);
      try {
        const result = await trainSpecialist({
          workspace,
          task,
          name: given.name ?? `${task.name}-${spec.method}`,
          base: given.base ?? parent?.basePath ?? context.config.defaultModel,
          method: request,
          ...(trainSplit ? { trainSplit } : {}),
          ...(given.limit ? { limit: positiveInteger(given.limit, '--limit') } : {}),
          ...(given.threads ? { threads: positiveInteger(given.threads, '--threads') } : {}),
          resume: given.resume === true,
          onTransfer: bar.onTransfer,
          onEvent: (event) => {
            if (event.type === 'step-end') {
              bar.update(
                'train',
                event.step,
                event.totalSteps,
                'items',
                ` · loss ${event.loss.toFixed(3)} · ${Math.round(event.tokensPerSecond)} tok/s`,
              );
            } else if (event.type === 'validation-end') {
              bar.note(
                `validation ${event.metric} ${event.loss.toFixed(4)} at step ${event.step}${event.best ? ' (best)' : ''}`,
              );
            } else if (event.type === 'resumed') {
              bar.note(`resumed from step ${event.step}`);
            } else if (event.type === 'stage') {
              bar.note(`${event.stage}${event.detail ? `: ${event.detail}` : ''}`);
            } else if (event.type !== 'checkpoint-saved' && spec.describeStep) {
              bar.note(spec.describeStep(event));
            }
          },
        });
        bar.done();
        writeLossPlot(result.runDirectory);
        const after = spec.afterTraining?.(result);
        if (context.json) printJson({ ...result, ...after?.json });
        else printSummary(result, after?.text ?? '');
      } finally {
        await judges.closeAll();
        await trained.close();
        context.close();
      }
    });
}

function printSummary(result: TrainSpecialistResult, extra: string): void {
  const { training, consistency, specialist } = result;
  process.stdout.write(
    `\nTrained ${specialist.name} v${specialist.version} in ${training.steps} steps${training.stoppedEarly ? ' (stopped early)' : ''}.\n`,
  );
  if (training.firstValidationLoss !== undefined) {
    process.stdout.write(
      `Validation ${training.validationMetric} ${training.firstValidationLoss.toFixed(4)} → ${training.bestValidationLoss?.toFixed(4)} (best).\n`,
    );
  }
  process.stdout.write(extra);
  process.stdout.write(
    `Consistency check passed: llama.cpp vs worker mean |Δ log p| ${consistency.adapted.meanDifference.toFixed(4)} nat (max ${consistency.adapted.maxDifference.toFixed(3)}) over ${consistency.positions} tokens; base alone ${consistency.base.meanDifference.toFixed(4)}; the adapter's effect ${consistency.effect.meanSize.toFixed(3)} nat/token, matched within ${consistency.effect.meanError.toFixed(3)}.\n`,
  );
  process.stdout.write(
    `Adapter: ${specialist.adapterPath}\nUse it as llama:${specialist.name}, e.g. tailor eval -m llama:${specialist.name} --split validation\n`,
  );
}
