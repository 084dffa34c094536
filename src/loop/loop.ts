import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ChatModel } from '../core/chat-model.js';
import { ConfigError, TailorError } from '../core/errors.js';
import type { LoopConfig } from '../core/loop-config.js';
import { sftConfigSchema } from '../core/train-config.js';
import { decontaminateDataset } from '../data/dataset-steps.js';
import { resolveDataset, saveDatasetVersion, taskWithTrainingData } from '../data/dataset-version.js';
import { type ExampleResult, runEval } from '../evals/runner.js';
import { trafficDataset } from '../serve/traffic.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { LoopIterationRecord } from '../store/loop-repository.js';
import type { Workspace } from '../store/workspace.js';
import { type EvalRecord, loadDataset, taskChecks } from '../task/dataset.js';
import { gradeOutput } from '../task/grading.js';
import type { Task, TaskGrader } from '../task/task.js';
import { promoteSpecialist } from '../train/aliases.js';
import { trainSpecialist } from '../train/specialist.js';
import { type GateResult, type GateVerdict, loopGate } from './gate.js';

/**
 * `tailor loop run`: one iteration of the loop that turns production traffic into the next version
 * of a specialist, and ships it only behind the gate (gate.ts). Steps, each recorded before the next
 * starts, so a killed iteration resumes where it stopped (`tailor loop run` again):
 *
 *   data    captured traffic up to the iteration's start: answers an expert failed are dropped, an
 *           expert's correction replaces the answer, the rest is curated with `loop.data.graders`;
 *           with the task's train split, saved as a dataset version and decontaminated against the
 *           task's validation and test splits (the gate's set among them)
 *   train   SFT from the base with the task's `train.sft` settings and `loop.train` over them, as the
 *           next version of the specialist (its own training run, resumed from its checkpoint)
 *   eval    prod (`<name>@prod`) and the candidate on the pinned set and the anchors (eval runs are
 *           keyed by what they evaluate, so a resumed eval continues rather than starts over)
 *   gate    promote the candidate to @prod if the gate holds; otherwise keep prod and say why
 *
 * Every iteration writes a report (`.tailor/artifacts/loop-<name>-<n>.md`), which the alias move
 * records as the report it rests on.
 */

export class LoopError extends TailorError {
  constructor(message: string, options: { hint?: string } = {}) {
    super('loop', message, options);
  }
}

export interface LoopState {
  dataset?: {
    id: string;
    traffic: number;
    corrected: number;
    droppedByExperts: number;
    curatedOut: number;
    train: number;
    decontaminated: number;
    records: number;
  };
  training?: { runId: string; version: number };
  prodVersion?: number;
  evals?: { prod: string; candidate: string; anchorsProd?: string; anchorsCandidate?: string };
  verdict?: GateVerdict;
  report?: string;
  error?: string;
}

export type LoopEvent =
  | { type: 'step'; iteration: number; step: string; detail: string }
  | { type: 'progress'; stage: string; done: number; total: number };

export interface LoopDependencies {
  workspace: Workspace;
  task: Task;
  /** Opens the models the evals and LLM-judge graders need (the CLI passes its model pool). */
  modelFor: (reference: string) => Promise<ChatModel>;
  threads?: number;
  onEvent?: (event: LoopEvent) => void;
}

export interface LoopStatus {
  config: LoopConfig;
  prod: number | undefined;
  last: LoopIterationRecord | undefined;
  newTraffic: number;
  newFeedback: number;
  due: boolean;
  why: string;
}

export function loopConfigOf(workspace: Workspace): LoopConfig {
  const config = workspace.config.loop;
  if (!config)
    throw new ConfigError('tailor.yaml has no loop: section', {
      hint: 'Add one (loop: {specialist: <name>, ...}); docs/cli.md#tailor-loop describes it.',
    });
  return config;
}

/** Whether an iteration is due: the trigger's counts since the last finished iteration. */
export function loopStatus(workspace: Workspace): LoopStatus {
  const config = loopConfigOf(workspace);
  const store = workspace.store;
  const last = store.loop.iterations(config.specialist)[0];
  const since = store.loop
    .iterations(config.specialist)
    .find((entry) => entry.status !== 'failed')?.trafficUntil;
  const newTraffic = store.loop.trafficSince(since, config.traffic);
  const newFeedback = store.loop.feedbackSince(since);
  const prod = store.training.alias(config.specialist, 'prod')?.version;
  const trafficDue = newTraffic >= config.trigger.traffic;
  const feedbackDue = config.trigger.feedback !== undefined && newFeedback >= config.trigger.feedback;
  const due = last?.status === 'running' || trafficDue || feedbackDue;
  const why =
    last?.status === 'running'
      ? `iteration ${last.id} stopped at its ${last.step} step and resumes`
      : trafficDue
        ? `${newTraffic} new traffic records (trigger: ${config.trigger.traffic})`
        : feedbackDue
          ? `${newFeedback} new feedback labels (trigger: ${config.trigger.feedback})`
          : `${newTraffic} of ${config.trigger.traffic} new traffic records${config.trigger.feedback !== undefined ? `, ${newFeedback} of ${config.trigger.feedback} feedback labels` : ''}`;
  return { config, prod, last, newTraffic, newFeedback, due, why };
}

/**
 * Run an iteration if one is due (or `force`), resuming an unfinished one first. Returns the
 * iteration, or undefined when nothing was due.
 */
export async function runLoop(
  dependencies: LoopDependencies,
  { force = false }: { force?: boolean } = {},
): Promise<LoopIterationRecord | undefined> {
  const { workspace } = dependencies;
  const status = loopStatus(workspace);
  const config = status.config;
  if (!status.due && !force) return undefined;
  if (status.prod === undefined)
    throw new LoopError(
      `${config.specialist}@prod does not exist: the gate compares every candidate with prod`,
      {
        hint: `Train a first version and promote it: tailor models promote ${config.specialist} 1 --reason "first version"`,
      },
    );
  const store = workspace.store;
  const iteration =
    status.last?.status === 'running'
      ? status.last
      : store.loop.start(config.specialist, new Date().toISOString(), 'data');
  const state = iteration.state as LoopState;
  const emit = dependencies.onEvent ?? (() => {});
  const step = (name: string, detail: string) =>
    emit({ type: 'step', iteration: iteration.id, step: name, detail });
  try {
    if (iteration.step === 'data') {
      state.dataset = await buildDataset(
        dependencies,
        config,
        iteration,
        await curationGraders(dependencies, config),
      );
      step('data', `${state.dataset.records} records (${state.dataset.id})`);
      store.loop.advance(iteration.id, 'train', state);
      iteration.step = 'train';
    }
    if (iteration.step === 'train') {
      state.prodVersion = status.prod;
      state.training = await retrain(dependencies, config, iteration, state);
      step('train', `${config.specialist} v${state.training.version} (run ${state.training.runId})`);
      store.loop.advance(iteration.id, 'eval', state);
      iteration.step = 'eval';
    }
    if (iteration.step === 'eval' || iteration.step === 'gate') {
      const verdict = await evaluateAndGate(dependencies, config, state);
      state.verdict = verdict;
      state.report = writeReport(workspace, config, iteration, state);
      step('gate', verdict.reason);
      if (verdict.passed) {
        promoteSpecialist(store, {
          name: config.specialist,
          alias: 'prod',
          version: state.training!.version,
          reason: `tailor loop iteration ${iteration.id}: ${verdict.reason}`,
          actor: 'tailor loop',
          report: state.report,
        });
      }
      store.loop.finish(iteration.id, verdict.passed ? 'promoted' : 'kept', state);
    }
  } catch (error) {
    // The iteration stays `running` at its step: the next `tailor loop run` resumes it. Only an
    // error that a rerun cannot fix marks it failed.
    if (error instanceof ConfigError || error instanceof LoopError) {
      state.error = (error as Error).message;
      store.loop.finish(iteration.id, 'failed', state);
    }
    throw error;
  }
  return store.loop.iterations(config.specialist).find((entry) => entry.id === iteration.id);
}

async function curationGraders(dependencies: LoopDependencies, config: LoopConfig): Promise<TaskGrader[]> {
  if (config.data.graders.length === 0) return [];
  return dependencies.task.createGraders({
    select: config.data.graders,
    judgeFor: (reference) => dependencies.modelFor(reference ?? dependencies.workspace.config.defaultModel),
  });
}

async function buildDataset(
  dependencies: LoopDependencies,
  config: LoopConfig,
  iteration: LoopIterationRecord,
  graders: TaskGrader[],
): Promise<NonNullable<LoopState['dataset']>> {
  const { workspace, task } = dependencies;
  const store = workspace.store;
  const traffic = trafficDataset(store, { model: config.traffic, until: iteration.trafficUntil });
  const records: EvalRecord[] = [];
  let corrected = 0;
  let droppedByExperts = 0;
  let curatedOut = 0;
  for (const [index, entry] of traffic.entries()) {
    dependencies.onEvent?.({ type: 'progress', stage: 'curate', done: index + 1, total: traffic.length });
    const label = store.labels.latestOnItem(`traffic:${entry.id}`);
    const correction = label ? (label.meta as { correction?: string }).correction : undefined;
    if (label?.pass === false && correction === undefined) {
      droppedByExperts++;
      continue;
    }
    const messages = entry.messages as { role: 'system' | 'user' | 'assistant'; content: string }[];
    const prompt = messages.slice(0, -1);
    const answer = messages.at(-1)!.content;
    if (correction !== undefined) corrected++;
    else if (graders.length > 0) {
      const graded = await gradeOutput(
        graders,
        { input: { messages: prompt }, reference: undefined },
        answer,
      );
      if (!Object.values(graded.grades).every((grade) => grade.error === undefined && grade.pass === true)) {
        curatedOut++;
        continue;
      }
    }
    records.push({
      id: `traffic:${entry.id}`,
      input: { messages: prompt },
      reference: answer,
      output: undefined,
      messages: prompt,
    });
  }
  const train = config.data.includeTrain ? loadDataset(task.split('train'), taskChecks(task)) : [];
  const all = [...train, ...records];
  if (all.length === 0)
    throw new LoopError('no training data: no usable traffic, and loop.data.includeTrain is off');
  const { version } = saveDatasetVersion(store, workspace.paths, {
    records: all,
    name: `${config.specialist}-loop-${iteration.id}`,
    source: `tailor loop iteration ${iteration.id}: traffic${config.traffic ? ` of ${config.traffic}` : ''} until ${iteration.trafficUntil}${config.data.includeTrain ? ' and the train split' : ''}`,
    operation: {
      op: 'loop-data',
      params: { graders: config.data.graders, includeTrain: config.data.includeTrain },
      input: traffic.length + train.length,
      kept: all.length,
      dropped: droppedByExperts + curatedOut,
      reasons: {
        ...(droppedByExperts > 0 ? { 'failed by an expert, no correction': droppedByExperts } : {}),
        ...(curatedOut > 0 ? { [`failed ${config.data.graders.join(', ')}`]: curatedOut } : {}),
      },
    },
  });
  // Nothing the gate measures on may be trained on, however it arrived in the traffic.
  const clean = decontaminateDataset({
    workspace,
    task,
    input: resolveDataset(workspace, version.id, task),
    name: `${config.specialist}-loop-${iteration.id}`,
  });
  return {
    id: clean.version.id,
    traffic: traffic.length,
    corrected,
    droppedByExperts,
    curatedOut,
    train: train.length,
    decontaminated: clean.operation.dropped,
    records: clean.version.recordCount,
  };
}

async function retrain(
  dependencies: LoopDependencies,
  config: LoopConfig,
  iteration: LoopIterationRecord,
  state: LoopState,
): Promise<NonNullable<LoopState['training']>> {
  const { workspace } = dependencies;
  const store = workspace.store;
  const runId = `${config.specialist}-loop-${iteration.id}`;
  // A run that finished before a kill between its end and this step's record is not trained again.
  const done = store.training
    .specialists()
    .find((entry) => entry.name === config.specialist && entry.trainingRun === runId);
  if (done) return { runId, version: done.version };
  const prod = store.training.specialist(config.specialist, state.prodVersion);
  const { task, trainSplit } = taskWithTrainingData(workspace, dependencies.task, state.dataset!.id);
  const parsed = sftConfigSchema.safeParse({ ...workspace.config.train.sft, ...config.train });
  if (!parsed.success)
    throw new ConfigError(
      `loop.train: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  const result = await trainSpecialist({
    workspace,
    task,
    name: config.specialist,
    runId,
    base: config.base ?? prod?.basePath ?? workspace.config.defaultModel,
    method: { kind: 'sft', config: parsed.data },
    trainSplit,
    resume: existsSync(join(workspace.paths.dataDirectory, 'runs', runId)),
    ...(dependencies.threads ? { threads: dependencies.threads } : {}),
    onEvent: (event) => {
      if (event.type === 'step-end')
        dependencies.onEvent?.({
          type: 'progress',
          stage: 'train',
          done: event.step,
          total: event.totalSteps,
        });
    },
  });
  return { runId, version: result.specialist.version };
}

async function evaluateAndGate(
  dependencies: LoopDependencies,
  config: LoopConfig,
  state: LoopState,
): Promise<GateVerdict> {
  const { workspace, task } = dependencies;
  const graders = await task.createGraders({
    select:
      config.gate.graders ??
      task.graders
        .filter((grader) => grader.type !== 'llm-rubric' && grader.type !== 'pairwise')
        .map((grader) => grader.name),
    judgeFor: (reference) => dependencies.modelFor(reference ?? workspace.config.defaultModel),
  });
  const gateSet = task.split(config.gate.split);
  const anchors = config.gate.anchors ? resolve(workspace.paths.root, config.gate.anchors) : undefined;
  const evaluate = async (version: number, datasetPath: string, limit?: number) => {
    const reference = `llama:${config.specialist}@v${version}`;
    const records = loadDataset(datasetPath, taskChecks(task)).slice(0, limit);
    const model = await dependencies.modelFor(reference);
    const { summary, results } = await runEval({
      task,
      model,
      modelLabel: reference,
      datasetPath,
      records,
      graders,
      store: workspace.store,
      concurrency: workspace.config.llama.parallel,
      maxTokens: config.gate.maxTokens,
      onProgress: ({ done, total }) =>
        dependencies.onEvent?.({ type: 'progress', stage: `eval v${version}`, done, total }),
    });
    return { runId: summary.runId, results: results.map(gateResult) };
  };
  const prod = await evaluate(state.prodVersion!, gateSet, config.gate.limit);
  const candidate = await evaluate(state.training!.version, gateSet, config.gate.limit);
  const anchorRuns = anchors
    ? {
        prod: await evaluate(state.prodVersion!, anchors),
        candidate: await evaluate(state.training!.version, anchors),
      }
    : undefined;
  state.evals = {
    prod: prod.runId,
    candidate: candidate.runId,
    ...(anchorRuns
      ? { anchorsProd: anchorRuns.prod.runId, anchorsCandidate: anchorRuns.candidate.runId }
      : {}),
  };
  return loopGate({
    prod: prod.results,
    candidate: candidate.results,
    ...(anchorRuns
      ? { anchors: { prod: anchorRuns.prod.results, candidate: anchorRuns.candidate.results } }
      : {}),
    minDifference: config.gate.minDifference,
    safety: config.gate.safety,
  });
}

function gateResult(result: ExampleResult): GateResult {
  return {
    exampleId: result.exampleId,
    score: result.score,
    pass: result.pass,
    graders: Object.fromEntries(Object.entries(result.grades).map(([name, grade]) => [name, grade.pass])),
  };
}

function writeReport(
  workspace: Workspace,
  config: LoopConfig,
  iteration: LoopIterationRecord,
  state: LoopState,
): string {
  const verdict = state.verdict!;
  const data = state.dataset!;
  const { comparison } = verdict;
  const lines = [
    `# tailor loop: ${config.specialist}, iteration ${iteration.id}`,
    '',
    `Started ${iteration.startedAt}; traffic captured until ${iteration.trafficUntil}.`,
    '',
    `**${verdict.passed ? `Promoted v${state.training!.version} to ${config.specialist}@prod` : `Kept v${state.prodVersion} as ${config.specialist}@prod`}.** ${verdict.reason}`,
    '',
    '## Data',
    '',
    `Dataset version ${data.id}: ${data.records} records = ${data.train} train references + ${data.traffic - data.droppedByExperts - data.curatedOut} traffic answers (${data.corrected} corrected by experts) − ${data.decontaminated} overlapping the validation or test split. Dropped from the ${data.traffic} traffic records: ${data.droppedByExperts} failed by an expert, ${data.curatedOut} by the curation graders.`,
    '',
    '## Training',
    '',
    `Run ${state.training!.runId} → ${config.specialist} v${state.training!.version}.`,
    '',
    '## Gate',
    '',
    `Pinned set: the ${config.gate.split} split${config.gate.limit ? ` (first ${config.gate.limit})` : ''}; eval runs prod ${state.evals!.prod}, candidate ${state.evals!.candidate}.`,
    `Wins ${comparison.wins} · losses ${comparison.losses} · ties ${comparison.ties} · sign test p ${comparison.signTestP.toPrecision(3)} · McNemar p ${comparison.mcnemarP.toPrecision(3)}.`,
    '',
    '| check | result | detail |',
    '| --- | --- | --- |',
    ...verdict.checks.map(
      (check) =>
        `| ${check.name} | ${check.passed ? 'pass' : 'FAIL'} | ${check.detail.replaceAll('|', '\\|')} |`,
    ),
    '',
  ];
  const path = join(workspace.paths.artifactsDirectory, `loop-${config.specialist}-${iteration.id}.md`);
  writeFileAtomic(path, lines.join('\n'));
  return path;
}
