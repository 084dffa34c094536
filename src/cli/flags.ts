import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TailorError } from '../core/errors.js';

/** A flag that takes a whole number of at least 1 (`--limit`, `--samples`), or a usage error naming it. */
export function positiveInteger(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new TailorError('usage', `${flag} must be a positive integer, not "${value}"`);
  }
  return parsed;
}

/** A flag that takes a whole number of 0 or more (`--seed`), or a usage error naming it. */
export function wholeNumber(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new TailorError('usage', `${flag} must be a whole number, not "${value}"`);
  }
  return parsed;
}

/** A flag that takes a number from 0 to 1 (`--fail-under`, `--margin`), or a usage error naming it. */
export function fraction(value: string, flag: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 1) {
    throw new TailorError('usage', `${flag} must be a number from 0 to 1, not "${value}"`);
  }
  return parsed;
}

/** A flag that takes a number above 0 (`--temperature`), or a usage error naming it. */
export function positiveNumber(value: string, flag: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new TailorError('usage', `${flag} must be a number above 0, not "${value}"`);
  }
  return parsed;
}

/**
 * A flag naming a file to write (`--report`, `--out`), checked before the command does its work: a
 * path that is a folder, or that runs through a file, is a usage error now rather than a failed write
 * after an eval was stored. Returns the absolute path.
 */
export function outputFile(value: string, flag: string): string {
  const path = resolve(value);
  if (existsSync(path) && statSync(path).isDirectory())
    throw new TailorError('usage', `${flag} ${value} is a folder; give the path of a file to write`);
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    if (existsSync(folder)) {
      if (!statSync(folder).isDirectory())
        throw new TailorError(
          'usage',
          `${flag} ${value} cannot be written: ${folder} is a file, not a folder`,
        );
      break;
    }
    if (dirname(folder) === folder) break;
  }
  return path;
}
