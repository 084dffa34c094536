import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ChatModel } from '../../core/chat-model.js';
import { ConfigError, TailorError } from '../../core/errors.js';
import { createModel, modelPool } from '../../models/create-model.js';
import { disposeLlamaRuntime } from '../../models/llama-cpp.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { loadDataset, promptMessages, taskChecks } from '../../task/dataset.js';
import { loadTask } from '../../task/task.js';
import { type DpoConfig, dpoConfigSchema, pairsFromGradedSamples } from '../../train/dpo.js';
import { type GrpoConfig, grpoConfigSchema } from '../../train/grpo.js';
import { writeGrpoReport } from '../../train/grpo-report.js';
import { type LossPoint, renderLossCurve } from '../../train/loss-plot.js';
import { type SftConfig, sftConfigSchema } from '../../train/sft.js';
import { guardTestSplit, type TrainingMethod, trainSpecialist } from '../../train/specialist.js';
import { commandContext } from '../context.js';
import { printJson, printTable } from '../output.js';
import { ProgressBar } from '../progress.js';

interface PairsFlags {
  out: string;
  model?: string;
  split: string;
  samples: string;
  temperature: string;
  graders?: string;
  minMargin: string;
  limit?: string;
}

interface SftFlags {
  name?: string;
  base?: string;
  steps?: string;
  epochs?: string;
  batchSize?: string;
  microBatchSize?: string;
  lr?: string;
  rank?: string;
  alpha?: string;
  maxLength?: string;
  activationCheckpointing?: boolean;
  evalEvery?: string;
  validationExamples?: string;
  checkpointEvery?: string;
  patience?: string;
  seed?: string;
  limit?: string;
  threads?: string;
  resume?: boolean;
  pairs?: string;
  from?: string;
  beta?: string;
  // GRPO
  promptsPerStep?: string;
  groupSize?: string;
  maxTokens?: string;
  temperature?: string;
  loss?: string;
  klBeta?: string;
  lengthPenalty?: string;
  rewards?: string;
  monitor?: string;
  judge?: string;
}

async function runTraining(program: Command, kind: 'sft' | 'dpo' | 'grpo', flags: SftFlags): Promise<void> {
  const context = commandContext(program.opts());
  const workspace = context.workspace;
  if (!workspace) {
    throw new ConfigError('tailor train needs a workspace with a task', {
      hint: 'Run it in a folder with tailor.yaml, or pass --workspace.',
    });
  }
  const task = loadTask(workspace);
  const fromFile = (context.config.train as Record<string, unknown> | undefined)?.[kind];
  const config = trainingConfig(kind, fromFile, flags);
  // LLM-judge graders used as GRPO rewards need their models; they are closed when training ends.
  const judges = modelPool({ config: context.config, store: workspace.store });
  const initFrom = flags.from ? { initFrom: flags.from } : {};
  const method: TrainingMethod =
    kind === 'sft'
      ? { kind, config: config as SftConfig }
      : kind === 'dpo'
        ? { kind, config: config as DpoConfig, pairsFile: resolve(flags.pairs!), ...initFrom }
        : {
            kind,
            config: config as GrpoConfig,
            graders: await task.createGraders({
              judgeFor: (reference) => judges.get(reference ?? flags.judge ?? context.config.defaultModel),
            }),
            contextSize: context.config.llama.contextSize,
            ...initFrom,
          };
  // GRPO usually continues an SFT specialist: its base is the default unless --base says otherwise.
  const parent = flags.from ? workspace.store.specialist(flags.from) : undefined;
  const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
  try {
    const result = await trainSpecialist({
      workspace,
      task,
      name: flags.name ?? `${task.name}-${kind}`,
      base: flags.base ?? parent?.basePath ?? context.config.defaultModel,
      method,
      ...(flags.limit ? { limit: positive(flags.limit, '--limit') } : {}),
      ...(flags.threads ? { threads: positive(flags.threads, '--threads') } : {}),
      resume: flags.resume === true,
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
        } else if (event.type === 'grpo-step') {
          const { metrics } = event;
          bar.note(
            `step ${event.step}: reward ${metrics.rewardMean!.toFixed(3)} (max ${metrics.rewardMax!.toFixed(2)}) · groups with signal ${(100 * metrics.groupsWithSignal!).toFixed(0)}%${metrics.monitorMean !== undefined ? ` · monitor ${metrics.monitorMean.toFixed(3)}${metrics.hackingFlag ? ' · REWARD HACKING SUSPECTED' : ''}` : ''} · sample ${metrics.sampleSeconds!.toFixed(0)}s / score ${metrics.scoreSeconds!.toFixed(0)}s / learn ${metrics.learnSeconds!.toFixed(0)}s`,
          );
        } else if (event.type === 'resumed') {
          bar.note(`resumed from step ${event.step}`);
        } else if (event.type === 'stage') {
          bar.note(`${event.stage}${event.detail ? `: ${event.detail}` : ''}`);
        }
      },
    });
    bar.done();
    writeLossPlot(result.runDirectory);
    const report =
      kind === 'grpo' ? writeGrpoReport(result.runDirectory, `${result.specialist.name} · GRPO`) : undefined;
    if (context.json) {
      printJson({ ...result, ...(report ? { report } : {}) });
      return;
    }
    const { training, consistency, specialist } = result;
    process.stdout.write(
      `\nTrained ${specialist.name} v${specialist.version} in ${training.steps} steps${training.stoppedEarly ? ' (stopped early)' : ''}.\n`,
    );
    if (training.firstValidationLoss !== undefined) {
      process.stdout.write(
        `Validation ${kind === 'grpo' ? 'score' : 'loss'} ${training.firstValidationLoss.toFixed(4)} → ${training.bestValidationLoss?.toFixed(4)} (best).\n`,
      );
    }
    if (report) {
      const flagged = (training as { flaggedSteps?: number[] }).flaggedSteps ?? [];
      process.stdout.write(
        `${flagged.length > 0 ? `Reward hacking suspected at step(s) ${flagged.join(', ')}: the reward rose while the monitor fell.\n` : ''}Report: ${report}\n`,
      );
    }
    process.stdout.write(
      `Consistency check passed: llama.cpp vs worker mean |Δ log p| ${consistency.adapted.meanDifference.toFixed(4)} nat (max ${consistency.adapted.maxDifference.toFixed(3)}) over ${consistency.positions} tokens; base alone ${consistency.base.meanDifference.toFixed(4)}.\n`,
    );
    process.stdout.write(
      `Adapter: ${specialist.adapterPath}\nUse it as llama:${specialist.name}, e.g. tailor eval -m llama:${specialist.name} --split validation\n`,
    );
  } finally {
    await judges.closeAll();
    await disposeLlamaRuntime();
    context.close();
  }
}

export function registerTrain(program: Command): void {
  const train = program
    .command('train')
    .description('train specialists (LoRA on a local GGUF base) and inspect runs');

  const withTrainingFlags = (command: Command) =>
    command
      .option('--name <name>', 'specialist name (default: <task>-<method>)')
      .option('--base <reference>', 'base model (default: defaultModel)')
      .option('--steps <n>', 'optimiser steps (default: one epoch)')
      .option('--epochs <n>', 'passes over the training data')
      .option('--batch-size <n>', 'examples per optimiser step')
      .option('--micro-batch-size <n>', 'examples per forward/backward (gradients accumulate)')
      .option('--lr <rate>', 'peak learning rate')
      .option('--rank <n>', 'LoRA rank')
      .option('--alpha <n>', 'LoRA alpha')
      .option('--max-length <n>', 'longest example in tokens (longer ones are skipped)')
      .option(
        '--activation-checkpointing',
        'recompute activations in the backward pass (less memory, slower)',
      )
      .option('--eval-every <n>', 'validation loss every n steps')
      .option('--validation-examples <n>', 'validation examples scored each time')
      .option('--checkpoint-every <n>', 'checkpoint every n steps')
      .option('--patience <n>', 'early stopping after n validations without improvement (0 = off)')
      .option('--seed <n>', 'seed for data order and adapter initialisation')
      .option('--limit <n>', 'only the first n training examples')
      .option('--threads <n>', 'CPU threads (default: all cores)')
      .option('--resume', 'continue the run of this name from its last checkpoint');

  withTrainingFlags(
    train
      .command('sft')
      .description("supervised fine-tuning on the task's train split; registers the result as llama:<name>"),
  ).action((flags: SftFlags) => runTraining(program, 'sft', flags));

  withTrainingFlags(
    train
      .command('dpo')
      .description('preference training (DPO) on {input, chosen, rejected} pairs; registers llama:<name>')
      .requiredOption('--pairs <file>', 'JSONL of {id, input | messages, chosen, rejected}')
      .option('--from <specialist>', 'start from this specialist (its adapter is also the DPO reference)')
      .option('--beta <n>', 'DPO beta (0.1)'),
  ).action((flags: SftFlags) => runTraining(program, 'dpo', flags));

  withTrainingFlags(
    train
      .command('grpo')
      .description(
        "reinforcement learning (GRPO) with the task's graders as the reward; usually after SFT (--from)",
      )
      .option('--from <specialist>', 'start from this specialist (the usual path: SFT, then GRPO)')
      .option('--prompts-per-step <n>', 'prompts sampled per step (4)')
      .option('--group-size <n>', 'completions sampled per prompt (4)')
      .option('--max-tokens <n>', 'longest sampled completion (256)')
      .option('--temperature <t>', 'sampling temperature (1)')
      .option('--loss <name>', 'ppo (clipped, default) or importance_sampling')
      .option('--kl-beta <x>', 'KL penalty to the base model (0)')
      .option('--length-penalty <x>', 'reward minus x × tokens / max tokens (0)')
      .option(
        '--rewards <list>',
        'reward graders and weights, e.g. schema=1,fields=2 (default: all but the monitor)',
      )
      .option('--monitor <grader>', 'a grader kept out of the reward and watched for reward hacking')
      .option('--judge <reference>', 'model for LLM-judge graders that name none (default: defaultModel)'),
  ).action((flags: SftFlags) => runTraining(program, 'grpo', flags));

  train
    .command('pairs')
    .description(
      'build DPO pairs from graded samples: best vs worst of k samples per prompt, by the task graders',
    )
    .requiredOption('--out <file>', 'where to write the {id, input, chosen, rejected, margin} JSONL')
    .option('-m, --model <reference>', 'model that samples (default: defaultModel)')
    .option('--split <name>', 'prompts from this split', 'train')
    .option('--samples <n>', 'samples per prompt', '4')
    .option('--temperature <t>', 'sampling temperature', '0.8')
    .option('--graders <names>', 'comma-separated subset of the task graders (default: all)')
    .option('--min-margin <x>', 'keep a pair only when best and worst scores differ by this much', '0.1')
    .option('--limit <n>', 'only the first n prompts')
    .action(async (flags: PairsFlags) => {
      const context = commandContext(program.opts());
      const workspace = context.workspace;
      if (!workspace) throw new ConfigError('tailor train pairs needs a workspace with a task');
      const task = loadTask(workspace);
      guardTestSplit(task, [flags.split], []);
      const path = task.split(flags.split);
      const records = loadDataset(path, taskChecks(task)).slice(
        0,
        flags.limit ? positive(flags.limit, '--limit') : undefined,
      );
      const wanted = flags.graders?.split(',').map((name) => name.trim());
      const models = modelPool({ config: context.config, store: workspace.store });
      const modelFor = (reference: string) => models.get(reference);
      const graders = await task.createGraders({
        ...(wanted ? { select: wanted } : {}),
        judgeFor: (reference) => modelFor(reference ?? context.config.defaultModel),
      });
      const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
      try {
        const pairs = [];
        for (const [index, record] of records.entries()) {
          pairs.push(
            ...(await pairsFromGradedSamples({
              records: [record],
              messagesFor: (item) => promptMessages(task, item),
              model: await modelFor(flags.model ?? context.config.defaultModel),
              graders,
              samples: positive(flags.samples, '--samples'),
              temperature: Number(flags.temperature),
              minMargin: Number(flags.minMargin),
            })),
          );
          bar.update('pairs', index + 1, records.length, 'items', ` · ${pairs.length} kept`);
        }
        bar.done();
        const byId = new Map(records.map((record) => [record.id, record]));
        writeFileAtomic(
          resolve(flags.out),
          pairs
            .map((pair) =>
              JSON.stringify({
                id: pair.id,
                input: byId.get(pair.id)!.input,
                chosen: pair.chosen,
                rejected: pair.rejected,
                margin: pair.margin,
              }),
            )
            .join('\n') + (pairs.length > 0 ? '\n' : ''),
        );
        if (context.json)
          printJson({ prompts: records.length, pairs: pairs.length, out: resolve(flags.out) });
        else
          process.stdout.write(
            `${pairs.length} pairs from ${records.length} prompts written to ${resolve(flags.out)}\n`,
          );
      } finally {
        await models.closeAll();
        await disposeLlamaRuntime();
        context.close();
      }
    });

  train
    .command('list')
    .description('training runs and the specialists they produced')
    .action(() => {
      const context = commandContext(program.opts());
      const workspace = context.workspace;
      if (!workspace) throw new ConfigError('tailor train list needs a workspace');
      const runs = workspace.store.trainingRuns();
      const specialists = workspace.store.specialists();
      if (context.json) printJson({ runs, specialists });
      else {
        printTable(
          ['RUN', 'METHOD', 'BASE', 'STATUS', 'STEPS', 'VAL LOSS', 'SPECIALIST', 'STARTED'],
          runs.map((run) => {
            const result = run.result as { sft?: { steps: number; bestValidationLoss?: number } } | null;
            const produced = specialists.filter((specialist) => specialist.trainingRun === run.id).at(-1);
            return [
              run.id,
              run.method,
              run.base,
              run.status,
              String(result?.sft?.steps ?? ''),
              result?.sft?.bestValidationLoss?.toFixed(4) ?? '',
              produced ? `${produced.name} v${produced.version}` : '',
              run.createdAt.slice(0, 19),
            ];
          }),
        );
      }
      context.close();
    });

  train
    .command('show')
    .description('one run: config, metrics, lineage, and its loss curve (HTML)')
    .argument('<run>', 'run id (the specialist name)')
    .action((id: string) => {
      const context = commandContext(program.opts());
      const workspace = context.workspace;
      if (!workspace) throw new ConfigError('tailor train show needs a workspace');
      const run = workspace.store.trainingRun(id);
      if (!run)
        throw new TailorError('not-found', `no training run "${id}"`, { hint: 'See tailor train list.' });
      const plot = writeLossPlot(run.runDirectory);
      const specialists = workspace.store.specialists().filter((specialist) => specialist.trainingRun === id);
      if (context.json) printJson({ run, specialists, lossPlot: plot });
      else {
        process.stdout.write(`${run.id}: ${run.method} on ${run.base}, ${run.status}\n`);
        process.stdout.write(`Folder: ${run.runDirectory}\n`);
        process.stdout.write(`Config: ${JSON.stringify(run.config)}\n`);
        for (const specialist of specialists) {
          process.stdout.write(
            `Produced ${specialist.name} v${specialist.version}: ${specialist.adapterPath}\n`,
          );
        }
        if (plot) process.stdout.write(`Loss curve: ${plot}\n`);
      }
      context.close();
    });
}

function trainingConfig(
  kind: 'sft' | 'dpo' | 'grpo',
  fromFile: unknown,
  flags: SftFlags,
): SftConfig | DpoConfig | GrpoConfig {
  const overrides: Record<string, unknown> = {};
  const number = (value: string | undefined, flag: string) =>
    value === undefined ? undefined : positive(value, flag, true);
  const set = (key: string, value: unknown) => {
    if (value !== undefined) overrides[key] = value;
  };
  set(kind === 'grpo' ? 'steps' : 'maxSteps', number(flags.steps, '--steps'));
  set('epochs', number(flags.epochs, '--epochs'));
  set('promptsPerStep', number(flags.promptsPerStep, '--prompts-per-step'));
  set('groupSize', number(flags.groupSize, '--group-size'));
  set('maxTokens', number(flags.maxTokens, '--max-tokens'));
  set('temperature', number(flags.temperature, '--temperature'));
  set('loss', flags.loss);
  set('klBeta', flags.klBeta === undefined ? undefined : Number(flags.klBeta));
  set('lengthPenalty', flags.lengthPenalty === undefined ? undefined : Number(flags.lengthPenalty));
  set('monitor', flags.monitor);
  if (flags.rewards) {
    overrides.rewards = Object.fromEntries(
      flags.rewards.split(',').map((part) => {
        const [name, weight = '1'] = part.split('=').map((piece) => piece.trim());
        return [name, number(weight, `--rewards ${name}`)];
      }),
    );
  }
  set('batchSize', number(flags.batchSize, '--batch-size'));
  set('microBatchSize', number(flags.microBatchSize, '--micro-batch-size'));
  set('learningRate', number(flags.lr, '--lr'));
  set('maxLength', number(flags.maxLength, '--max-length'));
  set('activationCheckpointing', flags.activationCheckpointing);
  set('evalEvery', number(flags.evalEvery, '--eval-every'));
  set('validationExamples', number(flags.validationExamples, '--validation-examples'));
  set('checkpointEvery', number(flags.checkpointEvery, '--checkpoint-every'));
  set('earlyStoppingPatience', flags.patience === undefined ? undefined : Number(flags.patience));
  set('seed', flags.seed === undefined ? undefined : Number(flags.seed));
  set('beta', number(flags.beta, '--beta'));
  const base = (fromFile ?? {}) as Record<string, unknown>;
  const lora = { ...((base.lora as Record<string, unknown>) ?? {}) };
  if (flags.rank) lora.rank = number(flags.rank, '--rank');
  if (flags.alpha) lora.alpha = number(flags.alpha, '--alpha');
  const schema = kind === 'sft' ? sftConfigSchema : kind === 'dpo' ? dpoConfigSchema : grpoConfigSchema;
  const result = schema.safeParse({ ...base, ...overrides, lora });
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `train.${kind}.${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid training settings:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

function positive(value: string, flag: string, fractional = false): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || (!fractional && !Number.isInteger(parsed))) {
    throw new TailorError(
      'usage',
      `${flag} must be a positive ${fractional ? 'number' : 'integer'}, not "${value}"`,
    );
  }
  return parsed;
}

/** Write `loss.html` beside the run's metrics; returns its path (undefined before any step). */
function writeLossPlot(runDirectory: string): string | undefined {
  const metricsFile = join(runDirectory, 'metrics.jsonl');
  if (!existsSync(metricsFile)) return undefined;
  const lines = readFileSync(metricsFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const path = join(runDirectory, 'loss.html');
  writeFileAtomic(
    path,
    renderLossCurve(
      // GRPO validates by score, not loss: those points belong to its own report.
      lines.map((line) => JSON.parse(line) as LossPoint).filter((point) => typeof point.loss === 'number'),
      runDirectory,
    ),
  );
  return path;
}
