import { toJsonl } from '../common/jsonl.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { EvalRecord } from '../task/dataset.js';

/**
 * Write records as a dataset `loadDataset` reads back and a task's `data:` can name: JSONL of
 * `{id, input, reference}`, replaced atomically so a reader never sees half a file.
 */
export function writeDataset(path: string, records: readonly EvalRecord[]): void {
  writeFileAtomic(
    path,
    toJsonl(records.map((record) => ({ id: record.id, input: record.input, reference: record.reference }))),
  );
}
