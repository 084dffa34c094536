import type { ValidateFunction } from 'ajv';
import { parse as parseCsv } from 'csv-parse/sync';
import { JsonlError, parseJsonLines, readTextFile } from '../common/jsonl.js';
import type { ChatMessage, JsonSchema } from '../core/chat-model.js';
import { TailorError } from '../core/errors.js';
import { compileJsonSchema } from './graders/json-schema.js';
import type { Task } from './task.js';
import { renderTemplate, valueAt } from './template.js';

/** One example: what the prompt is built from, the expected answer, and optionally a given output. */
export interface EvalRecord {
  id: string;
  input: Record<string, unknown>;
  reference: unknown;
  /** A pre-existing output (e.g. an incumbent's production output) to grade instead of generating. */
  output: string | undefined;
  /** Chat-format records carry their own prompt: sent as is instead of the task's template. */
  messages?: ChatMessage[];
}

export class DatasetError extends TailorError {
  constructor(message: string) {
    super('dataset-invalid', message);
  }
}

/** What every record of a dataset must satisfy, checked at load time. */
export interface RecordChecks {
  /** Template variables the prompt uses: each must be present in `input`. */
  variables?: string[];
  /** JSON schema for each record's `input` (task.input.schema). */
  inputSchema?: JsonSchema;
  /** JSON schema the reference must satisfy (task.output.schema, for JSON tasks). */
  referenceSchema?: JsonSchema;
}

/** The checks a task asks of its datasets. */
export function taskChecks(
  task: Pick<Task, 'variables' | 'input' | 'output'>,
  { withVariables = true } = {},
): RecordChecks {
  return {
    ...(withVariables ? { variables: task.variables } : {}),
    ...(task.input.schema ? { inputSchema: task.input.schema } : {}),
    ...(task.output.format === 'json' && task.output.schema ? { referenceSchema: task.output.schema } : {}),
  };
}

/**
 * Read a dataset and check every record before any model is called: errors name the file, the line
 * and the field. Formats:
 * - JSONL `{id?, input, reference?, output?}` records;
 * - JSONL in OpenAI chat format `{id?, messages: [...]}`: the messages up to the last assistant turn
 *   are the prompt, that assistant turn is the reference;
 * - CSV with a header row: `id`, `reference` (JSON if it parses) and `output` columns are taken as
 *   such, every other column is an input variable.
 */
export function loadDataset(path: string, checks: RecordChecks = {}): EvalRecord[] {
  const validators = compileChecks(checks);
  const requiredVariables = checks.variables ?? [];
  let text: string;
  try {
    text = readTextFile(path);
  } catch (error) {
    if (error instanceof JsonlError) throw error;
    throw new DatasetError(`Cannot read dataset ${path}: ${(error as Error).message}`);
  }
  if (path.toLowerCase().endsWith('.csv')) return loadCsv(path, text, requiredVariables, validators);
  const records: EvalRecord[] = [];
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const { line, value: row, error } of parseJsonLines(text)) {
    const where = `${path}:${line}`;
    if (error !== undefined) {
      problems.push(`${where}: not JSON (${error})`);
      continue;
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      problems.push(`${where}: expected an object with "input"`);
      continue;
    }
    const record = row as Record<string, unknown>;
    if (Array.isArray(record.messages)) {
      const chat = chatRecord(record, `${where}`, `line-${line}`, problems);
      if (chat) {
        if (ids.has(chat.id)) problems.push(`${where}: duplicate id "${chat.id}"`);
        ids.add(chat.id);
        checkReference(chat.reference, where, validators, problems);
        records.push(chat);
      }
      continue;
    }
    if (!record.input || typeof record.input !== 'object' || Array.isArray(record.input)) {
      problems.push(`${where}: field "input" must be an object`);
      continue;
    }
    for (const variable of requiredVariables) {
      if (valueAt(record.input, variable) === undefined)
        problems.push(`${where}: input.${variable} is missing (the prompt uses {{${variable}}})`);
    }
    if (record.output !== undefined && typeof record.output !== 'string')
      problems.push(`${where}: field "output" must be a string`);
    if (record.id !== undefined && typeof record.id !== 'string' && typeof record.id !== 'number')
      problems.push(`${where}: field "id" must be a string or a number, not ${describeJson(record.id)}`);
    const id =
      typeof record.id === 'string' || typeof record.id === 'number' ? String(record.id) : `line-${line}`;
    if (ids.has(id)) problems.push(`${where}: duplicate id "${id}"`);
    ids.add(id);
    checkInput(record.input, where, validators, problems);
    checkReference(record.reference, where, validators, problems);
    records.push({
      id,
      input: record.input as Record<string, unknown>,
      reference: record.reference,
      output: record.output as string | undefined,
    });
  }
  return finish(path, records, problems);
}

interface Validators {
  input?: ValidateFunction;
  reference?: ValidateFunction;
}

function compileChecks(checks: RecordChecks): Validators {
  return {
    ...(checks.inputSchema ? { input: compileJsonSchema(checks.inputSchema) } : {}),
    ...(checks.referenceSchema ? { reference: compileJsonSchema(checks.referenceSchema) } : {}),
  };
}

function checkInput(input: unknown, where: string, validators: Validators, problems: string[]): void {
  if (validators.input && !validators.input(input))
    problems.push(`${where}: input does not match task.input.schema: ${prefixed('input', validators.input)}`);
}

/** A reference, when given, must be what a perfect output would be: valid against the output schema. */
function checkReference(reference: unknown, where: string, validators: Validators, problems: string[]): void {
  if (!validators.reference || reference === undefined) return;
  let value = reference;
  if (typeof reference === 'string') {
    try {
      value = JSON.parse(reference);
    } catch {
      problems.push(`${where}: reference is not JSON (the task's output format is json)`);
      return;
    }
  }
  if (!validators.reference(value))
    problems.push(
      `${where}: reference does not match task.output.schema: ${prefixed('reference', validators.reference)}`,
    );
}

/** Ajv's errors as field paths a user can find in the line: `reference.vitals.pulse must be integer`. */
const prefixed = (field: string, validate: ValidateFunction) =>
  (validate.errors ?? [])
    .slice(0, 3)
    .map((error) => `${field}${error.instancePath.replaceAll('/', '.')} ${error.message}`)
    .join('; ');

function finish(path: string, records: EvalRecord[], problems: string[], what = 'Dataset'): EvalRecord[] {
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    if (problems.length > 20) shown.push(`… and ${problems.length - 20} more`);
    throw new DatasetError(
      `${what} ${path} has ${problems.length} invalid line(s):\n  ${shown.join('\n  ')}`,
    );
  }
  return records;
}

const roles = new Set(['system', 'user', 'assistant']);

function chatRecord(
  record: Record<string, unknown>,
  where: string,
  fallbackId: string,
  problems: string[],
): EvalRecord | undefined {
  const messages = record.messages as unknown[];
  for (const [index, message] of messages.entries()) {
    const entry = message as { role?: unknown; content?: unknown } | null;
    if (!entry || !roles.has(String(entry.role)) || typeof entry.content !== 'string') {
      problems.push(`${where}: messages[${index}] needs a role (system, user, assistant) and string content`);
      return undefined;
    }
  }
  const typed = messages as ChatMessage[];
  const last = typed.at(-1);
  const prompt = last?.role === 'assistant' ? typed.slice(0, -1) : typed;
  if (!prompt.some((message) => message.role === 'user')) {
    problems.push(`${where}: messages has no user turn`);
    return undefined;
  }
  return {
    id: typeof record.id === 'string' || typeof record.id === 'number' ? String(record.id) : fallbackId,
    input: { messages: prompt },
    reference: last?.role === 'assistant' ? last.content : record.reference,
    output: typeof record.output === 'string' ? record.output : undefined,
    messages: prompt,
  };
}

function loadCsv(
  path: string,
  text: string,
  requiredVariables: string[],
  validators: Validators,
): EvalRecord[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  } catch (error) {
    throw new DatasetError(`Dataset ${path} is not valid CSV: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const ids = new Set<string>();
  const records = rows.map((row, index) => {
    const where = `${path}:${index + 2}`; // line 1 is the header (rows with embedded newlines shift this)
    const { id, reference, output, ...input } = row;
    for (const variable of requiredVariables) {
      if (input[variable] === undefined || input[variable] === '') {
        problems.push(`${where}: column "${variable}" is empty (the prompt uses {{${variable}}})`);
      }
    }
    const recordId = id ? id : `line-${index + 2}`;
    if (ids.has(recordId)) problems.push(`${where}: duplicate id "${recordId}"`);
    ids.add(recordId);
    let parsedReference: unknown = reference;
    if (reference !== undefined && reference !== '') {
      try {
        parsedReference = JSON.parse(reference);
      } catch {
        parsedReference = reference;
      }
    }
    checkInput(input, where, validators, problems);
    checkReference(parsedReference === '' ? undefined : parsedReference, where, validators, problems);
    return {
      id: recordId,
      input,
      reference: parsedReference === '' ? undefined : parsedReference,
      output: output || undefined,
    };
  });
  return finish(path, records, problems);
}

/**
 * Read outputs produced elsewhere (an incumbent's production log, a baseline): a JSONL file of
 * `{id, output}`. Malformed lines fail with file and line.
 */
export function readOutputs(path: string): Map<string, string> {
  let text: string;
  try {
    text = readTextFile(path);
  } catch (error) {
    if (error instanceof JsonlError) throw error;
    throw new DatasetError(`Cannot read outputs ${path}: ${(error as Error).message}`);
  }
  const outputs = new Map<string, string>();
  const problems: string[] = [];
  for (const { line, value, error } of parseJsonLines(text)) {
    const row = value as { id?: unknown; output?: unknown } | null;
    if (error !== undefined) problems.push(`${path}:${line}: not JSON (${error})`);
    else if (typeof row?.id !== 'string' && typeof row?.id !== 'number')
      problems.push(`${path}:${line}: field "id" must be a string or number (the record the output answers)`);
    else if (typeof row.output !== 'string')
      problems.push(`${path}:${line}: field "output" must be a string`);
    else outputs.set(String(row.id), row.output);
  }
  finish(path, [], problems, 'Outputs file');
  return outputs;
}

/** Pair records with outputs produced elsewhere; records without an output are dropped. */
export function attachOutputs(records: EvalRecord[], path: string): EvalRecord[] {
  const outputs = readOutputs(path);
  return records
    .filter((record) => outputs.has(record.id))
    .map((record) => ({ ...record, output: outputs.get(record.id) }));
}

/** The messages a model is sent for a record: its own chat prompt, or the task's system + template. */
export function promptMessages(task: Pick<Task, 'system' | 'prompt'>, record: EvalRecord): ChatMessage[] {
  return (
    record.messages ?? [
      ...(task.system ? [{ role: 'system' as const, content: task.system.trim() }] : []),
      { role: 'user' as const, content: renderTemplate(task.prompt, record.input).trim() },
    ]
  );
}

/** The reference as the text a model should produce: JSON outputs compact, text as it is. */
export function referenceText(record: EvalRecord): string {
  return typeof record.reference === 'string' ? record.reference : JSON.stringify(record.reference);
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
