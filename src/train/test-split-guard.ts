import { TrainingError } from '../core/errors.js';
import { type EvalRecord, loadDataset } from '../task/dataset.js';
import type { Task } from '../task/task.js';

/**
 * The test split is for final evaluation only. Training refuses to read it, and refuses any record
 * whose input also appears in it (a copy under another name is still a leak).
 */
export function guardTestSplit(task: Task, splits: string[], records: EvalRecord[]): void {
  const testPath = task.data.test;
  if (splits.includes('test')) {
    throw new TrainingError('test-split-leak', 'training never reads the test split', {
      hint: 'Train on train, tune on validation; evaluate on test only.',
    });
  }
  if (!testPath || records.length === 0) return;
  const key = (record: EvalRecord) => JSON.stringify(record.input);
  const testInputs = new Set(loadDataset(testPath).map(key));
  const leaked = records.filter((record) => testInputs.has(key(record)));
  if (leaked.length > 0) {
    throw new TrainingError(
      'test-split-leak',
      `${leaked.length} training/validation record(s) also appear in the test split (e.g. ${leaked[0]!.id})`,
      { hint: 'Remove them from the training data; the test split must stay unseen.' },
    );
  }
}
