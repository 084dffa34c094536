import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlError, parseJsonLines, readJsonl, toJsonl } from './jsonl.js';

describe('JSONL', () => {
  it('parses every non-blank line, numbering lines as an editor does, and says which do not parse', () => {
    const lines = parseJsonLines('{"a":1}\n\n  \n[2]\n{oops\n"x"\r\n');
    expect(lines.map(({ line, value }) => [line, value])).toEqual([
      [1, { a: 1 }],
      [4, [2]],
      [5, undefined],
      [6, 'x'],
    ]);
    expect(lines[2]!.error).toMatch(/JSON/);
    expect(lines.filter((line) => line.error !== undefined)).toHaveLength(1);
  });

  it('writes what it reads back, and fails on a bad line with the file and the line', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tailor-jsonl-'));
    const file = join(directory, 'rows.jsonl');
    const rows = [
      { id: 'a', score: 0.5 },
      { id: 'b', nested: { list: [1, 2] } },
    ];
    expect(toJsonl(rows)).toBe('{"id":"a","score":0.5}\n{"id":"b","nested":{"list":[1,2]}}\n');
    expect(toJsonl([])).toBe('');
    writeFileSync(file, toJsonl(rows));
    expect(readJsonl(file)).toEqual(rows);
    writeFileSync(file, '{"id":"a"}\n\nnot json\n');
    expect(() => readJsonl(file)).toThrow(JsonlError);
    expect(() => readJsonl(file)).toThrow(`${file}:3: not JSON`);
  });
});
