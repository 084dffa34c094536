import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  bootstrapMean,
  type Comparison,
  comparePaired,
  curateDataset,
  decontaminateDataset,
  dedupDataset,
  type EvalSummary,
  type ExampleResult,
  grpoConfigSchema,
  loadDataset,
  loadRunResults,
  loadTask,
  modelPool,
  openWorkspace,
  parseJson,
  priceFor,
  readJsonl,
  readOutputs,
  resolveDataset,
  runEval,
  sftConfigSchema,
  TailorError,
  type Task,
  type TaskGrader,
  type TrainSpecialistOptions,
  taskChecks,
  trainSpecialist,
  type Workspace,
  withSplits,
  writeFileAtomic,
} from '../../../src/index.js';
import { renderQuickstartReport } from './report.js';
import type {
  CurationResult,
  ModelColumn,
  QuickstartEvent,
  QuickstartMode,
  QuickstartResult,
  QuickstartState,
  StageName,
} from './result.js';

/**
 * The whole promise on one machine, no API keys, no GPU: on the reference task (clinical notes) with
 * the default model, evaluate the base model on the test split, clean the incumbent's outputs with the
 * task's graders, train an SFT specialist on what is left (optionally GRPO after it), evaluate the
 * specialist on the same test examples, compare the two with paired statistics, and write a report.
 * Library calls only: every step is something a user's own program could do the same way.
 *
 * Every stage records what it produced in `.tailor/quickstart-<mode>.json`; a rerun skips finished
 * stages, and the stages themselves resume (eval runs by their run id, training from its checkpoint).
 */
export interface QuickstartOptions {
  /** Workspace folder; created from the reference task when it holds no tailor.yaml. */
  directory: string;
  /** The reference task's folder (examples/clinical-notes). */
  exampleDirectory: string;
  mode: QuickstartMode;
  rl: boolean;
  threads?: number;
  onEvent?: (event: QuickstartEvent) => void;
}

/** How big each stage is. The full size finishes in about 20 minutes on 2 CPU cores, quick in about 5. */
const sizes = {
  full: {
    testExamples: 40,
    maxTokens: 320,
    sftSteps: 18,
    batchSize: 8,
    microBatchSize: 4,
    learningRate: 1e-3,
    grpoSteps: 4,
  },
  quick: {
    testExamples: 10,
    maxTokens: 256,
    sftSteps: 8,
    batchSize: 4,
    microBatchSize: 4,
    learningRate: 1e-3,
    grpoSteps: 2,
  },
} as const;

/** The graders the quickstart reports: the deterministic ones (see `judgeLeftOut` in report.ts). */
const graderNames = ['schema', 'fields', 'medications'];

export async function runQuickstart(options: QuickstartOptions): Promise<QuickstartResult> {
  const size = sizes[options.mode];
  const emit = options.onEvent ?? (() => {});
  prepareWorkspace(options.directory, options.exampleDirectory);
  const workspace = openWorkspace(options.directory);
  const stateFile = join(
    workspace.paths.dataDirectory,
    `quickstart-${options.mode}${options.rl ? '-rl' : ''}.json`,
  );
  const state: QuickstartState = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, 'utf8')) as QuickstartState)
    : { mode: options.mode, rl: options.rl, stages: {} };
  const stages: StageName[] = [
    'base-eval',
    'incumbent-eval',
    'curate',
    'sft',
    ...(options.rl ? (['grpo'] as const) : []),
    'specialist-eval',
    'compare',
    'report',
  ];
  const models = modelPool({ config: workspace.config, store: workspace.store });

  /** Run a stage unless the state file says it finished; record its artifacts and time. */
  const stage = async <T extends Record<string, unknown>>(
    name: StageName,
    detail: string,
    work: () => Promise<T>,
  ): Promise<T> => {
    const done = state.stages[name];
    emit({
      type: 'stage',
      index: stages.indexOf(name) + 1,
      total: stages.length,
      stage: name,
      detail,
      skipped: !!done,
    });
    if (done) return done.artifacts as T;
    const started = performance.now();
    const artifacts = await work();
    state.stages[name] = { seconds: (performance.now() - started) / 1000, artifacts };
    writeFileAtomic(stateFile, `${JSON.stringify(state, null, 2)}\n`);
    return artifacts;
  };

  try {
    const task = loadTask(workspace);
    const graders = await task.createGraders({ select: graderNames });
    const testPath = task.data.test!;
    const testRecords = loadDataset(testPath, taskChecks(task, { withVariables: true })).slice(
      0,
      size.testExamples,
    );

    const evaluate = async (stageName: StageName, reference: string) => {
      const model = await models.get(reference);
      const { summary, results } = await runEval({
        task,
        model,
        modelLabel: model.id,
        datasetPath: testPath,
        records: testRecords,
        graders,
        store: workspace.store,
        concurrency: workspace.config.llama.parallel,
        maxTokens: size.maxTokens,
        onProgress: ({ done, total, meanScore }) =>
          emit({ type: 'progress', stage: stageName, done, total, note: ` · score ${meanScore.toFixed(3)}` }),
      });
      return column(reference, summary, results);
    };

    // (a) the base model on the test split
    const base = await stage(
      'base-eval',
      `${workspace.config.defaultModel} on ${testRecords.length} test notes`,
      async () => ({ column: await evaluate('base-eval', workspace.config.defaultModel) }),
    );

    // (b) the incumbent's outputs on the same test notes: the model the specialist must beat, graded
    // the same way and priced as the API model it stands for (its tokens estimated, not measured).
    const incumbent = await stage(
      'incumbent-eval',
      `the incumbent's outputs on the same ${testRecords.length} test notes`,
      async () => {
        const outputs = readOutputs(join(options.directory, 'incumbent', 'test-outputs.jsonl'));
        const price = priceFor(workspace.config.prices, incumbentPricedAs);
        const { summary, results } = await runEval({
          task,
          model: undefined,
          modelLabel: 'incumbent',
          datasetPath: testPath,
          records: testRecords.map((record) => ({ ...record, output: outputs.get(record.id) })),
          graders,
          store: workspace.store,
          concurrency: 1,
          maxTokens: size.maxTokens,
          ...(price ? { pricedAs: { model: incumbentPricedAs, ...price } } : {}),
        });
        return { column: column('incumbent (test outputs)', summary, results) };
      },
    );

    // (c) the data stage on the incumbent's train outputs: curated, deduplicated, decontaminated
    const curation = await stage(
      'curate',
      "the data stage on the incumbent's 1,200 train outputs",
      async () => {
        const result = await curateIncumbent(workspace, task, graders, options.directory);
        emit({
          type: 'note',
          text: `kept ${result.kept} of ${result.incumbentOutputs}; caught ${result.knownBadCaught} of ${result.knownBad} known-bad outputs, dropped ${result.goodDropped} good ones; then ${result.duplicatesDropped} near duplicates and ${result.contaminatedDropped} overlapping validation or test dropped: ${result.trainingExamples} examples in ${result.datasetVersion} (data card ${result.dataCard})`,
        });
        return { curation: result };
      },
    );

    // (c) SFT on what is left
    const curatedTask = withSplits(task, { curated: curation.curation.file });
    const train = async (name: string, method: TrainSpecialistOptions['method']) => {
      const previous = workspace.store.training
        .specialists()
        .filter((specialist) => specialist.name === name)
        .at(-1);
      const run = workspace.store.training.run(name);
      if (previous && run?.status === 'finished') return previous;
      const result = await trainSpecialist({
        workspace,
        task: curatedTask,
        name,
        base: workspace.config.defaultModel,
        method,
        trainSplit: 'curated',
        resume: true,
        ...(options.threads ? { threads: options.threads } : {}),
        consistencyExamples: 2,
        onEvent: (event) => {
          if (event.type === 'step-end')
            emit({
              type: 'progress',
              stage: method.kind === 'sft' ? 'sft' : 'grpo',
              done: event.step,
              total: event.totalSteps,
              note: ` · loss ${event.loss.toFixed(3)}`,
            });
          else if (event.type === 'validation-end')
            emit({
              type: 'note',
              text: `validation ${event.metric} ${event.loss.toFixed(4)} at step ${event.step}`,
            });
          else if (event.type === 'grpo-step')
            emit({
              type: 'note',
              text: `GRPO step ${event.step}: reward ${event.metrics.rewardMean!.toFixed(3)}`,
            });
        },
      });
      return result.specialist;
    };
    const prefix = options.mode === 'quick' ? 'quickstart-quick' : 'quickstart';
    const sft = await stage(
      'sft',
      `LoRA on the ${curation.curation.trainingExamples} examples of ${curation.curation.datasetVersion}, ${size.sftSteps} steps of ${size.batchSize}`,
      async () => {
        const specialist = await train(`${prefix}-sft`, {
          kind: 'sft',
          config: sftConfigSchema.parse({
            maxSteps: size.sftSteps,
            batchSize: size.batchSize,
            microBatchSize: size.microBatchSize,
            learningRate: size.learningRate,
            warmupSteps: Math.min(5, Math.floor(size.sftSteps / 4)),
            evalEvery: size.sftSteps,
            checkpointEvery: Math.max(2, Math.floor(size.sftSteps / 3)),
            validationExamples: 8,
          }),
        });
        return { specialist: specialist.name, version: specialist.version, adapter: specialist.adapterPath };
      },
    );

    // (d) optionally, a short GRPO after SFT with the deterministic graders as the reward
    let finalName = sft.specialist as string;
    if (options.rl) {
      const rl = await stage('grpo', `${size.grpoSteps} GRPO steps from ${finalName}`, async () => {
        const specialist = await train(`${prefix}-grpo`, {
          kind: 'grpo',
          initFrom: finalName,
          graders,
          contextSize: workspace.config.llama.contextSize,
          config: grpoConfigSchema.parse({
            steps: size.grpoSteps,
            promptsPerStep: 2,
            groupSize: 4,
            maxTokens: size.maxTokens,
            learningRate: 5e-5,
            rewards: { fields: 1, medications: 1 },
            monitor: 'schema',
            monitorWindow: 1,
            evalEvery: size.grpoSteps,
            checkpointEvery: size.grpoSteps,
            validationExamples: 4,
          }),
        });
        return { specialist: specialist.name, version: specialist.version, adapter: specialist.adapterPath };
      });
      finalName = rl.specialist as string;
    }

    // (e) the specialist on the same test examples
    const specialist = await stage(
      'specialist-eval',
      `llama:${finalName} on the same test notes`,
      async () => ({
        column: await evaluate('specialist-eval', `llama:${finalName}`),
      }),
    );

    // (f) paired statistics
    const compared = await stage('compare', 'paired bootstrap, sign and McNemar tests', async () => {
      const ids = new Set(testRecords.map((record) => record.id));
      const paired = (a: ModelColumn, b: ModelColumn) => {
        const left = perExample(workspace, a.runId, ids);
        const right = perExample(workspace, b.runId, ids);
        return comparePaired(
          [...left]
            .filter(([id]) => right.has(id))
            .map(([id, scoreA]) => ({
              exampleId: id,
              scoreA: scoreA.score,
              scoreB: right.get(id)!.score,
              passA: scoreA.pass,
              passB: right.get(id)!.pass,
            })),
        );
      };
      const specialistColumn = specialist.column as ModelColumn;
      return {
        comparison: paired(base.column as ModelColumn, specialistColumn),
        versusIncumbent: paired(incumbent.column as ModelColumn, specialistColumn),
      };
    });

    const totalSeconds = Object.values(state.stages).reduce((sum, entry) => sum + (entry?.seconds ?? 0), 0);
    const result: QuickstartResult = {
      state,
      base: base.column as ModelColumn,
      specialist: specialist.column as ModelColumn,
      incumbent: incumbent.column as ModelColumn,
      comparison: compared.comparison as Comparison,
      versusIncumbent: compared.versusIncumbent as Comparison,
      curation: curation.curation as CurationResult,
      specialistName: finalName,
      reportPath: join(options.directory, 'report.html'),
      totalSeconds,
      directory: options.directory,
    };

    // (g) the report
    await stage('report', result.reportPath, async () => {
      writeFileAtomic(result.reportPath, renderQuickstartReport(result));
      return { report: result.reportPath };
    });
    result.totalSeconds = Object.values(state.stages).reduce((sum, entry) => sum + (entry?.seconds ?? 0), 0);
    return result;
  } finally {
    await models.closeAll();
    workspace.close();
  }
}

/** Copy the reference task into an empty folder (never over a file that is already there). */
function prepareWorkspace(directory: string, exampleDirectory: string): void {
  if (existsSync(join(directory, 'tailor.yaml'))) return;
  if (!existsSync(join(exampleDirectory, 'tailor.yaml')))
    throw new TailorError(
      'not-found',
      `the reference task is missing: no tailor.yaml in ${exampleDirectory}`,
    );
  // The splits (train, validation, test) come as the whole data folder.
  if (!existsSync(join(directory, 'data')))
    cpSync(join(exampleDirectory, 'data'), join(directory, 'data'), { recursive: true });
  for (const file of [
    'tailor.yaml',
    'schema.json',
    'input.schema.json',
    'incumbent/train-outputs.jsonl',
    'incumbent/answers.hidden.jsonl',
    'incumbent/test-outputs.jsonl',
  ]) {
    const target = join(directory, file);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(exampleDirectory, file), target);
  }
}

/**
 * The data stage on the incumbent's train outputs, as `tailor data curate | dedup | decontaminate`
 * run it: graded against the references (every grader must pass), near duplicates dropped, anything
 * overlapping the validation or test notes dropped, each step a dataset version with its data card.
 * The last version is the SFT data. The curation is then checked against the generator's hidden list
 * of wrong outputs, which no step reads.
 */
async function curateIncumbent(
  workspace: Workspace,
  task: Task,
  graders: TaskGrader[],
  directory: string,
): Promise<CurationResult> {
  const outputsPath = join(directory, 'incumbent', 'train-outputs.jsonl');
  const curated = await curateDataset({
    workspace,
    task,
    input: resolveDataset(workspace, 'train', task),
    outputs: readOutputs(outputsPath),
    outputsPath,
    graders,
    name: 'incumbent-curated',
  });
  const deduped = dedupDataset({
    workspace,
    task,
    input: resolveDataset(workspace, curated.version.id, task),
    name: 'incumbent-curated-deduped',
  });
  const clean = decontaminateDataset({
    workspace,
    task,
    input: resolveDataset(workspace, deduped.version.id, task),
    name: 'incumbent-sft-data',
  });

  const known = new Map(
    readJsonl<{ id: string; errors: string[] }>(join(directory, 'incumbent', 'answers.hidden.jsonl')).map(
      (entry) => [entry.id, entry.errors.length > 0],
    ),
  );
  let knownBad = 0;
  let knownBadCaught = 0;
  let goodDropped = 0;
  for (const example of curated.curation.examples) {
    const bad = known.get(example.record.id) === true;
    if (bad) knownBad += 1;
    if (bad && !example.kept) knownBadCaught += 1;
    if (!bad && !example.kept) goodDropped += 1;
  }
  return {
    incumbentOutputs: curated.curation.counts.outputs,
    kept: curated.curation.counts.kept,
    dropped: curated.curation.counts.dropped,
    knownBad,
    knownBadCaught,
    goodDropped,
    duplicatesDropped: deduped.operation.dropped,
    contaminatedDropped: clean.operation.dropped,
    trainingExamples: clean.version.recordCount,
    datasetVersion: clean.version.id,
    dataCard: clean.version.htmlPath,
    file: clean.version.path,
  };
}

/** The API model the incumbent stands for; its price is in the example's tailor.yaml. */
const incumbentPricedAs = 'openai:gpt-4.1-mini';

function column(label: string, summary: EvalSummary, results: ExampleResult[]): ModelColumn {
  const measured = summary.economics.latency === 'measured';
  return {
    label,
    runId: summary.runId,
    overall: summary.overall,
    graders: Object.fromEntries(summary.graders.map((grader) => [grader.name, grader.score])),
    jsonValid: bootstrapMean(results.map((result) => (parseJson(result.output) !== undefined ? 1 : 0))),
    // Supplied outputs were not timed here; their tokens and cost are estimates at an API price.
    latencyP50Ms: measured ? summary.latencyMs.p50 : Number.NaN,
    outputTokensPerRequest: summary.tokensPerRequest.output,
    tokensEstimated: summary.economics.tokens === 'estimated',
    costPer1000Requests: summary.costPer1000Requests,
  };
}

function perExample(
  workspace: Workspace,
  runId: string,
  ids: Set<string>,
): Map<string, { score: number; pass: boolean }> {
  const run = loadRunResults(workspace.store, runId);
  if (!run) throw new TailorError('not-found', `eval run ${runId} is missing from the workspace`);
  return new Map(
    run.results
      .filter((result) => ids.has(result.exampleId))
      .map((result) => [result.exampleId, { score: result.score, pass: result.pass }]),
  );
}
