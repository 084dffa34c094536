import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { type AlignmentReport, measureJudge } from '../../align/align.js';
import { headline, probeRows, renderJudgeCardHtml, renderJudgeCardMarkdown } from '../../align/card.js';
import { type ComparedJudge, compareJudges } from '../../align/compare-judges.js';
import { judgeVersion, judgeVersions, saveJudgeVersion } from '../../align/judge-versions.js';
import { type LabelledItem, labelledItems, labelledRecords, listLabels } from '../../align/labels.js';
import { trainLoraJudge } from '../../align/lora-judge.js';
import { runProbes } from '../../align/probes.js';
import { trainJudge } from '../../align/train-judge.js';
import { createTrainedJudges } from '../../align/trained-judges.js';
import { type RubricConfig, tuneJudge } from '../../align/tune.js';
import { Random } from '../../common/random.js';
import type { ChatModel } from '../../core/chat-model.js';
import { ConfigError, TailorError } from '../../core/errors.js';
import { createModel, modelPool } from '../../models/create-model.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { referenceText } from '../../task/dataset.js';
import { createGrader } from '../../task/graders/index.js';
import { loadTask } from '../../task/task.js';
import { type CommandContext, commandContext, inWorkspace } from '../context.js';
import { positiveInteger, wholeNumber } from '../flags.js';
import { formatEstimate, printJson, printTable } from '../output.js';
import { ProgressBar } from '../progress.js';

interface JudgeOptions {
  version?: string;
  judge?: string;
  limit?: string;
  concurrency?: string;
}

export function registerAlign(program: Command): void {
  const align = program
    .command('align')
    .description("measure LLM judges against the experts' labels, probe their biases, tune them");

  align
    .command('report')
    .description(
      "a judge's agreement with the expert labels (κ with CI) next to the experts' own α; writes the judge card",
    )
    .argument('<grader>', 'an llm-rubric grader of the task')
    .option('--version <n>', 'a tuned version of the judge (default: as in tailor.yaml)')
    .option('--judge <reference>', 'judge model when the grader names none (default: defaultModel)')
    .option('--limit <n>', 'a seeded sample of n labelled items')
    .option('--concurrency <n>', 'judge calls in flight (default: llama.parallel)')
    .option('--probes', 'also run the bias probes (verbosity, injection, position, self-preference)')
    .option('--probe-limit <n>', 'items the probes use (default 20)', '20')
    .option('--card <prefix>', 'judge card path without extension (default: .tailor/artifacts/judge-<name>)')
    .action(
      async (
        name: string,
        options: JudgeOptions & { probes?: boolean; probeLimit: string; card?: string },
      ) => {
        const context = commandContext(program.opts());
        const setup = await judgeSetup(context, name, options);
        const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
        try {
          const { report } = await measureJudge({
            judge: setup.judgeInfo,
            grader: await createGrader(setup.config, setup.task, async () => setup.judge),
            labels: setup.labels,
            items: setup.items,
            records: setup.records,
            concurrency: setup.concurrency,
            onProgress: (done, total) => bar.update('judging labelled items', done, total, 'items'),
          });
          const full: AlignmentReport = { ...report, probes: undefined };
          if (options.probes) {
            // A seeded sample, so the probes see outputs of every source (the self-preference probe
            // needs some from the judge's own model), not just the first ids.
            const probeItems = new Random(1)
              .permutation(setup.items)
              .slice(0, positiveInteger(options.probeLimit, '--probe-limit'));
            full.probes = await runProbes({
              grader: await createGrader(setup.config, setup.task, async () => setup.judge),
              judge: setup.judge,
              rubric: setup.config.rubric,
              judgeModel: setup.judgeReference,
              items: probeItems,
              records: setup.records,
              concurrency: setup.concurrency,
              referenceText,
              onProgress: (stage, done, total) => bar.update(stage, done, total, 'items'),
            });
          }
          bar.done();
          const prefix = resolve(
            options.card ??
              join(
                context.workspace!.paths.artifactsDirectory,
                `judge-${name}${setup.judgeInfo.version !== undefined ? `-v${setup.judgeInfo.version}` : ''}`,
              ),
          );
          writeFileAtomic(`${prefix}.md`, renderJudgeCardMarkdown(full));
          writeFileAtomic(`${prefix}.html`, renderJudgeCardHtml(full));
          if (context.json) {
            printJson({ ...full, card: { markdown: `${prefix}.md`, html: `${prefix}.html` } });
            return;
          }
          process.stdout.write(
            `\n${name}${setup.judgeInfo.version !== undefined ? ` v${setup.judgeInfo.version}` : ''} · judge ${setup.judgeInfo.model} · ${full.labels.labels} labels on ${full.labels.items} items · ${full.run.judged} judged, ${full.run.errors} judge errors\n\n`,
          );
          printTable(['METRIC', 'VALUE [95% CI]'], headline(full));
          if (full.probes) {
            process.stdout.write('\nbias probes\n');
            printTable(['PROBE', 'RESULT'], probeRows(full));
          }
          for (const warning of full.warnings) process.stdout.write(`\nwarning: ${warning}`);
          process.stdout.write(`\njudge card: ${prefix}.md, ${prefix}.html\n`);
        } finally {
          await setup.judge.close();
          context.close();
        }
      },
    );

  align
    .command('tune')
    .description(
      'tune a rubric judge on the labels (train/dev/test split; winner on dev κ, reported on test) and save it as a new version',
    )
    .argument('<grader>', 'an llm-rubric grader of the task')
    .option('--version <n>', 'start from this tuned version (default: as in tailor.yaml)')
    .option('--judge <reference>', 'judge model when the grader names none (default: defaultModel)')
    .option('--proposer <reference>', 'model that proposes rubric rewrites (default: the judge model)')
    .option('--rewrites <n>', 'rubric rewrites to try', '2')
    .option('--shots <n>', 'few-shot examples to try', '2')
    .option('--seed <n>', 'seed of the train/dev/test split', '0')
    .option('--limit <n>', 'a seeded sample of n labelled items')
    .option('--concurrency <n>', 'judge calls in flight (default: llama.parallel)')
    .action(
      async (
        name: string,
        options: JudgeOptions & { proposer?: string; rewrites: string; shots: string; seed: string },
      ) => {
        const context = commandContext(program.opts());
        const setup = await judgeSetup(context, name, options);
        const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
        const proposer =
          options.proposer && options.proposer !== setup.judgeReference
            ? await createModel(options.proposer, { config: context.config, store: context.workspace!.store })
            : setup.judge;
        try {
          // The task's test split stays out of tuning: its examples judge the specialist later.
          const items = setup.items.filter((item) => !setup.testExamples.has(item.exampleId));
          const excluded = setup.items.length - items.length;
          const result = await tuneJudge({
            base: setup.config,
            items,
            records: setup.records,
            makeGrader: (config) => createGrader(config, setup.task, async () => setup.judge),
            proposer,
            rewrites: wholeNumber(options.rewrites, '--rewrites'),
            shots: wholeNumber(options.shots, '--shots'),
            seed: wholeNumber(options.seed, '--seed'),
            concurrency: setup.concurrency,
            onProgress: (stage, done, total) => bar.update(stage, done, total, 'items'),
          });
          bar.done();
          const version = saveJudgeVersion(context.workspace!.store, {
            name,
            config: result.winner.config,
            parentVersion: setup.judgeInfo.version,
            lineage: {
              judgeModel: setup.judgeReference,
              labels: { items: items.length, excludedTestSplitItems: excluded },
              seed: Number(options.seed),
              sets: result.sets,
              candidates: result.candidates.map((candidate) => ({
                name: candidate.name,
                dev: candidate.dev,
              })),
              winner: result.winner.name,
              test: result.test,
              provenance: result.provenance,
              diagnosis: result.diagnosis,
            },
          });
          if (context.json) {
            printJson({ version, ...result });
            return;
          }
          process.stdout.write(
            `\n${name}: ${items.length} labelled items → train ${result.sets.train.length} · dev ${result.sets.dev.length} · test ${result.sets.test.length} (seed ${options.seed}${excluded ? `; ${excluded} items on the task's test split left out` : ''})\n\n`,
          );
          printTable(
            ['CANDIDATE', 'DEV κ', 'DEV ACCURACY'],
            result.candidates.map((candidate) => [
              `${candidate.name}${candidate === result.winner ? '  ← winner' : ''}`,
              Number.isFinite(candidate.dev.kappa) ? candidate.dev.kappa.toFixed(3) : '—',
              Number.isFinite(candidate.dev.accuracy) ? candidate.dev.accuracy.toFixed(3) : '—',
            ]),
          );
          const ci = (estimate: { mean: number; low: number; high: number }) =>
            formatEstimate(estimate, '— (undefined: one verdict for every item)');
          process.stdout.write(
            `\nheld-out test (${result.test.items} items): untuned κ ${ci(result.test.untuned)} · tuned κ ${ci(result.test.tuned)}\n`,
          );
          for (const line of result.diagnosis) process.stdout.write(`note: ${line}\n`);
          process.stdout.write(
            `\nsaved ${name} v${version} (parent ${setup.judgeInfo.version ?? 'tailor.yaml'}). Measure it with: tailor align report ${name} --version ${version}\nTo use it in evals, replace the grader in tailor.yaml with:\n${stringify(
              [result.winner.config],
            )
              .split('\n')
              .map((line) => `    ${line}`)
              .join('\n')}\n`,
          );
        } finally {
          if (proposer !== setup.judge) await proposer.close();
          await setup.judge.close();
          context.close();
        }
      },
    );

  align
    .command('train')
    .description(
      "train a judge on the workspace's expert labels (a logistic probe on a base model's hidden states, or a LoRA-tuned generative judge) and save it as a judge version with its card",
    )
    .argument('<name>', 'name of the trained judge (a new judge, or a new version of one)')
    .option('--method <method>', 'how to train it: probe or lora', 'probe')
    .option('--grader <name>', 'lora: the llm-rubric grader whose prompt the judge learns to answer')
    .option('--epochs <n>', 'lora: epochs over the train items (default: train.sft)')
    .option(
      '--base <reference>',
      'base model the probe reads, or the LoRA judge is trained on (default: defaultModel)',
    )
    .option('--layers <list>', 'hidden-state layers, 0 = embeddings, negative from the end', '-9,-1')
    .option('--seed <n>', 'seed of the train/dev/test split of the labelled items', '0')
    .option('--threads <n>', 'CPU threads (default: all cores)')
    .action(
      async (
        name: string,
        options: {
          method: string;
          grader?: string;
          epochs?: string;
          base?: string;
          layers: string;
          seed: string;
          threads?: string;
        },
      ) => {
        if (options.method !== 'probe' && options.method !== 'lora')
          throw new TailorError('usage', `--method must be probe or lora, not "${options.method}"`);
        if (options.method === 'lora') return trainLora(program, name, options);
        const layers = options.layers.split(',').map((entry) => entry.trim());
        if (layers.length === 0 || layers.some((entry) => !/^-?\d+$/.test(entry)))
          throw new TailorError(
            'usage',
            `--layers must be whole numbers separated by commas, not "${options.layers}"`,
          );
        const context = commandContext(program.opts());
        if (!context.workspace)
          throw new ConfigError('tailor align train needs a workspace with a task and labels', {
            hint: 'Run it in a folder with tailor.yaml, or pass --workspace.',
          });
        const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
        try {
          const result = await trainJudge({
            workspace: { ...context.workspace, config: context.config },
            task: loadTask(context.workspace),
            name,
            ...(options.base ? { base: options.base } : {}),
            layers: layers.map(Number),
            seed: wholeNumber(options.seed, '--seed'),
            ...(options.threads ? { threads: positiveInteger(options.threads, '--threads') } : {}),
            onProgress: (stage, done, total) => bar.update(stage, done, total, 'items'),
          });
          bar.done();
          if (context.json) {
            printJson(result);
            return;
          }
          const ci = (estimate: { mean: number; low: number; high: number }) => formatEstimate(estimate, '—');
          const { labels, sets, test } = result;
          process.stdout.write(
            `\n${name} v${result.version} (probe): ${labels.used} labelled items → train ${sets.train.length} · dev ${sets.dev.length} · test ${sets.test.length} (seed ${options.seed}${labels.excludedTestSplitItems ? `; ${labels.excludedTestSplitItems} items on the task's test split left out` : ''})\n\n`,
          );
          printTable(
            ['L2', 'DEV LOG-LOSS', 'DEV κ'],
            result.candidates.map((candidate) => [
              `${candidate.l2}${candidate.l2 === result.head.l2 ? '  ← chosen' : ''}`,
              candidate.devLogLoss.toFixed(4),
              Number.isFinite(candidate.devKappa) ? candidate.devKappa.toFixed(3) : '—',
            ]),
          );
          process.stdout.write(
            `\nheld-out test (${test.items} items): κ ${ci(test.kappa)} · AUROC ${ci(test.auroc)} · accuracy ${test.accuracy.toFixed(3)} · TPR ${test.truePositiveRate.toFixed(3)} · TNR ${test.trueNegativeRate.toFixed(3)}\nexperts' α (the human ceiling) ${ci(result.experts.passAlpha)}\n\nlearning curve (the head refitted on a share of the train items; the same test items):\n`,
          );
          printTable(
            ['TRAIN ITEMS', 'SHARE', 'HELD-OUT κ [95% CI]', 'AUROC [95% CI]'],
            result.learningCurve.map((point) => [
              String(point.trainItems),
              `${Math.round(100 * point.fraction)}%`,
              ci(point.kappa),
              ci(point.auroc),
            ]),
          );
          process.stdout.write(`\njudge card: ${result.cardPath}, ${result.htmlPath}\n`);
        } finally {
          context.close();
        }
      },
    );

  align
    .command('compare')
    .description(
      "the rubric judge, its tuned versions and trained judges side by side on a trained judge's held-out items",
    )
    .argument('<grader>', 'an llm-rubric grader of the task')
    .requiredOption(
      '--trained <names>',
      'trained judges (comma-separated, latest versions); the first holds out the items',
    )
    .option('--judge <reference>', 'judge model when the grader names none (default: defaultModel)')
    .option('--limit <n>', 'a seeded sample of n held-out items')
    .option('--concurrency <n>', 'judge calls in flight (default: llama.parallel)')
    .action(async (name: string, options: JudgeOptions & { trained: string }) => {
      const context = commandContext(program.opts());
      const setup = await judgeSetup(context, name, { ...options, limit: undefined });
      const store = context.workspace!.store;
      const trainedNames = options.trained.split(',').map((entry) => entry.trim());
      const trainedVersions = trainedNames.map((trainedName) => {
        const stored = judgeVersion(store, trainedName);
        if (!stored || stored.config.type !== 'probe')
          throw new ConfigError(`No trained judge "${trainedName}" in this workspace`, {
            hint: 'Train one with: tailor align train <name> (tailor align list shows them).',
          });
        return stored;
      });
      const tuned = judgeVersions(store).filter(
        (entry) => entry.name === name && entry.config.type === 'llm-rubric',
      );
      const trained = createTrainedJudges({ store, task: setup.task });
      const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
      try {
        const rubric = (config: RubricConfig) => createGrader(config, setup.task, async () => setup.judge);
        const judges: ComparedJudge[] = [
          {
            kind: 'rubric',
            label: `${name} (tailor.yaml)`,
            version: undefined,
            grader: await rubric(setup.config),
          },
          ...(await Promise.all(
            tuned.map(async (entry) => ({
              kind: 'tuned rubric' as const,
              label: `${name} v${entry.version}`,
              version: entry,
              grader: await rubric(entry.config as RubricConfig),
            })),
          )),
          ...(await Promise.all(
            trainedVersions.map(async (entry) => ({
              kind: 'trained probe' as const,
              label: `${entry.name} v${entry.version}`,
              version: entry,
              score: await trained.scorerFor(entry.name, entry.version),
              passAt: 0.5,
            })),
          )),
        ];
        const comparison = await compareJudges({
          heldOutOf: trainedVersions[0]!,
          judges,
          labels: setup.labels,
          items: setup.items,
          records: setup.records,
          concurrency: setup.concurrency,
          ...(options.limit ? { limit: positiveInteger(options.limit, '--limit') } : {}),
          onProgress: (judge, done, total) => bar.update(judge, done, total, 'items'),
        });
        bar.done();
        if (context.json) {
          printJson(comparison);
          return;
        }
        const ci = (estimate: { mean: number; low: number; high: number } | undefined) =>
          estimate ? formatEstimate(estimate, '—') : '—';
        process.stdout.write(
          `\n${comparison.items} items held out by ${comparison.heldOutOf.name} v${comparison.heldOutOf.version}; every judge run on them now, against the experts' majority\n\n`,
        );
        printTable(
          ['JUDGE', 'KIND', 'ITEMS', 'κ [95% CI]', 'AUROC [95% CI]', 'TPR', 'TNR', 'TUNED ON'],
          comparison.columns.map((column) => [
            column.label,
            column.kind,
            String(column.items),
            ci(column.kappa),
            ci(column.auroc),
            column.truePositiveRate.mean.toFixed(3),
            column.trueNegativeRate.mean.toFixed(3),
            column.kind === 'rubric' ? '—' : String(column.seen),
          ]),
        );
        process.stdout.write(
          '\nTUNED ON: of these items, how many the judge was tuned or trained on (its own train and dev sets); 0 for the trained judge that holds them out.\n',
        );
      } finally {
        await trained.close();
        await setup.judge.close();
        context.close();
      }
    });

  align
    .command('list')
    .description('tuned and trained judge versions with their lineage')
    .action(() =>
      inWorkspace(program.opts(), 'align', (context) => {
        const versions = judgeVersions(context.workspace.store);
        if (context.json) {
          printJson(versions);
          return;
        }
        printTable(
          ['JUDGE', 'VERSION', 'PARENT', 'WINNER', 'TEST κ (untuned → tuned)', 'CREATED'],
          versions.map((entry) => {
            const test = entry.lineage.test as
              | { untuned?: { mean: number }; tuned?: { mean: number }; kappa?: { mean: number } }
              | undefined;
            const { config } = entry;
            const trained = config.type === 'probe';
            return [
              entry.name,
              String(entry.version),
              trained
                ? 'trained'
                : entry.parentVersion === undefined
                  ? 'tailor.yaml'
                  : String(entry.parentVersion),
              config.type === 'probe' ? `probe on ${config.base}` : String(entry.lineage.winner ?? ''),
              test?.kappa
                ? `${test.kappa.mean.toFixed(3)} (trained)`
                : test?.untuned && test.tuned
                  ? `${test.untuned.mean.toFixed(3)} → ${test.tuned.mean.toFixed(3)}`
                  : '',
              entry.createdAt.slice(0, 19),
            ];
          }),
        );
      }),
    );
}

/** Everything a judge command needs: the grader config (or a tuned version), its model, the labels and the examples. */
async function judgeSetup(context: CommandContext, name: string, options: JudgeOptions) {
  if (!context.workspace)
    throw new ConfigError('tailor align needs a workspace with a task and labels', {
      hint: 'Run it in a folder with tailor.yaml, or pass --workspace.',
    });
  const task = loadTask(context.workspace);
  const declared = task.grader(name);
  if (declared.type !== 'llm-rubric')
    throw new ConfigError(`Grader "${name}" is ${declared.type}; tailor align measures llm-rubric judges`);
  let config: RubricConfig = declared;
  let version: number | undefined;
  if (options.version !== undefined) {
    const stored = judgeVersion(context.workspace.store, name, Number(options.version));
    if (!stored)
      throw new ConfigError(`No version ${options.version} of judge "${name}" (see tailor align list)`);
    if (stored.config.type !== 'llm-rubric')
      throw new ConfigError(
        `${name} v${stored.version} is a trained ${stored.config.type} judge; its held-out agreement is on its judge card (tailor align list)`,
      );
    config = stored.config;
    version = stored.version;
  }
  const labels = listLabels(context.workspace.store);
  if (labels.length === 0)
    throw new ConfigError('No expert labels in this workspace', {
      hint: 'Import some: tailor labels import <file>',
    });
  let items: LabelledItem[] = labelledItems(labels);
  if (options.limit) items = new Random(0).permutation(items).slice(0, Number(options.limit));
  const usedLabels = labels.filter((label) => items.some((item) => item.itemId === label.itemId));
  const { records, testExamples } = labelledRecords(task);
  const judgeReference = config.model ?? options.judge ?? context.config.defaultModel;
  const judge: ChatModel = await createModel(judgeReference, {
    config: context.config,
    store: context.workspace.store,
  });
  return {
    task,
    config,
    judge,
    judgeReference,
    judgeInfo: { name, version, model: judgeReference, rubric: config.rubric },
    labels: usedLabels,
    items,
    records,
    testExamples,
    concurrency: Number(options.concurrency ?? context.config.llama.parallel),
  };
}

/** `tailor align train <name> --method lora --grader <llm-rubric grader>`. */
async function trainLora(
  program: Command,
  name: string,
  options: { grader?: string; epochs?: string; base?: string; seed: string; threads?: string },
): Promise<void> {
  if (!options.grader)
    throw new TailorError(
      'usage',
      '--method lora needs --grader <the llm-rubric grader it learns to answer>',
    );
  const epochs = options.epochs !== undefined ? positiveInteger(options.epochs, '--epochs') : undefined;
  const seed = wholeNumber(options.seed, '--seed');
  await inWorkspace(program.opts(), 'align train', async ({ workspace, config, json }) => {
    const bar = new ProgressBar(process.stderr, json && !process.stderr.isTTY);
    const models = modelPool({ config, store: workspace.store });
    try {
      const result = await trainLoraJudge({
        workspace,
        task: loadTask(workspace),
        name,
        grader: options.grader!,
        seed,
        ...(options.base ? { base: options.base } : {}),
        ...(epochs ? { train: { epochs } } : {}),
        ...(options.threads ? { threads: positiveInteger(options.threads, '--threads') } : {}),
        modelFor: (reference) => models.get(reference),
        onProgress: (stage, done, total) => bar.update(stage, done, total, 'items'),
      });
      bar.done();
      if (json) {
        printJson(result);
        return;
      }
      const ci = (estimate: { mean: number; low: number; high: number }) => formatEstimate(estimate, '—');
      const { sets, test } = result;
      process.stdout.write(
        `\n${name} v${result.version} (lora, ${result.model}): train ${sets.train.length} · dev ${sets.dev.length} · test ${sets.test.length} items (seed ${seed})\n` +
          `held-out test (${test.items} items): κ ${ci(test.pass.kappa)} · accuracy ${ci(test.pass.accuracy)} · TPR ${ci(test.pass.tpr)} · TNR ${ci(test.pass.tnr)}${result.errors ? ` · ${result.errors} judge errors` : ''}\n` +
          `experts' α (the human ceiling) ${ci(result.experts.passAlpha)}\njudge card: ${result.cardPath}\n`,
      );
    } finally {
      await models.closeAll();
    }
  });
}
