import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError, loadDataset } from './dataset.js';

const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tailor-data-')), 'data.jsonl');
  writeFileSync(path, content);
  return path;
};

describe('loadDataset', () => {
  it('reads records, defaulting ids to line numbers', () => {
    const records = loadDataset(
      file('{"input":{"note":"a"},"reference":1}\n\n{"id":7,"input":{"note":"b"},"output":"x"}\n'),
      ['note'],
    );
    expect(records).toEqual([
      { id: 'line-1', input: { note: 'a' }, reference: 1, output: undefined },
      { id: '7', input: { note: 'b' }, reference: undefined, output: 'x' },
    ]);
  });

  it('rejects the whole file with file, line and field before anything runs', () => {
    const path = file(
      '{"id":"a","input":{"note":"x"}}\nnot json\n{"id":"a","input":{"text":"y"}}\n{"input":[]}\n',
    );
    const error = (() => {
      try {
        loadDataset(path, ['note']);
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(DatasetError);
    expect(error?.message).toContain(`${path}:2: not JSON`);
    expect(error?.message).toContain(`${path}:3: input.note is missing (the prompt uses {{note}})`);
    expect(error?.message).toContain(`${path}:3: duplicate id "a"`);
    expect(error?.message).toContain(`${path}:4: field "input" must be an object`);
  });
});
