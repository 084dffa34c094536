import type { Label } from '../align/labels.js';

/** An expert's pass/fail label on item `itemId` (example `example-<itemId>`), for align tests. */
export function passLabel(
  itemId: string,
  annotator: string,
  pass: boolean,
  output = `output of ${itemId}`,
): Label {
  return {
    itemId,
    exampleId: `example-${itemId}`,
    output,
    outputB: undefined,
    annotator,
    pass,
    score: undefined,
    preference: undefined,
    critique: undefined,
    labelledAt: undefined,
    meta: {},
    sourceFile: 'labels.jsonl',
    sourceLine: 1,
  };
}
