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
      { variables: ['note'] },
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
        loadDataset(path, { variables: ['note'] });
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

describe('per-record schema checks', () => {
  const inputSchema = {
    type: 'object',
    properties: { note: { type: 'string', minLength: 5 } },
    required: ['note'],
  };
  const referenceSchema = {
    type: 'object',
    properties: { vitals: { type: 'object', properties: { pulse: { type: 'integer' } } } },
    required: ['vitals'],
  };

  it('checks inputs and references against the task schemas, naming line and field', () => {
    const path = file(
      [
        '{"id":"ok","input":{"note":"a fine note"},"reference":{"vitals":{"pulse":80}}}',
        '{"id":"short","input":{"note":"hi"},"reference":{"vitals":{}}}',
        '{"id":"bad-ref","input":{"note":"a fine note"},"reference":{"vitals":{"pulse":"80"}}}',
        '{"id":"no-ref","input":{"note":"a fine note"}}',
        '{"id":"text-ref","input":{"note":"a fine note"},"reference":"{\\"vitals\\""}',
      ].join('\n'),
    );
    expect(() => loadDataset(path, { inputSchema, referenceSchema })).toThrow(DatasetError);
    const message = (() => {
      try {
        loadDataset(path, { inputSchema, referenceSchema });
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('has 3 invalid line(s)');
    expect(message).toContain(
      `${path}:2: input does not match task.input.schema: input.note must NOT have fewer than 5 characters`,
    );
    expect(message).toContain(
      `${path}:3: reference does not match task.output.schema: reference.vitals.pulse must be integer`,
    );
    expect(message).toContain(`${path}:5: reference is not JSON`);
  });

  it('accepts a JSON reference given as text, and CSV rows under the same checks', () => {
    const path = file('{"input":{"note":"a fine note"},"reference":"{\\"vitals\\":{}}"}\n');
    expect(loadDataset(path, { inputSchema, referenceSchema })).toHaveLength(1);
    const directory = mkdtempSync(join(tmpdir(), 'tailor-csv-'));
    const csv = join(directory, 'data.csv');
    writeFileSync(csv, 'id,note,reference\nn1,hi,"{""vitals"":{}}"\n');
    expect(() => loadDataset(csv, { inputSchema, referenceSchema })).toThrow(
      /data\.csv:2: input does not match task\.input\.schema: input\.note must NOT have fewer than 5/,
    );
  });
});

describe('other dataset formats', () => {
  it('reads OpenAI chat-format records: the last assistant turn is the reference', () => {
    const path = file(
      `${JSON.stringify({
        id: 'c1',
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a' },
        ],
      })}\n`,
    );
    const [record] = loadDataset(path, { variables: ['note'] });
    expect(record).toMatchObject({
      id: 'c1',
      reference: 'a',
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'q' },
      ],
    });
    const bad = file(
      `${JSON.stringify({ messages: [{ role: 'robot', content: 'x' }] })}\n${JSON.stringify({ messages: [{ role: 'system', content: 's' }] })}\n`,
    );
    expect(() => loadDataset(bad)).toThrow(
      /:1: messages\[0\] needs a role[\s\S]*:2: messages has no user turn/,
    );
  });

  it('reads CSV with a header: id, reference (JSON when it parses), output, the rest input', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tailor-csv-'));
    const path = join(directory, 'data.csv');
    writeFileSync(
      path,
      'id,note,reference\nn1,"a note, with a comma","{""city"": ""Paris""}"\nn2,"multi\nline",plain text\n',
    );
    expect(loadDataset(path, { variables: ['note'] })).toEqual([
      { id: 'n1', input: { note: 'a note, with a comma' }, reference: { city: 'Paris' }, output: undefined },
      { id: 'n2', input: { note: 'multi\nline' }, reference: 'plain text', output: undefined },
    ]);
    writeFileSync(path, 'id,note\nn1,\nn1,x\n');
    expect(() => loadDataset(path, { variables: ['note'] })).toThrow(
      /data\.csv:2: column "note" is empty[\s\S]*duplicate id "n1"/,
    );
  });
});
