import { describe, expect, it } from 'vitest';
import { DuplicateKeyDetector, findDuplicateKey } from './json-duplicate-keys.js';

describe('duplicate JSON keys', () => {
  it('finds a repeated key at the top level and inside nested objects, with its path', () => {
    expect(findDuplicateKey('{"a": 1, "b": 2, "a": 3}')).toEqual({ key: 'a', path: '/' });
    expect(findDuplicateKey('{"vitals": {"pulse": 1, "pulse": 2}}')).toEqual({
      key: 'pulse',
      path: '/vitals',
    });
    expect(findDuplicateKey('{"items": [{"x": 1}, {"x": 2, "x": 3}]}')).toEqual({
      key: 'x',
      path: '/items/*',
    });
  });

  it('does not mistake values, sibling objects or escaped quotes for repeated keys', () => {
    expect(findDuplicateKey('{"a": "a", "b": ["a", "b"], "c": {"a": 1}}')).toBeUndefined();
    expect(findDuplicateKey('[{"id": 1}, {"id": 2}]')).toBeUndefined();
    expect(findDuplicateKey('{"say \\"a\\"": 1, "say a": 2, "note": "x, \\"a\\": 1"}')).toBeUndefined();
    expect(findDuplicateKey('not json at all')).toBeUndefined();
  });

  it('reads streamed text chunk by chunk, as a generation produces it', () => {
    const detector = new DuplicateKeyDetector();
    const chunks = ['{"slot', 's": {"city"', ': ["Paris"], "ci', 'ty": ["Rome"]'];
    const seen = chunks.map((chunk) => detector.push(chunk));
    expect(seen.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(seen[3]).toEqual({ key: 'city', path: '/slots' });
  });
});
