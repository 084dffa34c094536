import { describe, expect, it } from 'vitest';
import { exportFormatOf, exportRunResults } from './export.js';
import type { ExampleResult } from './runner.js';

const result = (exampleId: string, output: string, grades: ExampleResult['grades']): ExampleResult => ({
  exampleId,
  output,
  inputTokens: 10,
  outputTokens: 5,
  latencyMs: 120,
  costUsd: null,
  grades,
  score: 0.5,
  pass: false,
});

const results = [
  result('n1', '{"a": "x, y"}', { schema: { score: 1, pass: true, reason: 'valid' } }),
  result('n2', 'line one\nsaid "hi"', {
    schema: { score: 0, pass: false, reason: 'not JSON' },
    judge: { error: 'judge timed out' },
  }),
];

describe('exporting a run', () => {
  it('writes JSONL with the grades nested, one object per example', () => {
    const lines = exportRunResults({ id: 'r1', model: 'llama:x' }, results, 'jsonl').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ run: 'r1', id: 'n1', output: '{"a": "x, y"}', grades: results[0]!.grades }),
      expect.objectContaining({ id: 'n2', score: 0.5, pass: false, costUsd: null, latencyMs: 120 }),
    ]);
  });

  it('writes CSV with a column per grader, quoting what needs it, and a failed grade by its error', () => {
    const text = exportRunResults({ id: 'r1', model: 'llama:x' }, results, 'csv');
    const [header, first, second] = text.split('\r\n');
    expect(header).toBe(
      'run,model,id,output,score,pass,schema.score,schema.pass,schema.reason,judge.score,judge.pass,judge.reason,input_tokens,output_tokens,latency_ms,cost_usd',
    );
    expect(first).toBe('r1,llama:x,n1,"{""a"": ""x, y""}",0.5,false,1,true,valid,,,,10,5,120,');
    // The quoted output keeps its line break inside the field.
    expect(second).toBe(
      'r1,llama:x,n2,"line one\nsaid ""hi""",0.5,false,0,false,not JSON,,,judge timed out,10,5,120,',
    );
  });

  it('tells the format from the file name, and refuses a name it cannot tell', () => {
    expect(exportFormatOf('out/run.CSV')).toBe('csv');
    expect(exportFormatOf('run.jsonl')).toBe('jsonl');
    expect(() => exportFormatOf('run.xlsx')).toThrow('name it .jsonl or .csv');
  });
});
