import { describe, expect, it } from 'vitest';
import { evalSummary } from '../test-support/eval-fixtures.js';
import { economicsLine, economicsRows, runEconomics } from './economics.js';

const estimate = { mean: 0.5, low: 0.4, high: 0.6, count: 2 };
const results = [
  { latencyMs: 400, inputTokens: 100, outputTokens: 20, costUsd: 0.001 },
  { latencyMs: 200, inputTokens: 300, outputTokens: 40, costUsd: 0.003 },
];

describe('economics', () => {
  it('prints measured numbers for a model run here', () => {
    expect(economicsLine(evalSummary(estimate))).toMatch(
      /^latency p50 0\.25s · p95 0\.39s · tokens\/request 10 in/,
    );
    const economics = runEconomics(results, { latency: 'measured', tokens: 'measured' });
    expect(economics).toMatchObject({ latencyP50Seconds: 0.3, tokens: { input: 200, output: 30 } });
    expect(economics.costPer1000Requests).toBeCloseTo(2);
    expect(economicsRows(economics)).toEqual(['0.30 s', '200 in / 30 out', '$2.0000']);
  });

  it('never prints supplied outputs as measured: estimates are marked, the rest says not measured', () => {
    const priced = { latency: 'not measured', tokens: 'estimated', pricedAs: 'openai:gpt-4.1-mini' } as const;
    expect(economicsRows(runEconomics(results, priced))).toEqual([
      'not measured',
      '~200 in / ~30 out',
      '~$2.0000 (priced as openai:gpt-4.1-mini)',
    ]);
    expect(economicsLine(evalSummary(estimate, { economics: priced }))).toContain(
      'latency not measured · tokens/request ~10 in / ~5 out (estimated at 4 characters a token)',
    );
    const unpriced = { latency: 'not measured', tokens: 'not measured' } as const;
    const free = results.map((result) => ({ ...result, costUsd: null }));
    expect(economicsRows(runEconomics(free, unpriced))).toEqual(['not measured', 'not measured', 'unknown']);
    expect(economicsLine(evalSummary(estimate, { economics: unpriced }))).toBe(
      'supplied outputs: latency, tokens and cost not measured (--priced-as <model> prices them as an API model)',
    );
  });
});
