import { describe, expect, it } from 'vitest';
import { evalSummary, exampleResults } from '../test-support/eval-fixtures.js';
import { renderEvalReport } from './report.js';

describe('renderEvalReport', () => {
  it('writes a self-contained page with the table and the three plots', () => {
    const results = exampleResults([0, 0.5, 1, 1]);
    const estimate = { mean: 0.625, low: 0.25, high: 1, count: 4 };
    const summary = evalSummary(estimate, { model: 'llama:<test>' });
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
