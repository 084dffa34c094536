import { quantile } from '../common/statistics.js';
import type { EvalSummary } from './runner.js';

/**
 * "Cheaper and faster" as a measured row, not a claim: a model run here has its latency, tokens and
 * cost measured; supplied outputs (an incumbent's) have no latency, and their tokens and cost are an
 * estimate at a named API price, or nothing. Never $0 and 0 s as if they had been measured.
 */
/** Latency, tokens and cost, saying which of them were measured here and which are estimates. */
export function economicsLine(summary: EvalSummary): string {
  const cost = (value: number | null) => (value === null ? 'unknown' : `$${value.toFixed(4)}`);
  const judge =
    summary.judge.tokensPerRequest > 0
      ? ` · judge ${summary.judge.tokensPerRequest.toFixed(0)} tokens/request, cost/1k ${cost(summary.judge.costPer1000Requests)}`
      : '';
  const { economics } = summary;
  if (economics.latency === 'measured')
    return `latency p50 ${(summary.latencyMs.p50 / 1000).toFixed(2)}s · p95 ${(summary.latencyMs.p95 / 1000).toFixed(2)}s · tokens/request ${summary.tokensPerRequest.input.toFixed(0)} in / ${summary.tokensPerRequest.output.toFixed(0)} out · cost/1k requests ${cost(summary.costPer1000Requests)}${judge}`;
  if (economics.tokens === 'estimated')
    return `supplied outputs: latency not measured · tokens/request ~${summary.tokensPerRequest.input.toFixed(0)} in / ~${summary.tokensPerRequest.output.toFixed(0)} out (estimated at 4 characters a token) · cost/1k requests ~${cost(summary.costPer1000Requests)} priced as ${economics.pricedAs}${judge}`;
  return `supplied outputs: latency, tokens and cost not measured (--priced-as <model> prices them as an API model)${judge}`;
}

/** One side of a comparison: latency, tokens and cost from a stored run, and how each is known. */
export interface RunEconomics {
  /** Median seconds per request; null when not measured. */
  latencyP50Seconds: number | null;
  /** Mean tokens per request; null when not measured. */
  tokens: { input: number; output: number } | null;
  /** USD per 1000 requests; null when unknown. */
  costPer1000Requests: number | null;
  basis: EvalSummary['economics'];
}

export function runEconomics(
  results: readonly {
    latencyMs: number;
    inputTokens: number;
    outputTokens: number;
    costUsd: number | null;
  }[],
  basis: EvalSummary['economics'],
): RunEconomics {
  const count = Math.max(1, results.length);
  const costs = results.map((result) => result.costUsd);
  const latencies = results.map((result) => result.latencyMs).sort((a, b) => a - b);
  return {
    latencyP50Seconds: basis.latency === 'measured' ? quantile(latencies, 0.5) / 1000 : null,
    tokens:
      basis.tokens === 'not measured'
        ? null
        : {
            input: results.reduce((sum, result) => sum + result.inputTokens, 0) / count,
            output: results.reduce((sum, result) => sum + result.outputTokens, 0) / count,
          },
    costPer1000Requests: costs.some((cost) => cost === null)
      ? null
      : (costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0) / count) * 1000,
    basis,
  };
}

/** The rows `tailor compare` prints under its statistics: each side's latency, tokens and cost. */
export function economicsRows(economics: RunEconomics): [string, string, string] {
  const estimated = economics.basis.tokens === 'estimated' ? '~' : '';
  return [
    economics.latencyP50Seconds === null ? 'not measured' : `${economics.latencyP50Seconds.toFixed(2)} s`,
    economics.tokens === null
      ? 'not measured'
      : `${estimated}${economics.tokens.input.toFixed(0)} in / ${estimated}${economics.tokens.output.toFixed(0)} out`,
    economics.costPer1000Requests === null
      ? 'unknown'
      : `${estimated}$${economics.costPer1000Requests.toFixed(4)}${economics.basis.pricedAs ? ` (priced as ${economics.basis.pricedAs})` : ''}`,
  ];
}
