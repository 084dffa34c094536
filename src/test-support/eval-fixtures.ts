import type { Estimate } from '../common/statistics.js';
import type { EvalSummary, ExampleResult } from '../evals/runner.js';

/** Example results with the given scores (latencies 100 ms apart), for report tests. */
export function exampleResults(scores: number[]): ExampleResult[] {
  return scores.map((score, index) => ({
    exampleId: `e${index}`,
    output: '{}',
    inputTokens: 10,
    outputTokens: 5,
    latencyMs: 100 * (index + 1),
    costUsd: 0,
    grades: {},
    score,
    pass: score >= 0.8,
  }));
}

/** A summary with one grader whose estimate is also the overall one. */
export function evalSummary(estimate: Estimate, overrides: Partial<EvalSummary> = {}): EvalSummary {
  return {
    runId: 'test-run',
    model: 'llama:smollm2-135m-instruct',
    dataset: 'data.jsonl',
    examples: estimate.count,
    resumed: 0,
    overall: estimate,
    passRate: 0.5,
    graders: [{ name: 'schema', score: estimate, passRate: 0.5, errors: 1 }],
    latencyMs: { p50: 250, p95: 385 },
    tokensPerRequest: { input: 10, output: 5 },
    costPer1000Requests: 0,
    judge: { tokensPerRequest: 0, costPer1000Requests: null },
    economics: { latency: 'measured', tokens: 'measured' },
    ...overrides,
  };
}
