import type { EvalRecord } from '../task/dataset.js';
import { type Grader, GraderError, parseJson } from '../task/graders/index.js';
import type { JudgeVerdict } from './agreement.js';
import type { LabelledItem } from './labels.js';

/**
 * Run a judge (any grader) over labelled items: each item's output is graded with its example's input
 * and reference, as an eval would. Calls go through the workspace's ChatModel, so verdicts at
 * temperature 0 are cached and a second report costs nothing. A judge that fails on an item is
 * counted apart, never turned into a verdict.
 */
export interface JudgeRunResult {
  verdicts: JudgeVerdict[];
  errors: { itemId: string; message: string }[];
  /** Items whose example is in none of the task's datasets (the judge needs its input). */
  missing: string[];
}

export async function judgeItems(options: {
  grader: Grader;
  items: LabelledItem[];
  records: Map<string, EvalRecord>;
  concurrency: number;
  /** Rewrites the output before judging (bias probes pad it or inject an instruction). */
  transform?: (output: string) => string;
  onProgress?: (done: number, total: number) => void;
}): Promise<JudgeRunResult> {
  const result: JudgeRunResult = { verdicts: [], errors: [], missing: [] };
  const runnable = options.items.filter((item) => {
    if (options.records.has(item.exampleId)) return true;
    result.missing.push(item.itemId);
    return false;
  });
  const verdicts = new Map<string, JudgeVerdict>();
  let next = 0;
  let done = 0;
  const work = async () => {
    while (next < runnable.length) {
      const item = runnable[next++]!;
      const record = options.records.get(item.exampleId)!;
      const output = options.transform ? options.transform(item.output) : item.output;
      try {
        const grade = await options.grader({
          output,
          parsed: parseJson(output),
          reference: record.reference,
          input: record.input,
        });
        const verdict = grade.details?.verdict;
        verdicts.set(item.itemId, {
          itemId: item.itemId,
          pass: grade.pass,
          score: typeof verdict === 'number' ? verdict : undefined,
          reasoning: grade.reason,
        });
      } catch (error) {
        if (!(error instanceof GraderError)) throw error;
        result.errors.push({ itemId: item.itemId, message: error.message });
      }
      options.onProgress?.(++done, runnable.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, runnable.length)) }, work),
  );
  // Keep the items' order, whatever order the calls finished in.
  result.verdicts = runnable
    .map((item) => verdicts.get(item.itemId))
    .filter((verdict) => verdict !== undefined);
  return result;
}
