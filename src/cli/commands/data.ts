import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createTrainedJudges } from '../../align/trained-judges.js';
import { toJsonl } from '../../common/jsonl.js';
import { ConfigError } from '../../core/errors.js';
import {
  curateDataset,
  decontaminateDataset,
  dedupDataset,
  generateDataset,
  type StepContext,
  type StepResult,
} from '../../data/dataset-steps.js';
import { listDatasetVersions, readDataCard, resolveDataset } from '../../data/dataset-version.js';
import { modelPool } from '../../models/create-model.js';
import { trafficDataset } from '../../serve/traffic.js';
import { writeFileAtomic } from '../../store/atomic-file.js';
import { readOutputs } from '../../task/dataset.js';
import { loadTask } from '../../task/task.js';
import { inWorkspace, type WorkspaceContext } from '../context.js';
import { outputFile, positiveInteger } from '../flags.js';
import { printJson, printTable } from '../output.js';
import { ProgressBar } from '../progress.js';

export function registerData(program: Command): void {
  const data = program
    .command('data')
    .description('dataset versions: curate, dedup, decontaminate, list, show; import captured traffic');
  data
    .command('import')
    .description(
      'write captured serving traffic as a chat-format JSONL dataset (tailor eval --dataset, training)',
    )
    .requiredOption('--from-traffic', 'take the records from traffic captured by tailor serve')
    .requiredOption('--out <file>', 'the JSONL file to write')
    .option('--model <name>', 'only requests to this model')
    .option('--since <time>', 'only requests at or after this ISO time')
    .option('--until <time>', 'only requests before this ISO time')
    .option('--feedback <which>', 'pass | fail | any | none: filter by reviewer feedback')
    .action((options: { out: string; model?: string; since?: string; until?: string; feedback?: string }) =>
      inWorkspace(program.opts(), 'data import', (context) => {
        if (options.feedback && !['pass', 'fail', 'any', 'none'].includes(options.feedback))
          throw new ConfigError(`--feedback must be pass, fail, any or none, not "${options.feedback}"`);
        for (const [flag, value] of [
          ['--since', options.since],
          ['--until', options.until],
        ] as const)
          if (value !== undefined && Number.isNaN(Date.parse(value)))
            throw new ConfigError(`${flag} must be an ISO 8601 time, not "${value}"`);
        const records = trafficDataset(context.workspace.store, {
          model: options.model,
          since: options.since ? new Date(options.since).toISOString() : undefined,
          until: options.until ? new Date(options.until).toISOString() : undefined,
          feedback: options.feedback as 'pass' | 'fail' | 'any' | 'none' | undefined,
        });
        const out = outputFile(options.out, '--out');
        writeFileAtomic(out, toJsonl(records));
        if (context.json) printJson({ file: out, records: records.length });
        else process.stdout.write(`${out}: ${records.length} records\n`);
      }),
    );

  data
    .command('curate')
    .description(
      "grade outputs with the task's graders against their records; keep what passes as a new version",
    )
    .requiredOption(
      '--outputs <file>',
      "JSONL of {id, output}: an incumbent's log, a teacher's samples, traffic",
    )
    .option(
      '--from <dataset>',
      'the records the outputs answer: a version (id or name), a split or a file',
      'train',
    )
    .option('--grader <name>', "grade with this grader (repeat; default: all of the task's)", collect, [])
    .option(
      '--min <grader=score>',
      'keep only outputs this grader scores at least this (repeat)',
      collect,
      [],
    )
    .option('--name <name>', "the new version's name (default: <input>-curated)")
    .action((options: { outputs: string; from: string; grader: string[]; min: string[]; name?: string }) =>
      inWorkspace(program.opts(), 'data curate', async (context) => {
        const step = stepContext(context, options);
        // Read every line before grading anything: a bad line fails with nothing written.
        const outputsPath = resolve(options.outputs);
        const outputs = readOutputs(outputsPath);
        const minimumScores = parseMinimumScores(options.min);
        const judges = modelPool({ config: context.config, store: context.workspace.store });
        const trained = createTrainedJudges({ store: context.workspace.store, task: step.task });
        try {
          const graders = await step.task.createGraders({
            ...(options.grader.length > 0 ? { select: options.grader } : {}),
            judgeFor: (reference) => judges.get(reference ?? context.config.defaultModel),
            trainedJudgeFor: (name, version) => trained.scorerFor(name, version),
          });
          const result = await curateDataset({ ...step, outputs, outputsPath, graders, minimumScores });
          const { counts } = result.curation;
          printStep(context, result, {
            counts,
            notes:
              counts.outputsWithoutRecord > 0
                ? [`${counts.outputsWithoutRecord} output(s) matched no record`]
                : [],
          });
        } finally {
          await judges.closeAll();
          await trained.close();
        }
      }),
    );

  data
    .command('generate')
    .description(
      "distil from a teacher: N samples per input, graded with the task's graders, the best kept (resumable)",
    )
    .requiredOption(
      '--teacher <model>',
      'any model reference: an API model, a local GGUF, a specialist (llama:<name>)',
    )
    .option('--from <dataset>', 'the inputs to answer: a version (id or name), a split or a file', 'train')
    .option('--samples <n>', 'samples per input (best-of-N)', '4')
    .option('--temperature <x>', 'sampling temperature', '0.8')
    .option('--max-tokens <n>', 'longest answer in tokens', '512')
    .option('--seed <n>', 'sample i of an input is asked with seed + i', '0')
    .option('--min-score <x>', 'the least combined score the best sample needs (it must also pass)', '0')
    .option('--grader <name>', "grade with this grader (repeat; default: all of the task's)", collect, [])
    .option(
      '--concurrency <n>',
      'teacher calls in flight (default: llama.parallel for local teachers, else 4)',
    )
    .option('--name <name>', "the new version's name (default: <input>-generated)")
    .action(
      (options: {
        teacher: string;
        from: string;
        samples: string;
        temperature: string;
        maxTokens: string;
        seed: string;
        minScore: string;
        grader: string[];
        concurrency?: string;
        name?: string;
      }) =>
        inWorkspace(program.opts(), 'data generate', async (context) => {
          const step = stepContext(context, options);
          const number = (flag: string, value: string, valid: (x: number) => boolean, what: string) => {
            const parsed = Number(value);
            if (!valid(parsed)) throw new ConfigError(`${flag} must be ${what}, not "${value}"`);
            return parsed;
          };
          const samples = positiveInteger(options.samples, '--samples');
          const temperature = number('--temperature', options.temperature, (x) => x >= 0, 'a number ≥ 0');
          const maxTokens = positiveInteger(options.maxTokens, '--max-tokens');
          const seed = number('--seed', options.seed, Number.isInteger, 'a whole number');
          const minimumScore = number(
            '--min-score',
            options.minScore,
            (x) => x >= 0 && x <= 1,
            'between 0 and 1',
          );
          const models = modelPool({ config: context.config, store: context.workspace.store });
          try {
            const teacher = await models.get(options.teacher);
            const concurrency = options.concurrency
              ? positiveInteger(options.concurrency, '--concurrency')
              : teacher.provider === 'llama'
                ? context.config.llama.parallel
                : 4;
            const graders = await step.task.createGraders({
              ...(options.grader.length > 0 ? { select: options.grader } : {}),
              judgeFor: (reference) => models.get(reference ?? context.config.defaultModel),
            });
            // One journal per input and teacher: a rerun resumes it; other settings are refused.
            const slug = `${step.input.name}-${teacher.id}`.replace(/[^a-z0-9._-]+/gi, '_').slice(0, 120);
            const journalPath = join(context.workspace.paths.dataDirectory, 'generate', `${slug}.jsonl`);
            const bar = new ProgressBar(process.stderr, context.json && !process.stderr.isTTY);
            const result = await generateDataset({
              ...step,
              teacher,
              graders,
              samples,
              temperature,
              maxTokens,
              seed,
              minimumScore,
              passThreshold: 0.8,
              concurrency,
              journalPath,
              onProgress: ({ done, total, resumed }) =>
                bar.update(
                  'generate',
                  done,
                  total,
                  'items',
                  resumed > 0 ? ` · ${resumed} from the journal` : '',
                ),
            });
            bar.done();
            const { teacher: usage } = result.generation;
            printStep(context, result, {
              counts: { teacher: usage, journal: journalPath },
              notes: [
                `teacher ${usage.model}: ${usage.calls} call(s) made, ${usage.resumed} read back from ${journalPath}; ${usage.inputTokens} tokens in, ${usage.outputTokens} out; cost ${usage.costUsd === null ? 'unknown (no price for this model)' : `$${usage.costUsd.toFixed(4)}`}`,
              ],
            });
          } finally {
            await models.closeAll();
          }
        }),
    );

  data
    .command('dedup')
    .description('drop exact and near-duplicate records (MinHash/LSH over their own words) as a new version')
    .option('--from <dataset>', 'a version (id or name), a split or a file', 'train')
    .option('--threshold <similarity>', 'estimated Jaccard similarity that makes a near duplicate', '0.8')
    .option('--name <name>', "the new version's name (default: <input>-deduped)")
    .action((options: { from: string; threshold: string; name?: string }) =>
      inWorkspace(program.opts(), 'data dedup', (context) => {
        const threshold = Number(options.threshold);
        if (!(threshold > 0 && threshold <= 1))
          throw new ConfigError(
            `--threshold must be a number above 0 and at most 1, not "${options.threshold}"`,
          );
        printStep(context, dedupDataset({ ...stepContext(context, options), threshold }));
      }),
    );

  data
    .command('decontaminate')
    .description(
      "drop records that overlap the task's validation or test split (word n-grams) as a new version",
    )
    .option('--from <dataset>', 'a version (id or name), a split or a file', 'train')
    .option('--name <name>', "the new version's name (default: <input>-decontaminated)")
    .action((options: { from: string; name?: string }) =>
      inWorkspace(program.opts(), 'data decontaminate', (context) => {
        printStep(context, decontaminateDataset(stepContext(context, options)));
      }),
    );

  data
    .command('list')
    .description('list the dataset versions')
    .action(() =>
      inWorkspace(program.opts(), 'data list', (context) => {
        const versions = listDatasetVersions(context.workspace.store, context.workspace.paths);
        if (context.json) {
          printJson(versions);
          return;
        }
        if (versions.length === 0) {
          process.stdout.write(
            'No dataset versions yet: tailor data curate, dedup or decontaminate make them.\n',
          );
          return;
        }
        printTable(
          ['ID', 'NAME', 'RECORDS', 'OPERATIONS', 'CREATED'],
          versions.map((version) => [
            version.id,
            version.name,
            String(version.recordCount),
            version.operations.map((operation) => operation.op).join(' → '),
            version.createdAt.replace('T', ' ').slice(0, 19),
          ]),
        );
      }),
    );

  data
    .command('show')
    .description("a dataset version's data card: counts, lengths, operations, what was dropped and why")
    .argument('<version>', 'a version id or name')
    .action((reference: string) =>
      inWorkspace(program.opts(), 'data show', (context) => {
        const { version } = resolveDataset(context.workspace, reference);
        if (!version)
          throw new ConfigError(`"${reference}" is a file, not a dataset version`, {
            hint: 'tailor data list shows the versions.',
          });
        if (context.json) printJson({ ...version, card: readDataCard(version) });
        else process.stdout.write(`${readDataCard(version)}\nHTML card: ${version.htmlPath}\n`);
      }),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The task and the input a step reads, from `--from` and `--name`. */
function stepContext(context: WorkspaceContext, options: { from: string; name?: string }): StepContext {
  const task = loadTask(context.workspace);
  return {
    workspace: context.workspace,
    task,
    input: resolveDataset(context.workspace, options.from, task),
    ...(options.name ? { name: options.name } : {}),
  };
}

/** `--min schema=1 --min fields=0.8` as grader → least score; an unknown grader is curate's to report. */
function parseMinimumScores(values: readonly string[]): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const value of values) {
    const match = /^([^=]+)=(.+)$/.exec(value);
    const score = Number(match?.[2]);
    if (!match || !(score >= 0 && score <= 1))
      throw new ConfigError(`--min expects <grader>=<score> with a score from 0 to 1, not "${value}"`, {
        hint: 'e.g. --min fields=0.8',
      });
    scores[match[1]!.trim()] = score;
  }
  return scores;
}

/** One version written (or found already there): its id, counts, why records went, where the card is. */
function printStep(
  context: WorkspaceContext,
  result: StepResult,
  extra: { counts?: unknown; notes?: string[] } = {},
): void {
  const { version, created, operation } = result;
  if (context.json) {
    printJson({ version, created, operation, ...(extra.counts ? { counts: extra.counts } : {}) });
    return;
  }
  const reasons = Object.entries(operation.reasons)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  const lines = [
    `${operation.op}: kept ${operation.kept} of ${operation.input} record(s), dropped ${operation.dropped}${reasons ? ` (${reasons})` : ''}`,
    ...(extra.notes ?? []),
    created
      ? `${version.id} (${version.name}): ${version.recordCount} records · ${version.path}`
      : `Unchanged: these records are already ${version.id} (${version.name}); nothing new written.`,
    `Data card: ${version.cardPath} (and .html); tailor data show ${version.id}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
