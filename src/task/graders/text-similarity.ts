import { valueAt } from '../template.js';
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

/**
 * chrF (character n-gram F-score, n = 1..6, β = 2) as in Popović (2015): averaged n-gram precision
 * and recall over characters with spaces removed, recall weighted β² times more.
 */
export function chrF(candidate: string, reference: string, maxOrder = 6, beta = 2): number {
  const clean = (text: string) => text.replace(/\s+/g, '');
  const hypothesis = clean(candidate);
  const truth = clean(reference);
  if (hypothesis.length === 0 || truth.length === 0) return hypothesis === truth ? 1 : 0;
  let precisionSum = 0;
  let recallSum = 0;
  let orders = 0;
  for (let order = 1; order <= maxOrder; order++) {
    const grams = (text: string) => {
      const counts = new Map<string, number>();
      for (let index = 0; index + order <= text.length; index++) {
        const gram = text.slice(index, index + order);
        counts.set(gram, (counts.get(gram) ?? 0) + 1);
      }
      return counts;
    };
    const hypothesisGrams = grams(hypothesis);
    const truthGrams = grams(truth);
    const hypothesisTotal = Math.max(0, hypothesis.length - order + 1);
    const truthTotal = Math.max(0, truth.length - order + 1);
    if (hypothesisTotal === 0 || truthTotal === 0) continue;
    let matches = 0;
    for (const [gram, count] of hypothesisGrams) matches += Math.min(count, truthGrams.get(gram) ?? 0);
    precisionSum += matches / hypothesisTotal;
    recallSum += matches / truthTotal;
    orders++;
  }
  if (orders === 0) return 0;
  const precision = precisionSum / orders;
  const recall = recallSum / orders;
  if (precision + recall === 0) return 0;
  const betaSquared = beta * beta;
  return ((1 + betaSquared) * precision * recall) / (betaSquared * precision + recall);
}

/**
 * A text-similarity grader: the metric between the output (or a field of the parsed output) and the
 * reference (or the same field of it), passing at `threshold`.
 */
function similarityGrader(name: string, metric: (candidate: string, reference: string) => number) {
  return (path: string | undefined, threshold: number): SyncGrader =>
    ({ output, parsed, reference }) => {
      const expected = path ? valueAt(reference, path) : reference;
      if (typeof expected !== 'string')
        throw new GraderError(`${name} needs a string reference${path ? ` at ${path}` : ''}`);
      const actual = path ? valueAt(parsed, path) : output;
      const score = typeof actual === 'string' ? metric(actual, expected) : 0;
      return { score, pass: score >= threshold, reason: `${name} ${score.toFixed(3)}` };
    };
}

export const rougeLGrader = similarityGrader('ROUGE-L', rougeL);
export const chrFGrader = similarityGrader('chrF', (candidate, reference) => chrF(candidate, reference));
