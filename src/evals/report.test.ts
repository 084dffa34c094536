import { describe, expect, it } from 'vitest';
import { renderEvalReport } from './report.js';
import type { EvalSummary, ExampleResult } from './runner.js';

describe('renderEvalReport', () => {
  it('writes a self-contained page with the table and the three plots', () => {
    const results = [0, 0.5, 1, 1].map(
      (score, index): ExampleResult => ({
        exampleId: `e${index}`,
        output: '{}',
        inputTokens: 10,
        outputTokens: 5,
        latencyMs: 100 * (index + 1),
        costUsd: 0,
        grades: {},
        score,
        pass: score >= 0.8,
      }),
    );
    const estimate = { mean: 0.625, low: 0.25, high: 1, count: 4 };
    const summary: EvalSummary = {
      runId: 'abc',
      model: 'llama:<test>',
      dataset: '/d.jsonl',
      examples: 4,
      resumed: 0,
      overall: estimate,
      passRate: 0.5,
      graders: [{ name: 'schema', score: estimate, passRate: 0.5, errors: 1 }],
      latencyMs: { p50: 250, p95: 385 },
      tokensPerRequest: { input: 10, output: 5 },
      costPer1000Requests: 0,
      judge: { tokensPerRequest: 0, costPer1000Requests: null },
    };
    const html = renderEvalReport(summary, results, 'clinical-notes eval');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('llama:&#60;test&#62;'); // escaped
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html.match(/class="bar"/g)).toHaveLength(2); // schema + overall
    expect(html.match(/class="bin"/g)).toHaveLength(10 + 12);
    expect(html).toContain('<td>schema</td><td>0.625</td><td>[0.250, 1.000]</td><td>50.0%</td><td>1</td>');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
