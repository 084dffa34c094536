import type { GraderConfig } from '../core/task-config.js';
import type { EvalRecord } from './dataset.js';
import { type Grade, GraderError, parseJson } from './graders/index.js';
import type { TaskGrader } from './task.js';

/**
 * Grading one output: every grader of the task, then one combined score. The same function scores an
 * eval run's examples, filters data and gives RL its reward, so the three never drift apart.
 */

/** One grader's verdict on one output, or why it could not give one (the grader failed to run). */
export interface GraderOutcome extends Partial<Grade> {
  error?: string;
}

/**
 * Grade one output with every grader and combine: the same grading an eval run stores, reused by
 * training (e.g. to rank samples into preference pairs).
 */
export async function gradeOutput(
  graders: TaskGrader[],
  record: Pick<EvalRecord, 'reference' | 'input'> & { baseline?: string | undefined },
  output: string,
  passThreshold = 0.8,
): Promise<{ grades: Record<string, GraderOutcome>; score: number; pass: boolean }> {
  const context = {
    output,
    parsed: parseJson(output),
    reference: record.reference,
    input: record.input,
    ...(record.baseline !== undefined ? { baseline: record.baseline } : {}),
  };
  const grades: Record<string, GraderOutcome> = {};
  for (const { config, grader } of graders) {
    try {
      grades[config.name] = await grader(context);
    } catch (error) {
      if (!(error instanceof GraderError)) throw error;
      grades[config.name] = { error: error.message };
    }
  }
  return { grades, ...combineGrades(graders, grades, passThreshold) };
}

/** Weighted mean of the graders that ran; a failed required grader fails the example whatever the rest says. */
export function combineGrades(
  graders: { config: GraderConfig }[],
  grades: Record<string, GraderOutcome>,
  threshold: number,
) {
  let weighted = 0;
  let weights = 0;
  let requiredFailed = false;
  for (const { config } of graders) {
    const grade = grades[config.name];
    if (!grade || grade.error !== undefined || grade.score === undefined) continue;
    weighted += grade.score * config.weight;
    weights += config.weight;
    if (config.required && !grade.pass) requiredFailed = true;
  }
  const score = weights === 0 ? 0 : weighted / weights;
  return { score: requiredFailed ? 0 : score, pass: !requiredFailed && score >= threshold };
}
