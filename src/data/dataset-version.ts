/**
 * Dataset versions: every step of the data stage (curate, dedup, decontaminate) writes its result as
 * a version named by a hash of its records, so the same records always get the same id and a rerun
 * adds nothing. A version keeps where it came from (its source and parent version) and every
 * operation that made it, with what each kept and dropped and why, and ships a data card (Markdown
 * and HTML) a reviewer can read without opening the JSONL. Training takes a version by id or name
 * (`resolveDataset`), so a specialist's lineage points at exact, inspectable data.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { formatNumber } from '../common/format.js';
import { escapeHtml, htmlPage, reportStyle } from '../common/html.js';
import { quantile } from '../common/statistics.js';
import { ConfigError } from '../core/errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { DatasetVersionRecord, WorkspacePaths, WorkspaceStore } from '../store/workspace.js';
import { type EvalRecord, referenceText } from '../task/dataset.js';
import { type Task, withSplits } from '../task/task.js';
import { datasetJsonl } from './dataset-file.js';

const operationSchema = z.object({
  op: z.string(),
  params: z.record(z.string(), z.unknown()),
  input: z.number(),
  kept: z.number(),
  dropped: z.number(),
  /** Why records were dropped, with how many each; one record may count under several reasons. */
  reasons: z.record(z.string(), z.number()),
});

/** One step that made a version: what it was given, what it kept and dropped, and why. */
export type DatasetOperation = z.infer<typeof operationSchema>;

/** A record a step left out, and why (for the data card). */
export interface DroppedExample {
  id: string;
  reason: string;
}

/** A stored dataset version, with its files' absolute paths. */
export interface DatasetVersion {
  id: string;
  name: string;
  source: string;
  parentId: string | null;
  /** Every operation from the first source to this version, oldest first. */
  operations: DatasetOperation[];
  recordCount: number;
  /** The records (JSONL a task's `data:` can name). */
  path: string;
  /** The data card, Markdown and HTML. */
  cardPath: string;
  htmlPath: string;
  createdAt: string;
}

export interface SaveDatasetVersionOptions {
  records: readonly EvalRecord[];
  name: string;
  source: string;
  /** The version the records were made from, if they came from one: its operations come first. */
  parent?: DatasetVersion;
  /** The step that made these records from the parent (or from the source). */
  operation: DatasetOperation;
  /** The records the step left out; the card shows the first few. */
  dropped?: readonly DroppedExample[];
}

/** How many dropped records the card shows. */
const droppedShown = 5;

/** A version's id: `ds-` and the first 12 hex digits of the SHA-256 of its canonical JSONL. */
export function datasetVersionId(jsonl: string): string {
  return `ds-${createHash('sha256').update(jsonl).digest('hex').slice(0, 12)}`;
}

/**
 * Write the records and their card under `.tailor/datasets/` and record the version. Records already
 * stored under the same id are left as they are (`created: false`): the first version of some content
 * keeps its name, source and card. Files are written before the row, so a row never names a missing file.
 */
export function saveDatasetVersion(
  store: WorkspaceStore,
  paths: WorkspacePaths,
  options: SaveDatasetVersionOptions,
): { version: DatasetVersion; created: boolean } {
  const jsonl = datasetJsonl(options.records);
  const id = datasetVersionId(jsonl);
  const existing = store.datasetVersions.get(id);
  if (existing && existsSync(resolve(paths.root, existing.path))) {
    return { version: fromRecord(existing, paths), created: false };
  }
  const file = join(paths.datasetsDirectory, `${id}.jsonl`);
  const record = {
    id,
    name: options.name,
    source: options.source,
    parentId: options.parent?.id ?? null,
    operations: [...(options.parent?.operations ?? []), options.operation],
    recordCount: options.records.length,
    path: relative(paths.root, file),
  };
  const card = dataCard(record, options.records, options.dropped ?? []);
  writeFileAtomic(file, jsonl);
  writeFileAtomic(join(paths.datasetsDirectory, `${id}.md`), card.markdown);
  writeFileAtomic(join(paths.datasetsDirectory, `${id}.html`), card.html);
  const saved = store.datasetVersions.save(record);
  return { version: fromRecord(saved.version, paths), created: saved.created };
}

export function listDatasetVersions(store: WorkspaceStore, paths: WorkspacePaths): DatasetVersion[] {
  return store.datasetVersions.list().map((record) => fromRecord(record, paths));
}

/** Where a step's or a training run's records come from. */
export interface ResolvedDataset {
  /** The JSONL (or CSV) file to read. */
  path: string;
  /** A short name for messages and for the names of versions made from it. */
  name: string;
  /** How a version's `source` describes it. */
  description: string;
  /** Set when the reference named a stored version. */
  version?: DatasetVersion;
  /** Set when the reference named a split of the task. */
  split?: string;
}

/**
 * What a `--from` or `--data` names, tried in this order: a version id, a version name (it must name
 * one version only: training on the wrong one of two would go unnoticed), a split of the task, a
 * dataset file. Anything else is a ConfigError saying what was tried.
 */
export function resolveDataset(
  workspace: { store: WorkspaceStore; paths: WorkspacePaths },
  reference: string,
  task?: Pick<Task, 'data'>,
): ResolvedDataset {
  const { store, paths } = workspace;
  const byId = store.datasetVersions.get(reference);
  const named = byId ? [byId] : store.datasetVersions.named(reference);
  if (named.length > 1) {
    throw new ConfigError(
      `${named.length} dataset versions are named "${reference}": ${named.map((entry) => entry.id).join(', ')}`,
      { hint: 'Name the one you mean by its id (tailor data list shows them).' },
    );
  }
  if (named.length === 1) {
    const version = fromRecord(named[0]!, paths);
    if (!existsSync(version.path))
      throw new ConfigError(`dataset version ${version.id}'s records are missing: ${version.path}`, {
        hint: 'The .tailor/datasets folder was changed by hand; rerun the step that made the version.',
      });
    return { path: version.path, name: version.name, description: `version ${version.id}`, version };
  }
  const split = task?.data[reference];
  if (split !== undefined)
    return { path: split, name: reference, description: `split ${reference}`, split: reference };
  const file = resolve(reference);
  if (existsSync(file) && statSync(file).isFile()) {
    return { path: file, name: basename(file, extname(file)), description: `file ${file}` };
  }
  const splits = Object.keys(task?.data ?? {});
  throw new ConfigError(
    `no dataset version, version name${splits.length > 0 ? ', split' : ''} or file "${reference}"`,
    {
      hint: `tailor data list shows the versions${splits.length > 0 ? `; the task's splits are ${splits.join(', ')}` : ''}.`,
    },
  );
}

/**
 * A task whose training split is the dataset `reference` names (`tailor train … --data`): the task's
 * own split when it names one (so `--data test` meets the test split's refusal by name), else the
 * dataset added as a split named after the version or file. Everything else about the task, its
 * validation split included, stays as it is, and the test-split guard reads the new split's records.
 */
export function taskWithTrainingData(
  workspace: { store: WorkspaceStore; paths: WorkspacePaths },
  task: Task,
  reference: string,
): { task: Task; trainSplit: string; dataset: ResolvedDataset } {
  const dataset = resolveDataset(workspace, reference, task);
  if (dataset.split !== undefined) return { task, trainSplit: dataset.split, dataset };
  const trainSplit = `data:${dataset.version?.id ?? dataset.name}`;
  return { task: withSplits(task, { [trainSplit]: dataset.path }), trainSplit, dataset };
}

/** The data card's Markdown, for `tailor data show`. */
export function readDataCard(version: DatasetVersion): string {
  if (!existsSync(version.cardPath))
    throw new ConfigError(`the data card of ${version.id} is missing: ${version.cardPath}`);
  return readFileSync(version.cardPath, 'utf8');
}

function fromRecord(record: DatasetVersionRecord, paths: WorkspacePaths): DatasetVersion {
  const operations = z.array(operationSchema).safeParse(record.operations);
  if (!operations.success)
    throw new ConfigError(`dataset version ${record.id} has unreadable operations in the workspace database`);
  const path = resolve(paths.root, record.path);
  return {
    ...record,
    operations: operations.data,
    path,
    cardPath: path.replace(/\.jsonl$/, '.md'),
    htmlPath: path.replace(/\.jsonl$/, '.html'),
  };
}

// ---- the data card ----

interface LengthStats {
  min: number;
  median: number;
  max: number;
}

/** A record's input as text: its chat messages' contents, or its input's values (JSON for non-strings). */
function inputText(record: EvalRecord): string {
  if (record.messages) return record.messages.map((message) => message.content).join('\n');
  return Object.values(record.input)
    .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .join('\n');
}

function lengthStats(lengths: number[]): LengthStats | undefined {
  if (lengths.length === 0) return undefined;
  const sorted = [...lengths].sort((a, b) => a - b);
  return { min: sorted[0]!, median: quantile(sorted, 0.5), max: sorted.at(-1)! };
}

interface CardContent {
  title: string;
  facts: [string, string][];
  lengths: [string, LengthStats | undefined][];
  operations: DatasetOperation[];
  dropped: readonly DroppedExample[];
  droppedTotal: number;
}

function dataCard(
  version: Omit<DatasetVersion, 'cardPath' | 'htmlPath' | 'createdAt'>,
  records: readonly EvalRecord[],
  dropped: readonly DroppedExample[],
): { markdown: string; html: string } {
  const chat = records.filter((record) => record.messages).length;
  const content: CardContent = {
    title: `Dataset ${version.id} · ${version.name}`,
    facts: [
      ['records', `${records.length}${chat > 0 ? ` (${chat} chat)` : ''}`],
      ['source', version.source],
      ['parent', version.parentId ?? 'none'],
      ['file', version.path],
    ],
    lengths: [
      ['input', lengthStats(records.map((record) => inputText(record).length))],
      [
        'reference',
        lengthStats(
          records
            .filter((record) => record.reference !== undefined)
            .map((record) => referenceText(record).length),
        ),
      ],
    ],
    operations: version.operations,
    dropped: dropped.slice(0, droppedShown),
    droppedTotal: dropped.length,
  };
  return { markdown: cardMarkdown(content), html: cardHtml(content) };
}

const lengthCells = (stats: LengthStats | undefined) =>
  stats ? [String(stats.min), formatNumber(stats.median, 0), String(stats.max)] : ['—', '—', '—'];

const describeParams = (params: Record<string, unknown>) =>
  Object.entries(params)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');

const describeReasons = (reasons: Record<string, number>) =>
  Object.entries(reasons)
    .map(([reason, count]) => `${reason}: ${count}`)
    .join('; ') || '—';

const operationHeaders = ['#', 'operation', 'parameters', 'input', 'kept', 'dropped', 'drop reasons'];

const operationCells = (operation: DatasetOperation, index: number) => [
  String(index + 1),
  operation.op,
  describeParams(operation.params),
  String(operation.input),
  String(operation.kept),
  String(operation.dropped),
  describeReasons(operation.reasons),
];

const lastOperation = (content: CardContent) => content.operations.at(-1)?.op ?? 'the last step';

function cardMarkdown(content: CardContent): string {
  const row = (cells: string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  const lines = [
    `# ${content.title}`,
    '',
    ...content.facts.map(([key, value]) => `- ${key}: ${value}`),
    '',
    '## Lengths (characters)',
    '',
    row(['', 'min', 'median', 'max']),
    row(['---', '---', '---', '---']),
    ...content.lengths.map(([label, stats]) => row([label, ...lengthCells(stats)])),
    '',
    '## Operations',
    '',
    row(operationHeaders),
    row(operationHeaders.map(() => '---')),
    ...content.operations.map((operation, index) => row(operationCells(operation, index))),
  ];
  if (content.dropped.length > 0) {
    lines.push(
      '',
      `## Dropped by ${lastOperation(content)} (${content.dropped.length} of ${content.droppedTotal})`,
      '',
      ...content.dropped.map((entry) => `- \`${entry.id}\`: ${entry.reason}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function cardHtml(content: CardContent): string {
  const cells = (tag: 'td' | 'th', values: string[]) =>
    `<tr>${values.map((value) => `<${tag}>${escapeHtml(value)}</${tag}>`).join('')}</tr>`;
  const body = [
    `<h1>${escapeHtml(content.title)}</h1>`,
    `<table>${content.facts.map(([key, value]) => cells('td', [key, value])).join('')}</table>`,
    '<h2>Lengths (characters)</h2>',
    `<table>${cells('th', ['', 'min', 'median', 'max'])}${content.lengths
      .map(([label, stats]) => cells('td', [label, ...lengthCells(stats)]))
      .join('')}</table>`,
    '<h2>Operations</h2>',
    `<table>${cells('th', operationHeaders)}${content.operations
      .map((operation, index) => cells('td', operationCells(operation, index)))
      .join('')}</table>`,
  ];
  if (content.dropped.length > 0) {
    body.push(
      `<h2>Dropped by ${escapeHtml(lastOperation(content))} (${content.dropped.length} of ${content.droppedTotal})</h2>`,
      `<table>${cells('th', ['record', 'why'])}${content.dropped
        .map((entry) => cells('td', [entry.id, entry.reason]))
        .join('')}</table>`,
    );
  }
  return htmlPage({ title: content.title, style: reportStyle, body: body.join('\n') });
}
