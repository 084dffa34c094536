import { readFileSync } from 'node:fs';
import { TailorError } from '../spec/errors.js';
import { valueAt } from './task.js';

/** One example: what the prompt is built from, the expected answer, and optionally a given output. */
export interface EvalRecord {
  id: string;
  input: Record<string, unknown>;
  reference: unknown;
  /** A pre-existing output (e.g. an incumbent's production output) to grade instead of generating. */
  output: string | undefined;
}

export class DatasetError extends TailorError {
  constructor(message: string) {
    super('dataset-invalid', message);
  }
}

/**
 * Read a JSONL dataset of `{id?, input, reference?, output?}` records and check every line before any
 * model is called: errors name the file, the line and the field.
 */
export function loadDataset(path: string, requiredVariables: string[] = []): EvalRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DatasetError(`Cannot read dataset ${path}: ${(error as Error).message}`);
  }
  const records: EvalRecord[] = [];
  const problems: string[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${path}:${index + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      problems.push(`${where}: not JSON (${(error as Error).message})`);
      return;
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      problems.push(`${where}: expected an object with "input"`);
      return;
    }
    const record = row as Record<string, unknown>;
    if (!record.input || typeof record.input !== 'object' || Array.isArray(record.input)) {
      problems.push(`${where}: field "input" must be an object`);
      return;
    }
    for (const variable of requiredVariables) {
      if (valueAt(record.input, variable) === undefined)
        problems.push(`${where}: input.${variable} is missing (the prompt uses {{${variable}}})`);
    }
    if (record.output !== undefined && typeof record.output !== 'string')
      problems.push(`${where}: field "output" must be a string`);
    const id =
      typeof record.id === 'string' || typeof record.id === 'number'
        ? String(record.id)
        : `line-${index + 1}`;
    if (ids.has(id)) problems.push(`${where}: duplicate id "${id}"`);
    ids.add(id);
    records.push({
      id,
      input: record.input as Record<string, unknown>,
      reference: record.reference,
      output: record.output as string | undefined,
    });
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    if (problems.length > 20) shown.push(`… and ${problems.length - 20} more`);
    throw new DatasetError(
      `Dataset ${path} has ${problems.length} invalid line(s):\n  ${shown.join('\n  ')}`,
    );
  }
  return records;
}
