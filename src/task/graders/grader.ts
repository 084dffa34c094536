import { TailorError } from '../../core/errors.js';

/** What every grader returns. `score` is in [0, 1]. */
export interface Grade {
  score: number;
  pass: boolean;
  reason: string;
  details?: Record<string, unknown>;
}

export interface GradeContext {
  /** The raw model output. */
  output: string;
  /** The output parsed as JSON, or undefined when it is not JSON. */
  parsed: unknown;
  reference: unknown;
  input: Record<string, unknown>;
  /** A baseline's output for the same example (e.g. the incumbent), for pairwise judges. */
  baseline?: string;
}

/** A grader is a function; it may be async (LLM judges). */
export type Grader = (context: GradeContext) => Grade | Promise<Grade>;

/** Deterministic graders answer synchronously. */
export type SyncGrader = (context: GradeContext) => Grade;

/**
 * The grader could not run (a judge timed out, replied with something unparsable, a reference is
 * missing). Recorded as a grader error, never as a failing output.
 */
export class GraderError extends TailorError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('grader-error', message, options);
  }
}

export function parseJson(output: string): unknown {
  try {
    return JSON.parse(output);
  } catch {
    return undefined;
  }
}

/** A record's input as a judge reads it: its values, one per line, objects as JSON. */
export function inputText(input: Record<string, unknown>): string {
  return Object.values(input)
    .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .join('\n');
}
