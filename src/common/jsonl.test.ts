import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlError, parseJsonLines, readJsonl, readTextFile, toJsonl } from './jsonl.js';

describe('JSONL', () => {
  it('reads a file with a byte-order mark, and refuses bytes that are not UTF-8 naming the line', () => {
    const folder = mkdtempSync(join(tmpdir(), 'tailor-jsonl-'));
    const marked = join(folder, 'marked.jsonl');
    writeFileSync(marked, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id": "a"}\n')]));
    expect(readJsonl(marked)).toEqual([{ id: 'a' }]);
    const latin1 = join(folder, 'latin1.jsonl');
    writeFileSync(
      latin1,
      Buffer.concat([Buffer.from('{"id": "a"}\n{"id": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]),
    );
    expect(() => readTextFile(latin1)).toThrow(
      new JsonlError(`${latin1}:2: not UTF-8 text (save the file as UTF-8)`),
    );
  });

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
