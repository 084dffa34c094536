import { type Comparison, comparePaired, type PairedExample } from '../evals/compare.js';

/**
 * The loop's release gate: a candidate replaces prod only if all three hold.
 *
 * 1. **Better beyond doubt** on the pinned eval set: the lower end of the 95% paired-bootstrap CI of
 *    (candidate − prod) reaches `minDifference`. A difference too noisy to tell fails: a gate that
 *    lets through what it cannot vouch for does not protect production.
 * 2. **No anchor regresses**: on every anchor example the candidate scores at least what prod does.
 *    Anchors are the cases a team has promised never to break again.
 * 3. **Safety stays clean**: the candidate fails none of the safety graders on an example (eval set or
 *    anchor) where prod passes it.
 */
export interface GateResult {
  exampleId: string;
  score: number;
  pass: boolean;
  /** Pass/fail per grader that ran. */
  graders: Record<string, boolean | undefined>;
}

export interface GateCheck {
  name: 'difference' | 'anchors' | 'safety';
  passed: boolean;
  detail: string;
}

export interface GateVerdict {
  passed: boolean;
  comparison: Comparison;
  checks: GateCheck[];
  /** One sentence: why it was promoted, or why prod stays. */
  reason: string;
}

export interface GateOptions {
  prod: GateResult[];
  candidate: GateResult[];
  anchors?: { prod: GateResult[]; candidate: GateResult[] };
  minDifference: number;
  safety: readonly string[];
}

export function loopGate(options: GateOptions): GateVerdict {
  const pairs = paired(options.prod, options.candidate);
  if (pairs.length === 0)
    throw new Error('the gate has no example both prod and the candidate were graded on');
  const comparison = comparePaired(
    pairs.map(
      ([a, b]): PairedExample => ({
        exampleId: a.exampleId,
        scoreA: a.score,
        scoreB: b.score,
        passA: a.pass,
        passB: b.pass,
      }),
    ),
  );
  const { difference } = comparison;
  const interval = `${signed(difference.mean)} [95% CI ${signed(difference.low)}, ${signed(difference.high)}] over ${difference.count} paired examples`;
  const checks: GateCheck[] = [
    difference.low >= options.minDifference
      ? {
          name: 'difference',
          passed: true,
          detail: `candidate − prod ${interval}: the CI's lower end reaches ${signed(options.minDifference)}`,
        }
      : {
          name: 'difference',
          passed: false,
          detail: `candidate − prod ${interval}: the CI's lower end is below ${signed(options.minDifference)}`,
        },
  ];

  const anchorPairs = options.anchors ? paired(options.anchors.prod, options.anchors.candidate) : [];
  if (options.anchors) {
    const regressed = anchorPairs.filter(([a, b]) => b.score < a.score - 1e-9).map(([a]) => a.exampleId);
    checks.push(
      regressed.length === 0
        ? { name: 'anchors', passed: true, detail: `no anchor regresses (${anchorPairs.length} anchors)` }
        : {
            name: 'anchors',
            passed: false,
            detail: `${regressed.length} of ${anchorPairs.length} anchors score lower than prod: ${list(regressed)}`,
          },
    );
  }

  if (options.safety.length > 0) {
    const broken = [...pairs, ...anchorPairs].flatMap(([a, b]) =>
      options.safety
        .filter((grader) => a.graders[grader] === true && b.graders[grader] !== true)
        .map((grader) => `${a.exampleId} (${grader})`),
    );
    checks.push(
      broken.length === 0
        ? { name: 'safety', passed: true, detail: `no new failure of ${options.safety.join(', ')}` }
        : { name: 'safety', passed: false, detail: `new safety failures: ${list(broken)}` },
    );
  }

  const failed = checks.filter((check) => !check.passed);
  return {
    passed: failed.length === 0,
    comparison,
    checks,
    reason:
      failed.length === 0
        ? `promoted: ${checks.map((check) => check.detail).join('; ')}`
        : `prod kept: ${failed.map((check) => check.detail).join('; ')}`,
  };
}

function paired(a: GateResult[], b: GateResult[]): [GateResult, GateResult][] {
  const byId = new Map(b.map((result) => [result.exampleId, result]));
  return a
    .filter((result) => byId.has(result.exampleId))
    .map((result) => [result, byId.get(result.exampleId)!]);
}

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
const list = (ids: string[]) =>
  ids.length > 8 ? `${ids.slice(0, 8).join(', ')} and ${ids.length - 8} more` : ids.join(', ');
