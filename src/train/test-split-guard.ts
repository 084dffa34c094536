import { TrainingError } from '../core/errors.js';
import {
  ContaminationError,
  type DatasetSource,
  findContamination,
  readDatasetSource,
  recordLines,
} from '../data/decontaminate.js';
import type { EvalRecord } from '../task/dataset.js';
import type { Task } from '../task/task.js';

/**
 * The test split is for final evaluation only. Training refuses to read it, and refuses any record
 * that repeats one of its records: a copy under another id, a test note pasted into a chat message or
 * lightly edited is still a leak. The check is the data stage's decontamination (word n-gram overlap),
 * so the refusal names every offending record by file and line, and `tailor data decontaminate` is
 * the way out.
 */
export function guardTestSplit(task: Task, splits: string[], records: EvalRecord[]): void {
  const testPath = task.data.test;
  if (splits.includes('test')) {
    throw new TrainingError('test-split-leak', 'training never reads the test split', {
      hint: 'Train on train, tune on validation; evaluate on test only.',
    });
  }
  if (!testPath || records.length === 0) return;
  const report = findContamination(task, locateRecords(task, splits, records), [
    readDatasetSource('test', testPath),
  ]);
  if (report.contaminated.length > 0) {
    throw new ContaminationError(report, {
      hint: 'Drop them with `tailor data decontaminate` (it writes a clean dataset version to train on with --data), or remove them by hand; the test split must stay unseen.',
    });
  }
}

/** The records as sources by the split file each came from, so a refusal can say file and line. */
function locateRecords(task: Task, splits: string[], records: EvalRecord[]): DatasetSource[] {
  const files = splits.flatMap((split) => {
    const path = task.data[split];
    return path === undefined ? [] : [{ split, path, lines: recordLines(path) }];
  });
  const bySplit = new Map<string, EvalRecord[]>();
  for (const record of records) {
    const split = files.find((file) => file.lines.has(record.id))?.split ?? 'training data';
    const grouped = bySplit.get(split) ?? [];
    grouped.push(record);
    bySplit.set(split, grouped);
  }
  return [...bySplit].map(([split, grouped]) => {
    const file = files.find((entry) => entry.split === split);
    return { split, records: grouped, ...(file ? { path: file.path, lines: file.lines } : {}) };
  });
}
