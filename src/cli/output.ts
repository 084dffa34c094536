import { TailorError } from '../core/errors.js';
import { GateFailedError } from '../evals/gate.js';

export { formatEstimate } from '../common/format.js';

/** Print rows as an aligned text table. */
export function printTable(
  headers: string[],
  rows: string[][],
  stream: NodeJS.WritableStream = process.stdout,
): void {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  stream.write(`${line(headers)}\n`);
  for (const row of rows) stream.write(`${line(row)}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Errors Tailor raised on purpose print as `error: message` plus a hint; anything else is a bug and
 * keeps its stack. Under `--json` the error is a JSON object on stdout for scripts.
 */
export function reportError(error: unknown, json: boolean): number {
  // A gate that did not hold comes after the command printed its results (JSON too): the reason goes
  // to stderr only, so stdout stays one document.
  if (error instanceof GateFailedError) {
    process.stderr.write(`gate failed: ${error.message}\n`);
    return 3;
  }
  if (error instanceof TailorError) {
    if (json) printJson({ error: { code: error.code, message: error.message, hint: error.hint } });
    else {
      process.stderr.write(`error: ${error.message}\n`);
      if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    }
    return 1;
  }
  if (json) printJson({ error: { code: 'internal', message: (error as Error)?.message ?? String(error) } });
  else process.stderr.write(`internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 70;
}
