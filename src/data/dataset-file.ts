import { toJsonl } from '../common/jsonl.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { EvalRecord } from '../task/dataset.js';

/**
 * Records as the JSONL `loadDataset` reads back: task records as `{id, input, reference}`, chat
 * records in chat format with the reference as the closing assistant turn (as `loadDataset` reads a
 * chat line), so a chat record stays one. Outputs are left out: a dataset is what to learn, and a
 * record with an output would be graded instead of answered by `tailor eval`. The same records give
 * the same text, which is what a dataset version's id hashes.
 */
export function datasetJsonl(records: readonly EvalRecord[]): string {
  return toJsonl(records.map(datasetLine));
}

/** Write records as a dataset a task's `data:` can name, replaced atomically so no reader sees half. */
export function writeDataset(path: string, records: readonly EvalRecord[]): void {
  writeFileAtomic(path, datasetJsonl(records));
}

function datasetLine(record: EvalRecord): Record<string, unknown> {
  if (!record.messages) return { id: record.id, input: record.input, reference: record.reference };
  if (typeof record.reference === 'string')
    return {
      id: record.id,
      messages: [...record.messages, { role: 'assistant', content: record.reference }],
    };
  return { id: record.id, messages: record.messages, reference: record.reference };
}
