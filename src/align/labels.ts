import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { JsonlError, parseJsonLines, readTextFile } from '../common/jsonl.js';
import { TailorError } from '../core/errors.js';
import type { LabelRecord } from '../store/label-repository.js';
import type { WorkspaceStore } from '../store/workspace.js';
import { type EvalRecord, loadDataset, taskChecks } from '../task/dataset.js';
import type { Task } from '../task/task.js';

/**
 * Expert labels: what domain experts said about outputs. One label is one annotator's verdict on one
 * item (an output for an example, or a pair of outputs): pass/fail, a 1–5 score and/or a pairwise
 * preference, with a critique. Stored with provenance (file, line, import time), several annotators
 * per item; judge alignment measures judges against them. The store keeps them as they are here
 * (`LabelRecord`); reading label files and deciding what counts as a change are this file's.
 */
export type Label = LabelRecord;

export class LabelsError extends TailorError {
  constructor(message: string, options: { hint?: string } = {}) {
    super('labels-invalid', message, options);
  }
}

export interface LabelProblem {
  line: number;
  message: string;
}

const known = new Set([
  'item_id',
  'example_id',
  'id',
  'output',
  'output_b',
  'annotator',
  'pass',
  'label',
  'score',
  'preference',
  'critique',
  'time',
  'labelled_at',
]);

/**
 * Read a JSONL or CSV label file. Columns: `example_id` (or `id`), `output`, `annotator`, at least one
 * of `pass` (true/false, pass/fail, 1/0; `label` is an alias), `score` (integer 1–5), `preference`
 * (A, B or tie, with `output_b`); optional `critique`, `time` (ISO 8601), `item_id`. Every row is
 * checked; problems come back with their line numbers.
 */
export function parseLabelFile(path: string): { labels: Label[]; problems: LabelProblem[] } {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (error) {
    if (error instanceof JsonlError) throw error;
    throw new LabelsError(`Cannot read labels ${path}: ${(error as Error).message}`);
  }
  const rows: { line: number; row: unknown }[] = [];
  const problems: LabelProblem[] = [];
  if (path.toLowerCase().endsWith('.csv')) {
    let records: Record<string, string>[];
    try {
      records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, info: false }) as Record<
        string,
        string
      >[];
    } catch (error) {
      throw new LabelsError(`${path} is not valid CSV: ${(error as Error).message}`);
    }
    records.forEach((row, index) => {
      rows.push({
        line: index + 2,
        row: Object.fromEntries(Object.entries(row).filter(([, value]) => value !== '')),
      });
    });
  } else {
    for (const { line, value, error } of parseJsonLines(text)) {
      if (error !== undefined) problems.push({ line, message: `not JSON (${error})` });
      else rows.push({ line, row: value });
    }
  }
  const labels: Label[] = [];
  const seen = new Map<string, number>();
  const sourceFile = resolve(path);
  for (const { line, row } of rows) {
    const result = toLabel(row, line, sourceFile);
    if (typeof result === 'string') {
      problems.push({ line, message: result });
      continue;
    }
    const key = `${result.itemId}\u0000${result.annotator}`;
    if (seen.has(key)) {
      problems.push({
        line,
        message: `annotator "${result.annotator}" already labelled this item on line ${seen.get(key)}`,
      });
      continue;
    }
    seen.set(key, line);
    labels.push(result);
  }
  problems.sort((a, b) => a.line - b.line);
  return { labels, problems };
}

function toLabel(row: unknown, line: number, sourceFile: string): Label | string {
  if (!row || typeof row !== 'object' || Array.isArray(row)) return 'expected an object';
  const record = row as Record<string, unknown>;
  const text = (field: string) =>
    typeof record[field] === 'string' || typeof record[field] === 'number'
      ? String(record[field])
      : undefined;
  const exampleId = text('example_id') ?? text('id');
  if (!exampleId) return 'field "example_id" is missing (the example the output answers)';
  const output = record.output;
  if (typeof output !== 'string') return 'field "output" must be a string (the labelled output)';
  const annotator = text('annotator');
  if (!annotator) return 'field "annotator" is missing';

  const passValue = record.pass ?? record.label;
  let pass: boolean | undefined;
  if (passValue !== undefined) {
    const normalised = String(passValue).trim().toLowerCase();
    if (['true', 'pass', '1', 'yes'].includes(normalised)) pass = true;
    else if (['false', 'fail', '0', 'no'].includes(normalised)) pass = false;
    else return `field "pass" must be true/false or pass/fail, got ${JSON.stringify(passValue)}`;
  }
  let score: number | undefined;
  if (record.score !== undefined) {
    score = Number(record.score);
    if (!Number.isInteger(score) || score < 1 || score > 5)
      return `field "score" must be an integer from 1 to 5, got ${JSON.stringify(record.score)}`;
  }
  let preference: Label['preference'];
  if (record.preference !== undefined) {
    const value = String(record.preference).trim();
    const normalised = value.toLowerCase() === 'tie' ? 'tie' : value.toUpperCase();
    if (normalised !== 'A' && normalised !== 'B' && normalised !== 'tie')
      return `field "preference" must be A, B or tie, got ${JSON.stringify(record.preference)}`;
    preference = normalised;
    if (typeof record.output_b !== 'string') return 'field "output_b" is required with a preference';
  }
  if (pass === undefined && score === undefined && preference === undefined)
    return 'no label: give at least one of "pass", "score" or "preference"';
  const time = text('time') ?? text('labelled_at');
  if (time !== undefined && Number.isNaN(Date.parse(time)))
    return `field "time" must be an ISO 8601 date, got ${JSON.stringify(time)}`;
  const outputB = typeof record.output_b === 'string' ? record.output_b : undefined;
  const itemId = text('item_id') ?? defaultItemId(exampleId, output, outputB);
  return {
    itemId,
    exampleId,
    output,
    outputB,
    annotator,
    pass,
    score,
    preference,
    critique: text('critique'),
    labelledAt: time,
    meta: Object.fromEntries(Object.entries(record).filter(([key]) => !known.has(key))),
    sourceFile,
    sourceLine: line,
  };
}

/** An item is an example's output (or pair of outputs); labels of the same output group together. */
export function defaultItemId(exampleId: string, output: string, outputB?: string): string {
  const hash = createHash('sha256').update(output);
  if (outputB !== undefined) hash.update('\u0000').update(outputB);
  return `${exampleId}:${hash.digest('hex').slice(0, 12)}`;
}

export interface ImportResult {
  file: string;
  added: number;
  updated: number;
  unchanged: number;
  skipped: LabelProblem[];
}

/**
 * Import a label file in one transaction. A file with any invalid row imports nothing unless
 * `skipInvalid` is set, and then the skipped lines are returned. Importing the same file again
 * changes nothing; a row whose annotator relabelled an item replaces that annotator's label.
 */
export function importLabels(
  store: WorkspaceStore,
  path: string,
  { skipInvalid = false } = {},
): ImportResult {
  const { labels, problems } = parseLabelFile(path);
  if (problems.length > 0 && !skipInvalid) {
    const shown = problems
      .slice(0, 20)
      .map((problem) => `${resolve(path)}:${problem.line}: ${problem.message}`);
    if (problems.length > 20) shown.push(`… and ${problems.length - 20} more`);
    throw new LabelsError(
      `${problems.length} invalid row(s); nothing was imported:\n  ${shown.join('\n  ')}`,
      {
        hint: 'Fix the rows, or pass --skip-invalid to import the valid ones and list the rest.',
      },
    );
  }
  const write = labelWriter(store);
  const result: ImportResult = { file: resolve(path), added: 0, updated: 0, unchanged: 0, skipped: problems };
  store.transaction(() => {
    for (const label of labels) result[write(label)]++;
  });
  return result;
}

/**
 * Store labels one by one (import, and feedback from the server): a new (item, annotator) is added,
 * a changed verdict replaces the annotator's earlier one, an identical one is left alone. A label file
 * with explicit item ids may also carry a new output under an old id (the outputs were regenerated):
 * the stored output follows, or judges would be measured on text the expert never saw.
 */
export function labelWriter(store: WorkspaceStore): (label: Label) => 'added' | 'updated' | 'unchanged' {
  return (label) => {
    const existing = store.labels.find(label.itemId, label.annotator);
    if (existing && sameLabel(existing, label)) return 'unchanged';
    store.labels.save(label);
    return existing ? 'updated' : 'added';
  };
}

/** Whether a label says what the stored one does; provenance and metadata do not count. */
function sameLabel(existing: Label, label: Label): boolean {
  return (
    existing.exampleId === label.exampleId &&
    existing.output === label.output &&
    existing.outputB === label.outputB &&
    existing.pass === label.pass &&
    existing.score === label.score &&
    existing.preference === label.preference &&
    existing.critique === label.critique &&
    existing.labelledAt === label.labelledAt
  );
}

/** Labels in the store, optionally filtered; ordered by item then annotator. */
export function listLabels(
  store: WorkspaceStore,
  filter: { annotator?: string; exampleId?: string } = {},
): Label[] {
  return store.labels.list(filter);
}

/** Labels grouped by item, with the experts' consensus. */
export interface LabelledItem {
  itemId: string;
  exampleId: string;
  output: string;
  labels: Label[];
  /** Majority pass/fail; undefined when the annotators split evenly or gave none. */
  pass: boolean | undefined;
  /** Median 1–5 score (halves rounded up); undefined without scores. */
  score: number | undefined;
}

export function labelledItems(labels: Label[]): LabelledItem[] {
  const groups = new Map<string, Label[]>();
  for (const label of labels) {
    if (label.preference !== undefined && label.pass === undefined && label.score === undefined) continue;
    groups.set(label.itemId, [...(groups.get(label.itemId) ?? []), label]);
  }
  return [...groups.values()].map((group) => {
    const passes = group.filter((label) => label.pass !== undefined);
    const yes = passes.filter((label) => label.pass).length;
    const scores = group
      .map((label) => label.score)
      .filter((score): score is number => score !== undefined)
      .sort((a, b) => a - b);
    const middle = scores.length / 2;
    const median =
      scores.length === 0
        ? undefined
        : scores.length % 2 === 1
          ? scores[Math.floor(middle)]!
          : Math.ceil((scores[middle - 1]! + scores[middle]!) / 2);
    return {
      itemId: group[0]!.itemId,
      exampleId: group[0]!.exampleId,
      output: group[0]!.output,
      labels: group,
      pass: passes.length === 0 || yes * 2 === passes.length ? undefined : yes * 2 > passes.length,
      score: median,
    };
  });
}

/**
 * Every record of the task's splits by id, for what labels are about (a judge needs an item's input
 * and reference), and the ids on the test split, which no judge choice may look at.
 */
export function labelledRecords(task: Task): { records: Map<string, EvalRecord>; testExamples: Set<string> } {
  const records = new Map<string, EvalRecord>();
  const testExamples = new Set<string>();
  for (const [split, path] of Object.entries(task.data)) {
    for (const record of loadDataset(path, taskChecks(task))) {
      records.set(record.id, record);
      if (split === 'test') testExamples.add(record.id);
    }
  }
  return { records, testExamples };
}
