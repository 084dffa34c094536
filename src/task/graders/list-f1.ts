import { valueAt } from '../template.js';
import { GraderError, type SyncGrader } from './grader.js';

/**
 * F1 between a list in the output and the reference's list, items compared by the given keys (e.g.
 * line items by name, quantity and unit). Empty vs empty is a perfect 1.
 */
export function listF1Grader(
  path: string,
  keys: string[],
  normalize: 'none' | 'lowercase',
  passThreshold: number,
): SyncGrader {
  const keyOf = (item: unknown) =>
    keys
      .map((key) => {
        const value = String(valueAt(item, key) ?? '').trim();
        return normalize === 'lowercase' ? value.toLowerCase() : value;
      })
      .join('|');
  return ({ parsed, reference }) => {
    const expectedList = valueAt(reference, path);
    if (!Array.isArray(expectedList)) throw new GraderError(`list-f1: reference has no list at ${path}`);
    const actualList = parsed === undefined ? undefined : valueAt(parsed, path);
    if (!Array.isArray(actualList)) {
      return { score: 0, pass: false, reason: `no list at ${path}`, details: { precision: 0, recall: 0 } };
    }
    const expected = expectedList.map(keyOf);
    const remaining = [...expected];
    let hits = 0;
    for (const item of actualList.map(keyOf)) {
      const at = remaining.indexOf(item);
      if (at >= 0) {
        hits++;
        remaining.splice(at, 1);
      }
    }
    if (expected.length === 0 && actualList.length === 0) {
      return { score: 1, pass: true, reason: 'both empty', details: { precision: 1, recall: 1 } };
    }
    const precision = actualList.length === 0 ? 0 : hits / actualList.length;
    const recall = expected.length === 0 ? 0 : hits / expected.length;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return {
      score: f1,
      pass: f1 >= passThreshold,
      reason: `${hits} of ${expected.length} expected, ${actualList.length - hits} extra`,
      details: { precision, recall, missing: remaining },
    };
  };
}
