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
