import { TailorError } from '../core/errors.js';
import type { EvalRecord } from '../task/dataset.js';
import { parseJson } from '../task/graders/index.js';
import { type GraderOutcome, gradeOutput } from '../task/grading.js';
import type { TaskGrader } from '../task/task.js';

/**
 * Curation: outputs produced elsewhere (an incumbent's production log, a teacher model, captured
 * traffic) graded by the task's graders against each record's reference; those that clear the bar
 * are kept as training data, and every other one says why it was dropped. The graders are the ones
 * evals score with, so the data is filtered by the same measure the specialist is judged by.
 */
export interface CurateOptions {
  /** The graders to filter with, e.g. `task.createGraders({ select })`; each one must clear its bar. */
  graders: TaskGrader[];
  /** The records the outputs answer (inputs and references), graded in this order. */
  records: EvalRecord[];
  /** The output to grade for each record, by record id. */
  outputs: ReadonlyMap<string, string>;
  /**
   * The least score an output needs from a grader to be kept, by grader name. A grader without one
   * must pass by its own verdict (its own threshold in tailor.yaml).
   */
  minimumScores?: Readonly<Record<string, number>>;
  /** The task's output format: a kept JSON output becomes its record's reference parsed, text as it is. */
  outputFormat: 'json' | 'text';
}

/** One grader that turned an output down, and why. */
export interface DropReason {
  grader: string;
  reason: string;
}

export interface CuratedExample {
  record: EvalRecord;
  output: string;
  grades: Record<string, GraderOutcome>;
  /** The combined score, as an eval run would store it. */
  score: number;
  kept: boolean;
  /** Every grader that turned the output down (empty when it was kept). */
  dropReasons: DropReason[];
}

export interface Curation {
  /** The kept examples as training records: the record's id and input, the output as the reference. */
  kept: EvalRecord[];
  /** Every graded example, kept or not, in the order of the records. */
  examples: CuratedExample[];
  counts: {
    /** Outputs given. */
    outputs: number;
    graded: number;
    kept: number;
    dropped: number;
    /** Records that had no output to grade (left out, not dropped). */
    recordsWithoutOutput: number;
    /** Outputs whose id matches no record (they cannot be graded against a reference). */
    outputsWithoutRecord: number;
  };
  /** How many outputs each grader turned down; one output can be turned down by several. */
  droppedBy: Record<string, number>;
}

/** The options of a curation do not fit together (e.g. a minimum score for a grader not given). */
export class CurationError extends TailorError {
  constructor(message: string) {
    super('curation-invalid', message);
  }
}

/**
 * Grade every record's output and keep those every grader lets through. Records without an output are
 * counted and left out; the kept records keep their order.
 */
export async function curate(options: CurateOptions): Promise<Curation> {
  const minimumScores = options.minimumScores ?? {};
  const unknown = Object.keys(minimumScores).filter(
    (name) => !options.graders.some(({ config }) => config.name === name),
  );
  if (unknown.length > 0)
    throw new CurationError(`minimum scores name graders not given: ${unknown.join(', ')}`);

  const examples: CuratedExample[] = [];
  const kept: EvalRecord[] = [];
  const droppedBy: Record<string, number> = Object.fromEntries(
    options.graders.map(({ config }) => [config.name, 0]),
  );
  const recordIds = new Set<string>();
  let recordsWithoutOutput = 0;
  for (const record of options.records) {
    recordIds.add(record.id);
    const output = options.outputs.get(record.id);
    if (output === undefined) {
      recordsWithoutOutput += 1;
      continue;
    }
    // One at a time: graders may be LLM judges, and the order of their calls stays reproducible.
    const { grades, score } = await gradeOutput(options.graders, record, output);
    const dropReasons = options.graders.flatMap(({ config }) => {
      const reason = dropReason(grades[config.name], minimumScores[config.name]);
      return reason === undefined ? [] : [{ grader: config.name, reason }];
    });
    for (const { grader } of dropReasons) droppedBy[grader]! += 1;
    const isKept = dropReasons.length === 0;
    if (isKept)
      kept.push({
        ...record,
        reference: options.outputFormat === 'json' ? parseJson(output) : output,
      });
    examples.push({ record, output, grades, score, kept: isKept, dropReasons });
  }
  return {
    kept,
    examples,
    counts: {
      outputs: options.outputs.size,
      graded: examples.length,
      kept: kept.length,
      dropped: examples.length - kept.length,
      recordsWithoutOutput,
      outputsWithoutRecord: [...options.outputs.keys()].filter((id) => !recordIds.has(id)).length,
    },
    droppedBy,
  };
}

/** Why one grader turns an output down, or undefined when it clears the bar. */
function dropReason(grade: GraderOutcome | undefined, minimumScore: number | undefined): string | undefined {
  if (grade === undefined || grade.error !== undefined)
    return `could not grade: ${grade?.error ?? 'no verdict'}`;
  if (minimumScore !== undefined) {
    const score = grade.score ?? 0;
    return score >= minimumScore
      ? undefined
      : `score ${score.toFixed(3)} below ${minimumScore}: ${grade.reason ?? ''}`.trimEnd();
  }
  return grade.pass === true ? undefined : (grade.reason ?? 'failed');
}
