import { describe, expect, it } from 'vitest';
import { evalSummary, exampleResults } from '../test-support/eval-fixtures.js';
import { comparePaired } from './compare.js';
import { renderCompareReport, renderEvalReport } from './report.js';

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

describe('renderCompareReport', () => {
  it('has the paired statistics, one scatter point per example and the differences histogram', () => {
    const pairs = [0, 0.25, 0.5, 1].map((scoreA, index) => ({
      exampleId: `e${index}`,
      scoreA,
      scoreB: index === 3 ? 0 : 1,
      passA: scoreA >= 0.8,
      passB: index !== 3,
    }));
    const comparison = comparePaired(pairs);
    const html = renderCompareReport({
      title: 'base vs sft',
      labelA: 'a',
      labelB: 'b<sft>',
      comparison,
      pairs,
    });
    expect(html).toContain('b&#60;sft&#62;');
    expect(html.match(/<circle class="point"/g)).toHaveLength(4);
    expect(html.match(/fill="#2f9e5b"/g)?.length).toBeGreaterThanOrEqual(3); // the three B wins, plus the legend
    expect(html).toContain('<tr><th>wins · losses · ties (B vs A)</th><td>3 · 1 · 0</td></tr>');
    expect(html).toContain('regressions (A passed, B failed)</th><td>1: e3');
    expect(html.match(/class="bin"/g)).toHaveLength(20);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
