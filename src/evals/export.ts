import { extname } from 'node:path';
import { toJsonl } from '../common/jsonl.js';
import { ConfigError } from '../core/errors.js';
import type { ExampleResult } from './runner.js';

/**
 * A run's per-example outputs and grades as a file a team's own tools read: JSONL (one object per
 * example, grades nested) or CSV (one row per example, a score, pass and reason column per grader).
 * Nobody should have to open the SQLite file to score outputs another way.
 */
export type ExportFormat = 'jsonl' | 'csv';

/** The format a file name asks for: `.jsonl`/`.json` or `.csv`. */
export function exportFormatOf(path: string): ExportFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.jsonl' || extension === '.json') return 'jsonl';
  if (extension === '.csv') return 'csv';
  throw new ConfigError(`cannot tell the export format of ${path}: name it .jsonl or .csv`);
}

/** The exported rows, in the order of the results. */
export function exportRunResults(
  run: { id: string; model: string },
  results: readonly ExampleResult[],
  format: ExportFormat,
): string {
  return format === 'jsonl' ? asJsonl(run, results) : asCsv(run, results);
}

function asJsonl(run: { id: string; model: string }, results: readonly ExampleResult[]): string {
  return toJsonl(
    results.map((result) => ({
      run: run.id,
      model: run.model,
      id: result.exampleId,
      output: result.output,
      score: result.score,
      pass: result.pass,
      grades: result.grades,
      inputTokens: result.inputTokens,
      outputTokens: result.outputTokens,
      latencyMs: result.latencyMs,
      costUsd: result.costUsd,
    })),
  );
}

function asCsv(run: { id: string; model: string }, results: readonly ExampleResult[]): string {
  // Every grader any example has, in first-seen order, so a column never shifts between rows.
  const graders = [...new Set(results.flatMap((result) => Object.keys(result.grades)))];
  const header = [
    'run',
    'model',
    'id',
    'output',
    'score',
    'pass',
    ...graders.flatMap((name) => [`${name}.score`, `${name}.pass`, `${name}.reason`]),
    'input_tokens',
    'output_tokens',
    'latency_ms',
    'cost_usd',
  ];
  const rows = results.map((result) => [
    run.id,
    run.model,
    result.exampleId,
    result.output,
    result.score,
    result.pass,
    ...graders.flatMap((name) => {
      const grade = result.grades[name];
      return [grade?.score ?? '', grade?.pass ?? '', grade?.error ?? grade?.reason ?? ''];
    }),
    result.inputTokens,
    result.outputTokens,
    result.latencyMs,
    result.costUsd ?? '',
  ]);
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
