import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPreferencePairs } from './preference-pairs.js';

describe('preference pairs', () => {
  it('reads pairs with file and line for bad records', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tailor-pairs-'));
    const good = join(directory, 'good.jsonl');
    writeFileSync(
      good,
      `${JSON.stringify({ id: 'a', input: { note: 'x' }, chosen: { ok: true }, rejected: 'no' })}\n`,
    );
    expect(loadPreferencePairs(good, { variables: ['note'] })).toMatchObject([
      { id: 'a', chosen: '{"ok":true}', rejected: 'no' },
    ]);
    const bad = join(directory, 'bad.jsonl');
    writeFileSync(
      bad,
      `${JSON.stringify({ id: 'a', input: { note: 'x' }, chosen: 'yes', rejected: 'no' })}\n${JSON.stringify({ id: 'b', input: { note: 'y' }, chosen: 'same', rejected: 'same' })}\n${JSON.stringify({ id: 'c', input: { note: 'z' }, chosen: 'yes' })}\n`,
    );
    expect(() => loadPreferencePairs(bad, { variables: ['note'] })).toThrow(
      /bad\.jsonl:2: "chosen" and "rejected" are the same text\n {2}.*bad\.jsonl:3: field "rejected" is missing/,
    );
  });
});
