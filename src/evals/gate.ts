import type { Estimate } from '../common/statistics.js';
import { TailorError } from '../core/errors.js';

/**
 * Release gates over eval results, for CI: `tailor eval --fail-under` and `tailor compare
 * --fail-if-worse`. A gate that does not hold is not an error in the run (the run finished and is
 * stored); the command prints its results as usual, then exits 3 with the reason on stderr.
 */
export interface GateVerdict {
  passed: boolean;
  reason: string;
}

/** The run's overall score (its mean over the examples) must reach `threshold`. */
export function scoreGate(overall: Estimate, threshold: number): GateVerdict {
  const score = `overall score ${overall.mean.toFixed(3)} [95% CI ${overall.low.toFixed(3)}, ${overall.high.toFixed(3)}] over ${overall.count} examples`;
  return overall.mean >= threshold
    ? { passed: true, reason: `${score} reaches --fail-under ${threshold}` }
    : { passed: false, reason: `${score} is below --fail-under ${threshold}` };
}

/**
 * B must be shown no worse than A by more than `margin`: the lower end of the 95% CI of the paired
 * difference B − A must be at least −margin. A difference too noisy to tell fails too: a gate that
 * lets through what it cannot vouch for does not protect a release.
 */
export function noWorseGate(difference: Estimate, margin: number): GateVerdict {
  const interval = `B − A ${difference.mean.toFixed(3)} [95% CI ${difference.low.toFixed(3)}, ${difference.high.toFixed(3)}] over ${difference.count} paired examples`;
  return difference.low >= -margin
    ? { passed: true, reason: `${interval}: B is no worse than A by more than the margin ${margin}` }
    : {
        passed: false,
        reason: `${interval}: the CI's lower end is below −${margin} (--margin), so B is not shown to be no worse than A`,
      };
}

/** Thrown after a command printed its results, when its gate did not hold: exit code 3. */
export class GateFailedError extends TailorError {
  constructor(reason: string) {
    super('gate-failed', reason);
  }
}
