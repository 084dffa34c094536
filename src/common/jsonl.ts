import { readFileSync } from 'node:fs';
import { TailorError } from '../core/errors.js';

/**
 * JSONL (one JSON value per line), read and written one way everywhere: datasets, outputs, labels,
 * metrics files. Blank lines are skipped but still counted, so line numbers match an editor's.
 */

/** A line of a JSONL file is not JSON; the message names the file and the line. */
export class JsonlError extends TailorError {
  constructor(message: string) {
    super('jsonl-invalid', message);
  }
}

/** One non-blank line: its number (from 1) and its value, or why it is not JSON. */
export interface JsonLine {
  line: number;
  value?: unknown;
  /** Set when the line does not parse (JSON.parse's message); `value` is then absent. */
  error?: string;
}

/** Every non-blank line of a JSONL text, parsed; a line that does not parse says why, and reading goes on. */
export function parseJsonLines(text: string): JsonLine[] {
  const lines: JsonLine[] = [];
  text.split('\n').forEach((content, index) => {
    if (content.trim() === '') return;
    try {
      lines.push({ line: index + 1, value: JSON.parse(content) });
    } catch (error) {
      lines.push({ line: index + 1, error: (error as Error).message });
    }
  });
  return lines;
}

/**
 * A text file as UTF-8, the byte-order mark some editors write dropped. Bytes that are not UTF-8 fail
 * with the file and the first line that holds them: replacing them silently would put U+FFFD into a
 * dataset, and from there into a model.
 */
export function readTextFile(path: string): string {
  const bytes = readFileSync(path);
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return strictUtf8.decode(body);
  } catch {
    let start = 0;
    for (let line = 1; ; line++) {
      const end = body.indexOf(0x0a, start);
      const content = body.subarray(start, end === -1 ? body.length : end);
      try {
        strictUtf8.decode(content);
      } catch {
        throw new JsonlError(`${path}:${line}: not UTF-8 text (save the file as UTF-8)`);
      }
      if (end === -1) throw new JsonlError(`${path}: not UTF-8 text (save the file as UTF-8)`);
      start = end + 1;
    }
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A JSONL file's values in order; a line that is not JSON fails with the file and line. */
export function readJsonl<T = unknown>(path: string): T[] {
  return parseJsonLines(readTextFile(path)).map(({ line, value, error }) => {
    if (error !== undefined) throw new JsonlError(`${path}:${line}: not JSON (${error})`);
    return value as T;
  });
}

/** Values as JSONL text: one compact JSON value per line, every line ended (nothing for no values). */
export function toJsonl(values: readonly unknown[]): string {
  return values.map((value) => `${JSON.stringify(value)}\n`).join('');
}
