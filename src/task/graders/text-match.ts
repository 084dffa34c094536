import { valueAt } from '../template.js';
import { GraderError, type SyncGrader } from './grader.js';

/** Output equals a value (or the reference, or a field of it), after trimming. */
export function exactGrader(value: string | undefined, path: string | undefined): SyncGrader {
  return ({ output, reference }) => {
    const expected = value ?? (path ? valueAt(reference, path) : reference);
    if (expected === undefined)
      throw new GraderError('exact grader has no value and the record no reference');
    const wanted = typeof expected === 'string' ? expected : JSON.stringify(expected);
    const pass = output.trim() === wanted.trim();
    return {
      score: pass ? 1 : 0,
      pass,
      reason: pass ? 'exact match' : `expected ${JSON.stringify(wanted).slice(0, 80)}`,
    };
  };
}

export function containsGrader(value: string, ignoreCase: boolean): SyncGrader {
  return ({ output }) => {
    const pass = ignoreCase ? output.toLowerCase().includes(value.toLowerCase()) : output.includes(value);
    return {
      score: pass ? 1 : 0,
      pass,
      reason: pass ? `contains ${JSON.stringify(value)}` : `lacks ${JSON.stringify(value)}`,
    };
  };
}

export function regexGrader(pattern: string, flags: string): SyncGrader {
  let expression: RegExp;
  try {
    expression = new RegExp(pattern, flags);
  } catch (error) {
    throw new GraderError(`invalid regex ${pattern}: ${(error as Error).message}`);
  }
  return ({ output }) => {
    const pass = expression.test(output);
    return {
      score: pass ? 1 : 0,
      pass,
      reason: pass ? `matches /${pattern}/` : `does not match /${pattern}/`,
    };
  };
}
