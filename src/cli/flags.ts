import { TailorError } from '../core/errors.js';

/** A flag that takes a whole number of at least 1 (`--limit`, `--samples`), or a usage error naming it. */
export function positiveInteger(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new TailorError('usage', `${flag} must be a positive integer, not "${value}"`);
  }
  return parsed;
}
