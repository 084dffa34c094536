import type { GraderConfig } from '../../core/task-config.js';
import { valueAt } from '../template.js';
import { GraderError, type SyncGrader } from './grader.js';

type FieldRule = Extract<GraderConfig, { type: 'field-match' }>['fields'][string];

const normaliseText = (value: unknown) =>
  String(value ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const stopWords = new Set(['a', 'an', 'the', 'of', 'for', 'and', 'with', 'to', 'in']);

/** Share of the reference's content words present in the output (recall of words). */
export function tokenOverlap(output: unknown, reference: unknown): number {
  const words = (value: unknown) =>
    new Set(
      normaliseText(value)
        .split(' ')
        .filter((word) => word && !stopWords.has(word)),
    );
  const expected = words(reference);
  if (expected.size === 0) return words(output).size === 0 ? 1 : 0;
  const actual = words(output);
  let shared = 0;
  for (const word of expected) if (actual.has(word)) shared++;
  return shared / expected.size;
}

export function fieldMatches(rule: FieldRule, actual: unknown, expected: unknown): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  switch (rule.match) {
    case 'exact':
      return typeof expected === 'string'
        ? normaliseText(actual) === normaliseText(expected)
        : JSON.stringify(actual) === JSON.stringify(expected);
    case 'numeric':
      return typeof actual === 'number' && Math.abs(actual - Number(expected)) <= rule.tolerance + 1e-9;
    case 'set': {
      if (!Array.isArray(actual) || !Array.isArray(expected)) return false;
      const left = new Set(actual.map(normaliseText));
      const right = new Set(expected.map(normaliseText));
      return left.size === right.size && [...right].every((item) => left.has(item));
    }
    case 'token-overlap':
      return tokenOverlap(actual, expected) >= rule.threshold;
  }
}

/** Per-field accuracy against the reference; the score is the share of fields that match. */
export function fieldMatchGrader(fields: Record<string, FieldRule>, passThreshold: number): SyncGrader {
  const entries = Object.entries(fields);
  return ({ parsed, reference }) => {
    if (reference === undefined) throw new GraderError('field-match needs a reference');
    if (parsed === undefined)
      return { score: 0, pass: false, reason: 'output is not valid JSON', details: { fields: {} } };
    const results = Object.fromEntries(
      entries.map(([path, rule]) => [
        path,
        fieldMatches(rule, valueAt(parsed, path), valueAt(reference, path)),
      ]),
    );
    const matched = Object.values(results).filter(Boolean).length;
    const score = matched / entries.length;
    const wrong = Object.entries(results)
      .filter(([, ok]) => !ok)
      .map(([path]) => path);
    return {
      score,
      pass: score >= passThreshold,
      reason: wrong.length === 0 ? 'all fields match' : `mismatched: ${wrong.join(', ')}`,
      details: { fields: results },
    };
  };
}
