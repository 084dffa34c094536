import { bootstrapMean, type Estimate } from '../common/statistics.js';

/**
 * Paired comparison of two eval runs on the same examples: the mean difference (B − A) with a paired
 * bootstrap CI, wins/losses/ties, an exact sign test on the score differences and an exact McNemar
 * test on pass/fail, and the regressions (examples A passed and B failed).
 */
export interface PairedExample {
  exampleId: string;
  scoreA: number;
  scoreB: number;
  passA: boolean;
  passB: boolean;
}

export interface Comparison {
  examples: number;
  difference: Estimate;
  wins: number;
  losses: number;
  ties: number;
  signTestP: number;
  mcnemarP: number;
  regressions: string[];
}

/** Two runs' results paired by example id: the examples both have, in A's order. */
export function pairResults(
  a: readonly { exampleId: string; score: number; pass: boolean }[],
  b: readonly { exampleId: string; score: number; pass: boolean }[],
): PairedExample[] {
  const byId = new Map(b.map((result) => [result.exampleId, result]));
  return a
    .filter((result) => byId.has(result.exampleId))
    .map((result) => {
      const other = byId.get(result.exampleId)!;
      return {
        exampleId: result.exampleId,
        scoreA: result.score,
        scoreB: other.score,
        passA: result.pass,
        passB: other.pass,
      };
    });
}

export function comparePaired(pairs: PairedExample[]): Comparison {
  const differences = pairs.map((pair) => pair.scoreB - pair.scoreA);
  const wins = differences.filter((difference) => difference > 1e-12).length;
  const losses = differences.filter((difference) => difference < -1e-12).length;
  const onlyB = pairs.filter((pair) => pair.passB && !pair.passA).length;
  const onlyA = pairs.filter((pair) => pair.passA && !pair.passB).length;
  return {
    examples: pairs.length,
    difference: bootstrapMean(differences),
    wins,
    losses,
    ties: pairs.length - wins - losses,
    signTestP: exactBinomialTwoSided(wins, wins + losses),
    mcnemarP: exactBinomialTwoSided(onlyB, onlyA + onlyB),
    regressions: pairs.filter((pair) => pair.passA && !pair.passB).map((pair) => pair.exampleId),
  };
}

/** Two-sided exact binomial test of k successes in n trials against p = 0.5. */
export function exactBinomialTwoSided(k: number, n: number): number {
  if (n === 0) return 1;
  const logChoose = (total: number, chosen: number) =>
    logFactorial(total) - logFactorial(chosen) - logFactorial(total - chosen);
  const probability = (i: number) => Math.exp(logChoose(n, i) - n * Math.LN2);
  const observed = probability(k);
  let p = 0;
  for (let i = 0; i <= n; i++) {
    const value = probability(i);
    if (value <= observed * (1 + 1e-9)) p += value;
  }
  return Math.min(1, p);
}

function logFactorial(n: number): number {
  let sum = 0;
  for (let i = 2; i <= n; i++) sum += Math.log(i);
  return sum;
}
