import { valueAt } from '../task.js';
import { GraderError, type SyncGrader } from './grader.js';

const tokens = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);

/** ROUGE-L F-measure: longest common subsequence of word tokens. */
export function rougeL(candidate: string, reference: string): number {
  const a = tokens(candidate);
  const b = tokens(reference);
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 1 : 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const word of a) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      current[j] = word === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    previous = current;
  }
  const common = previous[b.length]!;
  if (common === 0) return 0;
  const precision = common / a.length;
  const recall = common / b.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Text overlap with the reference (or a field of the output against a field of the reference). */
export function rougeLGrader(path: string | undefined, threshold: number): SyncGrader {
  return ({ output, parsed, reference }) => {
    const expected = path ? valueAt(reference, path) : reference;
    if (typeof expected !== 'string')
      throw new GraderError(`rouge-l needs a string reference${path ? ` at ${path}` : ''}`);
    const actual = path ? valueAt(parsed, path) : output;
    const score = typeof actual === 'string' ? rougeL(actual, expected) : 0;
    return { score, pass: score >= threshold, reason: `ROUGE-L ${score.toFixed(3)}` };
  };
}

/** A number in the output (or at a path of the parsed output) within a tolerance of the expected one. */
export function numericGrader(
  path: string | undefined,
  expectedValue: number | undefined,
  tolerance: number,
): SyncGrader {
  return ({ output, parsed, reference }) => {
    const expected = expectedValue ?? Number(path ? valueAt(reference, path) : reference);
    if (!Number.isFinite(expected))
      throw new GraderError(`numeric grader has no expected number${path ? ` at ${path}` : ''}`);
    const raw = path ? valueAt(parsed, path) : output.trim();
    const actual = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isFinite(actual)) return { score: 0, pass: false, reason: 'output is not a number' };
    const pass = Math.abs(actual - expected) <= tolerance;
    return {
      score: pass ? 1 : 0,
      pass,
      reason: pass
        ? `within ${tolerance} of ${expected}`
        : `${actual} is off ${expected} by more than ${tolerance}`,
    };
  };
}
