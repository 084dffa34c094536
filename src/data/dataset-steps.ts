/**
 * The data stage's steps as `tailor data` runs them: read a dataset (a version, a split or a file),
 * apply one step, save what it kept as a new dataset version whose parent is the input version, with
 * the step's counts and drop reasons. The steps themselves (curate, findDuplicates,
 * dropContaminated) know nothing of versions; this file joins them to the store.
 */
import { TailorError } from '../core/errors.js';
import type { WorkspacePaths, WorkspaceStore } from '../store/workspace.js';
import { type EvalRecord, loadDataset, taskChecks } from '../task/dataset.js';
import type { Task, TaskGrader } from '../task/task.js';
import { type Curation, curate } from './curate.js';
import {
  type DatasetOperation,
  type DatasetVersion,
  type DroppedExample,
  type ResolvedDataset,
  type SaveDatasetVersionOptions,
  saveDatasetVersion,
} from './dataset-version.js';
import {
  type ContaminationReport,
  createContaminationIndex,
  type DecontaminationOptions,
  dropContaminated,
  readDatasetSource,
  taskSplitSources,
} from './decontaminate.js';
import { findDuplicates } from './dedup.js';
import { type GenerateDataOptions, type Generation, generateData } from './generate.js';
import { prepareSharedText, recordWords } from './record-ngrams.js';

export interface StepContext {
  workspace: { store: WorkspaceStore; paths: WorkspacePaths };
  task: Task;
  /** The records to work on. */
  input: ResolvedDataset;
  /** The new version's name; default the input's name and the step (`train-deduped`). */
  name?: string;
}

export interface StepResult {
  version: DatasetVersion;
  /** False when these very records were already a version (then that version is returned as it was). */
  created: boolean;
  /** What this step did; the version's last operation only when `created`. */
  operation: DatasetOperation;
}

/** A step kept nothing: an empty version would train nothing, so none is written. */
export class EmptyDatasetError extends TailorError {
  constructor(step: string, input: ResolvedDataset, why: string) {
    super('dataset-empty', `${step} kept no record of ${input.description}: ${why}; nothing written`, {
      hint: 'The data card of a version lists why records were dropped; loosen the step or check its input.',
    });
  }
}

function readRecords(context: StepContext): EvalRecord[] {
  return loadDataset(context.input.path, taskChecks(context.task));
}

function saveStep(
  context: StepContext,
  suffix: string,
  version: Omit<SaveDatasetVersionOptions, 'name' | 'source' | 'parent'> & { source?: string },
): StepResult {
  const { operation } = version;
  if (version.records.length === 0)
    throw new EmptyDatasetError(
      operation.op,
      context.input,
      Object.entries(operation.reasons)
        .map(([reason, count]) => `${reason} ${count}`)
        .join(', ') || 'it had no records',
    );
  const saved = saveDatasetVersion(context.workspace.store, context.workspace.paths, {
    ...version,
    name: context.name ?? `${context.input.name}-${suffix}`,
    // A version made from a version keeps the first source; its parent says which version it was.
    source: version.source ?? context.input.version?.source ?? context.input.description,
    ...(context.input.version ? { parent: context.input.version } : {}),
  });
  return { ...saved, operation };
}

const positive = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));

export interface CurateStepOptions extends StepContext {
  /** `{id, output}` by record id (e.g. `readOutputs`), and the file they came from. */
  outputs: ReadonlyMap<string, string>;
  outputsPath: string;
  graders: TaskGrader[];
  minimumScores?: Readonly<Record<string, number>>;
}

/**
 * Grade the outputs against the input's records and keep those every grader lets through, each with
 * its output as the reference. A record without an output is dropped as `no output`.
 */
export async function curateDataset(
  options: CurateStepOptions,
): Promise<StepResult & { curation: Curation }> {
  const records = readRecords(options);
  const curation = await curate({
    graders: options.graders,
    records,
    outputs: options.outputs,
    ...(options.minimumScores ? { minimumScores: options.minimumScores } : {}),
    outputFormat: options.task.output.format,
  });
  const graded = new Set(curation.examples.map((example) => example.record.id));
  const dropped: DroppedExample[] = [
    ...curation.examples
      .filter((example) => !example.kept)
      .map((example) => ({
        id: example.record.id,
        reason: example.dropReasons.map(({ grader, reason }) => `${grader}: ${reason}`).join('; '),
      })),
    ...records
      .filter((record) => !graded.has(record.id))
      .map((record) => ({ id: record.id, reason: 'no output' })),
  ];
  const result = saveStep(options, 'curated', {
    records: curation.kept,
    source: `outputs ${options.outputsPath} graded against ${options.input.description}`,
    operation: {
      op: 'curate',
      params: {
        outputs: options.outputsPath,
        graders: options.graders.map(({ config }) => config.name),
        ...(options.minimumScores ? { minimumScores: options.minimumScores } : {}),
        outputsWithoutRecord: curation.counts.outputsWithoutRecord,
      },
      input: records.length,
      kept: curation.kept.length,
      dropped: records.length - curation.kept.length,
      reasons: positive({ ...curation.droppedBy, 'no output': curation.counts.recordsWithoutOutput }),
    },
    dropped,
  });
  return { ...result, curation };
}

export interface DedupStepOptions extends StepContext {
  /** Estimated Jaccard similarity at which two records are near duplicates; default 0.8. */
  threshold?: number;
}

/**
 * Drop exact and near duplicates, keeping the first record of each cluster. Records are compared by
 * their own words (`recordWords`: the input's values, chat messages without the task's fixed text):
 * the prompt every record shares would make all of them look alike, and two records with the same
 * input are duplicates as training data whatever their references say.
 */
export function dedupDataset(options: DedupStepOptions): StepResult {
  const records = readRecords(options);
  const shared = prepareSharedText(options.task);
  const threshold = options.threshold ?? 0.8;
  const report = findDuplicates(
    records.map((record) => ({ id: record.id, text: recordWords(shared, record).join(' ') })),
    { threshold },
  );
  const droppedIds = new Set(report.dropped.map((entry) => entry.id));
  const count = (kind: 'exact' | 'near') => report.dropped.filter((entry) => entry.kind === kind).length;
  return saveStep(options, 'deduped', {
    records: records.filter((record) => !droppedIds.has(record.id)),
    operation: {
      op: 'dedup',
      params: { threshold },
      input: records.length,
      kept: records.length - droppedIds.size,
      dropped: droppedIds.size,
      reasons: positive({ 'exact duplicate': count('exact'), 'near duplicate': count('near') }),
    },
    dropped: report.dropped.map((entry) => ({
      id: entry.id,
      reason:
        entry.kind === 'exact'
          ? `exact duplicate of "${entry.duplicateOf}"`
          : `near duplicate of "${entry.duplicateOf}" (similarity ${entry.similarity.toFixed(2)})`,
    })),
  });
}

/**
 * Drop the records that overlap the task's validation or test split (word n-grams, see
 * decontaminate.ts). A task with neither split has nothing to check against, which is an error
 * rather than a version that claims to be clean.
 */
export function decontaminateDataset(
  options: StepContext & DecontaminationOptions,
): StepResult & { report: ContaminationReport } {
  const { task, input } = options;
  const references = taskSplitSources(task);
  if (references.length === 0)
    throw new TailorError(
      'decontamination-invalid',
      'the task has no validation or test split to check against',
      {
        hint: 'Name them under task.data in tailor.yaml.',
      },
    );
  // The input's label in messages. A task split keeps its name, so a validation record is not
  // reported as overlapping itself; anything else is labelled so it cannot pass for a split.
  const label = input.split ?? input.version?.id ?? `file:${input.name}`;
  const source = readDatasetSource(label, input.path, taskChecks(task));
  const index = createContaminationIndex(task, references, options);
  const report = index.check([source]);
  const { kept, dropped } = dropContaminated(source, report);
  const result = saveStep(options, 'decontaminated', {
    records: kept,
    operation: {
      op: 'decontaminate',
      params: { ngram: index.ngram, threshold: index.threshold, against: report.referenceSplits },
      input: source.records.length,
      kept: kept.length,
      dropped: dropped.length,
      reasons: positive(
        Object.fromEntries(
          Object.entries(report.byReferenceSplit).map(([split, count]) => [`overlaps ${split}`, count]),
        ),
      ),
    },
    dropped: dropped.map((entry) => ({ id: entry.record.id, reason: entry.reason })),
  });
  return { ...result, report };
}

export interface GenerateStepOptions
  extends StepContext,
    Omit<GenerateDataOptions, 'task' | 'records' | 'journalPath'> {
  /** Where the teacher's samples are journaled; a rerun with the same path resumes. */
  journalPath: string;
}

/**
 * Distil from a teacher: N samples per input record, graded, the best kept when it passes (see
 * generate.ts), saved as a version whose records' references are the teacher's best answers.
 */
export async function generateDataset(
  options: GenerateStepOptions,
): Promise<StepResult & { generation: Generation }> {
  const records = readRecords(options);
  const generation = await generateData({ ...options, task: options.task, records });
  const rejected = generation.examples.filter((example) => !example.kept);
  const result = saveStep(options, 'generated', {
    records: generation.kept,
    source: `teacher ${options.teacher.id} on ${options.input.description}`,
    operation: {
      op: 'generate',
      params: {
        teacher: options.teacher.id,
        samples: options.samples,
        temperature: options.temperature,
        maxTokens: options.maxTokens,
        seed: options.seed,
        minimumScore: options.minimumScore,
        graders: options.graders.map(({ config }) => config.name),
        teacherCalls: generation.teacher.calls + generation.teacher.resumed,
        teacherInputTokens: generation.teacher.inputTokens,
        teacherOutputTokens: generation.teacher.outputTokens,
        teacherCostUsd: generation.teacher.costUsd,
      },
      input: records.length,
      kept: generation.kept.length,
      dropped: rejected.length,
      reasons: positive({
        [`no sample of ${options.samples} passed`]: rejected.filter(
          (example) => !example.samples[example.best]!.pass,
        ).length,
        [`best sample below ${options.minimumScore}`]: rejected.filter(
          (example) => example.samples[example.best]!.pass,
        ).length,
      }),
    },
    dropped: rejected.map((example) => ({ id: example.record.id, reason: example.reason })),
  });
  return { ...result, generation };
}
