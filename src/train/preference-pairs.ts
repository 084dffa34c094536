import { readFileSync } from 'node:fs';
import { parseJsonLines } from '../common/jsonl.js';
import type { ChatMessage, ChatModel } from '../core/chat-model.js';
import { TrainingError } from '../core/errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { type EvalRecord, loadDataset, promptMessages, taskChecks } from '../task/dataset.js';
import { gradeOutput } from '../task/grading.js';
import type { Task, TaskGrader } from '../task/task.js';
import { guardTestSplit } from './test-split-guard.js';

/**
 * Preference pairs, DPO's data: read from a JSONL file (`tailor train dpo --pairs`), or built from
 * graded samples of a model (`tailor train pairs`), the best and the worst completion of a prompt.
 */

/** A preference record: the prompt (task input or chat messages) with both completions. */
export interface PreferenceRecord extends EvalRecord {
  chosen: string;
  rejected: string;
}

/**
 * Read `{id?, input | messages, chosen, rejected}` JSONL, every line checked before anything trains;
 * errors name the file, the line and the field. `chosen`/`rejected` may be text or JSON values
 * (serialised compactly, as SFT serialises references).
 */
export function loadPreferencePairs(path: string, task: Pick<Task, 'variables'>): PreferenceRecord[] {
  const records = loadDataset(path, { variables: task.variables });
  const problems: string[] = [];
  const pairs: PreferenceRecord[] = [];
  // loadDataset has already checked every line is a JSON object; the lines come in the same order.
  parseJsonLines(readFileSync(path, 'utf8')).forEach(({ line, value }, recordIndex) => {
    const record = records[recordIndex]!;
    const row = value as Record<string, unknown>;
    const text = (field: 'chosen' | 'rejected') => {
      const value = row[field];
      if (value === undefined || value === null || value === '') {
        problems.push(`${path}:${line}: field "${field}" is missing (expected the ${field} completion)`);
        return '';
      }
      return typeof value === 'string' ? value : JSON.stringify(value);
    };
    const chosen = text('chosen');
    const rejected = text('rejected');
    if (chosen && chosen === rejected)
      problems.push(`${path}:${line}: "chosen" and "rejected" are the same text`);
    pairs.push({ ...record, chosen, rejected });
  });
  if (problems.length > 0) {
    throw new TrainingError(
      'dataset-invalid',
      `Invalid preference pairs:\n  ${problems.slice(0, 20).join('\n  ')}`,
    );
  }
  return pairs;
}

/**
 * Preference pairs from graded samples: `samples` completions per prompt from `model`, each graded by
 * the task's graders; the best and the worst become a pair when their scores differ by at least
 * `minMargin` (ties teach nothing).
 */
export async function pairsFromGradedSamples(options: {
  records: EvalRecord[];
  messagesFor: (record: EvalRecord) => ChatMessage[];
  model: ChatModel;
  graders: TaskGrader[];
  samples?: number;
  temperature?: number;
  maxTokens?: number;
  minMargin?: number;
  seed?: number;
}): Promise<
  Array<{ id: string; messages: ChatMessage[]; chosen: string; rejected: string; margin: number }>
> {
  const pairs = [];
  for (const record of options.records) {
    const messages = options.messagesFor(record);
    const result = await options.model.generate(messages, {
      samples: options.samples ?? 4,
      temperature: options.temperature ?? 0.8,
      maxTokens: options.maxTokens ?? 400,
      seed: options.seed ?? 0,
    });
    const graded = await Promise.all(
      result.samples.map(async (sample) => ({
        text: sample.text,
        ...(await gradeOutput(options.graders, record, sample.text)),
      })),
    );
    graded.sort((a, b) => b.score - a.score);
    const best = graded[0];
    const worst = graded.at(-1);
    if (!best || !worst) continue;
    const margin = best.score - worst.score;
    if (margin >= (options.minMargin ?? 0.1)) {
      pairs.push({ id: record.id, messages, chosen: best.text, rejected: worst.text, margin });
    }
  }
  return pairs;
}

/**
 * `tailor train pairs`: pairs from graded samples for every prompt of a split (never the test split),
 * written as `{id, input, chosen, rejected, margin}` JSONL for `tailor train dpo --pairs`.
 */
export async function writeSampledPairs(options: {
  task: Task;
  split: string;
  /** Only the first N prompts. */
  limit?: number;
  /** The sampling model and the graders, opened once the prompts are read (a bad split loads none). */
  model: () => Promise<ChatModel>;
  graders: () => Promise<TaskGrader[]>;
  samples: number;
  temperature: number;
  minMargin: number;
  out: string;
  onProgress?: (prompts: number, total: number, pairs: number) => void;
}): Promise<{ prompts: number; pairs: number; out: string }> {
  const { task } = options;
  guardTestSplit(task, [options.split], []);
  const records = loadDataset(task.split(options.split), taskChecks(task)).slice(0, options.limit);
  const graders = await options.graders();
  const model = await options.model();
  const pairs = [];
  for (const [index, record] of records.entries()) {
    pairs.push(
      ...(await pairsFromGradedSamples({
        records: [record],
        messagesFor: (item) => promptMessages(task, item),
        model,
        graders,
        samples: options.samples,
        temperature: options.temperature,
        minMargin: options.minMargin,
      })),
    );
    options.onProgress?.(index + 1, records.length, pairs.length);
  }
  const byId = new Map(records.map((record) => [record.id, record]));
  writeFileAtomic(
    options.out,
    pairs
      .map((pair) =>
        JSON.stringify({
          id: pair.id,
          input: byId.get(pair.id)!.input,
          chosen: pair.chosen,
          rejected: pair.rejected,
          margin: pair.margin,
        }),
      )
      .join('\n') + (pairs.length > 0 ? '\n' : ''),
  );
  return { prompts: records.length, pairs: pairs.length, out: options.out };
}
