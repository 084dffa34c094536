import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseJsonLines } from '../common/jsonl.js';
import type { ChatModel, FinishReason } from '../core/chat-model.js';
import { TailorError } from '../core/errors.js';
import { type EvalRecord, promptMessages } from '../task/dataset.js';
import { parseJson } from '../task/graders/index.js';
import { type GraderOutcome, gradeOutput } from '../task/grading.js';
import type { Task, TaskGrader } from '../task/task.js';

/**
 * Distillation: a teacher (any ChatModel: an API model, a local GGUF, a specialist) answers the
 * task's inputs, N samples each; every sample is graded with the task's graders and the best one is
 * kept when it clears the bar (best-of-N, or rejection sampling). With the specialist itself as the
 * teacher this is one round of expert iteration.
 *
 * Teacher calls cost money, so the run is resumable: each finished sample is appended to a journal
 * before the next one starts, and a rerun reads the journal and asks only for the samples it lacks.
 * The journal's first line fingerprints the settings; a journal made with other settings is refused
 * rather than mixed in.
 */
export interface GenerateDataOptions {
  teacher: ChatModel;
  task: Pick<Task, 'system' | 'prompt' | 'output'>;
  /** The inputs to answer; a record's reference (when it has one) is what graders compare to. */
  records: EvalRecord[];
  graders: TaskGrader[];
  /** Samples asked per input. */
  samples: number;
  temperature: number;
  maxTokens: number;
  /** Sample `i` of a record is asked with `seed + i`, so a rerun asks the same question. */
  seed: number;
  /** The least combined score the best sample needs to be kept (it must also pass). */
  minimumScore: number;
  /** The task's pass threshold for the combined score. */
  passThreshold: number;
  /** Where finished samples are journaled (JSONL); a rerun with the same path resumes. */
  journalPath: string;
  /** Teacher calls in flight at once. */
  concurrency?: number;
  onProgress?: (progress: GenerateProgress) => void;
}

export interface GenerateProgress {
  /** Samples finished, counting those read back from the journal. */
  done: number;
  total: number;
  /** Samples read back from the journal instead of asked again. */
  resumed: number;
}

/** One teacher sample, as journaled. */
export interface TeacherSample {
  record: string;
  sample: number;
  text: string;
  finishReason: FinishReason;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  latencyMs: number;
}

export interface GeneratedExample {
  record: EvalRecord;
  /** Every sample with its grading, in sample order. */
  samples: Array<TeacherSample & { score: number; pass: boolean; grades: Record<string, GraderOutcome> }>;
  /** The index of the best sample (highest score, the earliest on a tie). */
  best: number;
  kept: boolean;
  /** Why the best sample was not kept (empty when kept). */
  reason: string;
}

export interface Generation {
  /** Kept examples as training records: the record's id and input, the best sample as the reference. */
  kept: EvalRecord[];
  examples: GeneratedExample[];
  teacher: {
    model: string;
    /** Calls made by this run; `resumed` came from the journal. */
    calls: number;
    resumed: number;
    inputTokens: number;
    outputTokens: number;
    /** USD over every sample (this run's and the journal's); null when the teacher has no price. */
    costUsd: number | null;
  };
}

export class GenerateError extends TailorError {
  constructor(message: string, hint?: string) {
    super('generate-invalid', message, hint ? { hint } : undefined);
  }
}

export async function generateData(options: GenerateDataOptions): Promise<Generation> {
  if (!Number.isInteger(options.samples) || options.samples < 1)
    throw new GenerateError(`samples must be a whole number of at least 1, not ${options.samples}`);
  const fingerprint = settingsFingerprint(options);
  const journal = openJournal(options.journalPath, fingerprint);
  const wanted = options.records.flatMap((record) =>
    Array.from({ length: options.samples }, (_, sample) => ({ record, sample })),
  );
  const pending = wanted.filter(({ record, sample }) => !journal.samples.has(sampleKey(record.id, sample)));
  const resumed = wanted.length - pending.length;
  let done = resumed;
  options.onProgress?.({ done, total: wanted.length, resumed });

  const jsonSchema =
    options.task.output.format === 'json' && options.task.output.schema
      ? options.task.output.schema
      : undefined;
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const { record, sample } = pending[next++]!;
      const result = await options.teacher.generate(promptMessages(options.task, record), {
        temperature: options.temperature,
        maxTokens: options.maxTokens,
        seed: options.seed + sample,
        ...(jsonSchema ? { jsonSchema } : {}),
      });
      const entry: TeacherSample = {
        record: record.id,
        sample,
        text: result.text,
        finishReason: result.finishReason,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        costUsd: result.costUsd,
        latencyMs: result.latencyMs,
      };
      journal.append(entry);
      done++;
      options.onProgress?.({ done, total: wanted.length, resumed });
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, pending.length)) }, worker),
  );

  const examples: GeneratedExample[] = [];
  for (const record of options.records) {
    const graded: GeneratedExample['samples'] = [];
    for (let sample = 0; sample < options.samples; sample++) {
      const entry = journal.samples.get(sampleKey(record.id, sample))!;
      const grading = await gradeOutput(options.graders, record, entry.text, options.passThreshold);
      graded.push({ ...entry, ...grading });
    }
    const best = graded.reduce(
      (bestIndex, entry, index) => (entry.score > graded[bestIndex]!.score ? index : bestIndex),
      0,
    );
    const winner = graded[best]!;
    const reason = !winner.pass
      ? `best of ${graded.length} scored ${winner.score.toFixed(3)} and did not pass`
      : winner.score < options.minimumScore
        ? `best of ${graded.length} scored ${winner.score.toFixed(3)}, below ${options.minimumScore}`
        : '';
    examples.push({ record, samples: graded, best, kept: reason === '', reason });
  }

  const all = examples.flatMap((example) => example.samples);
  const costs = all.map((entry) => entry.costUsd);
  return {
    kept: examples
      .filter((example) => example.kept)
      .map((example) => ({
        id: example.record.id,
        input: example.record.input,
        reference: asReference(example.samples[example.best]!.text, options.task.output.format),
        output: undefined,
        ...(example.record.messages ? { messages: example.record.messages } : {}),
      })),
    examples,
    teacher: {
      model: options.teacher.id,
      calls: pending.length,
      resumed,
      inputTokens: all.reduce((sum, entry) => sum + entry.inputTokens, 0),
      outputTokens: all.reduce((sum, entry) => sum + entry.outputTokens, 0),
      costUsd: costs.some((cost) => cost === null)
        ? null
        : costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0),
    },
  };
}

/** A JSON task's kept output becomes its parsed value, as a hand-written reference would be. */
function asReference(text: string, format: 'json' | 'text'): unknown {
  if (format !== 'json') return text;
  const parsed = parseJson(text);
  return parsed === undefined ? text : parsed;
}

function sampleKey(record: string, sample: number): string {
  return `${record}\u0000${sample}`;
}

/** What decides a sample's text: the teacher, the prompt and the sampling settings. */
function settingsFingerprint(options: GenerateDataOptions): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        options.teacher.id,
        options.task.system ?? '',
        options.task.prompt,
        options.task.output.format,
        options.temperature,
        options.maxTokens,
        options.seed,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
}

interface Journal {
  samples: Map<string, TeacherSample>;
  append(entry: TeacherSample): void;
}

/**
 * The journal: a header line with the settings' fingerprint, then one line per finished sample. A
 * process killed mid-write leaves at most a torn last line; it is ignored and that sample asked again.
 */
function openJournal(path: string, fingerprint: string): Journal {
  const samples = new Map<string, TeacherSample>();
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    const lines = parseJsonLines(text);
    const header = lines[0]?.value as { fingerprint?: string } | undefined;
    if (header?.fingerprint !== fingerprint) {
      throw new GenerateError(
        `${path} was written by a generate run with other settings (teacher, prompt, temperature, max tokens or seed)`,
        'Delete it to start afresh, or give the settings it was made with to resume it.',
      );
    }
    for (const { value } of lines.slice(1)) {
      const entry = value as TeacherSample | undefined;
      if (entry && typeof entry.record === 'string' && typeof entry.text === 'string')
        samples.set(sampleKey(entry.record, entry.sample), entry);
    }
    // A torn last line has no newline after it: end the file so the next entry starts on its own line.
    if (text.length > 0 && !text.endsWith('\n')) appendFileSync(path, '\n');
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify({ fingerprint })}\n`);
  }
  return {
    samples,
    append(entry) {
      appendFileSync(path, `${JSON.stringify(entry)}\n`);
      samples.set(sampleKey(entry.record, entry.sample), entry);
    },
  };
}
