import { valueAt } from '../template.js';
import { GraderError, type SyncGrader } from './grader.js';

/**
 * F1 over an object of lists: each key holds a set of values (slot filling, tagging, multi-label
 * extraction: `{"city": ["Paris"], "date": ["monday", "tuesday"]}`). Every (key, value) pair of the
 * output is a prediction and every pair of the reference a target; a key holding a single value
 * counts as a one-item list. `micro` pools the pairs of every key (each value weighs the same);
 * `macro` averages the per-key F1 over the keys that hold a value on either side. Nothing expected and nothing
 * given is a perfect 1.
 */
export function setF1Grader(
  path: string | undefined,
  normalize: 'none' | 'lowercase',
  average: 'micro' | 'macro',
  passThreshold: number,
): SyncGrader {
  const clean = (value: unknown) => {
    const text = (typeof value === 'string' ? value : JSON.stringify(value)).trim().replace(/\s+/g, ' ');
    return normalize === 'lowercase' ? text.toLowerCase() : text;
  };
  const pairsOf = (object: Record<string, unknown>) => {
    const pairs = new Map<string, Set<string>>();
    for (const [key, value] of Object.entries(object)) {
      if (value === null || value === undefined) continue;
      pairs.set(key, new Set((Array.isArray(value) ? value : [value]).map(clean)));
    }
    return pairs;
  };
  const where = path ?? 'the top level';
  return ({ parsed, reference }) => {
    const expectedObject = path ? valueAt(reference, path) : reference;
    if (!isObject(expectedObject)) throw new GraderError(`set-f1: reference has no object at ${where}`);
    const actualObject = parsed === undefined ? undefined : path ? valueAt(parsed, path) : parsed;
    if (!isObject(actualObject))
      return { score: 0, pass: false, reason: `no object at ${where}`, details: { precision: 0, recall: 0 } };
    const expected = pairsOf(expectedObject);
    const actual = pairsOf(actualObject);
    const perKey = [...new Set([...expected.keys(), ...actual.keys()])].map((key) => {
      const want = expected.get(key) ?? new Set<string>();
      const got = actual.get(key) ?? new Set<string>();
      const hits = [...got].filter((value) => want.has(value)).length;
      return {
        key,
        hits,
        expected: want.size,
        given: got.size,
        missing: [...want].filter((v) => !got.has(v)),
      };
    });
    const hits = perKey.reduce((sum, key) => sum + key.hits, 0);
    const expectedCount = perKey.reduce((sum, key) => sum + key.expected, 0);
    const givenCount = perKey.reduce((sum, key) => sum + key.given, 0);
    if (expectedCount === 0 && givenCount === 0)
      return { score: 1, pass: true, reason: 'both empty', details: { precision: 1, recall: 1 } };
    const micro = f1(hits, givenCount, expectedCount);
    // Keys empty on both sides say nothing either way, so they do not dilute the macro average.
    const scored = perKey.filter((key) => key.expected > 0 || key.given > 0);
    const macro =
      scored.reduce((sum, key) => sum + f1(key.hits, key.given, key.expected).f1, 0) / scored.length;
    const score = average === 'micro' ? micro.f1 : macro;
    return {
      score,
      pass: score >= passThreshold,
      reason: `${hits} of ${expectedCount} expected values, ${givenCount - hits} extra`,
      details: {
        precision: micro.precision,
        recall: micro.recall,
        missing: Object.fromEntries(
          perKey.filter((key) => key.missing.length > 0).map((key) => [key.key, key.missing]),
        ),
      },
    };
  };
}

function f1(hits: number, given: number, expected: number) {
  const precision = given === 0 ? 0 : hits / given;
  const recall = expected === 0 ? 0 : hits / expected;
  return {
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
