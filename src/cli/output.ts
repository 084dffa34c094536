import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
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
 * Errors Tailor raised on purpose print as `error: message` plus a hint. Anything else is a bug: the
 * user gets one line saying so, where its detail went and where to report it; the stack goes to a
 * log file, because a trace on the terminal reads as "you did something wrong" and helps no one but
 * us. Under `--json` the error is a JSON object on stdout for scripts.
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
  const message = (error as Error)?.message ?? String(error);
  const log = writeCrashLog(error);
  if (json) printJson({ error: { code: 'internal', message, ...(log ? { log } : {}) } });
  else {
    process.stderr.write(`internal error: ${message}\n`);
    process.stderr.write(
      `This is a bug in Tailor, not a mistake in what you typed. ${log ? `The details are in ${log}; please report it to the Tailor team with that file.` : 'Please report it to the Tailor team with the command you ran.'}\n`,
    );
  }
  return 70;
}

/** The crash's stack and context under the user's log folder; undefined when even that fails. */
function writeCrashLog(error: unknown): string | undefined {
  try {
    const folder =
      process.env.TAILOR_LOG_DIR ??
      join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'tailor', 'logs');
    mkdirSync(folder, { recursive: true });
    const at = new Date().toISOString();
    const file = join(folder, `crash-${at.replace(/[:.]/g, '-')}-${process.pid}.log`);
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    writeFileSync(
      file,
      `time: ${at}\ncommand: ${process.argv.slice(2).join(' ')}\nnode: ${process.version} ${process.platform}-${process.arch}\n\n${detail}\n`,
    );
    return file;
  } catch {
    return undefined;
  }
}
