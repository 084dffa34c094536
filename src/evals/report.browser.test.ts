import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { evalSummary, exampleResults } from '../test-support/eval-fixtures.js';
import { renderEvalReport } from './report.js';
import { bootstrapMean } from './statistics.js';

// The report as a person sees it: opened in headless Chromium (Debian's, installed by `make test`),
// its plots laid out with real sizes, and a screenshot taken.
describe('eval report in a browser', () => {
  it('renders the table and all three plots', async () => {
    const scores = Array.from({ length: 40 }, (_, index) => (index % 5) / 4);
    const results = exampleResults(scores);
    const summary = evalSummary(bootstrapMean(scores), {
      graders: [{ name: 'fields', score: bootstrapMean(scores), passRate: 0.4, errors: 0 }],
    });
    const directory = mkdtempSync(join(tmpdir(), 'tailor-report-'));
    const page = join(directory, 'report.html');
    writeFileSync(page, renderEvalReport(summary, results, 'browser check'));

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
    });
    try {
      const tab = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
      await tab.goto(`file://${page}`);
      expect(await tab.locator('h1').textContent()).toBe('browser check');
      const plots = tab.locator('svg');
      expect(await plots.count()).toBe(3);
      for (let index = 0; index < 3; index++) {
        const box = await plots.nth(index).boundingBox();
        expect(box!.width).toBeGreaterThan(600);
        expect(box!.height).toBeGreaterThan(80);
      }
      const bars = await tab
        .locator('rect.bin')
        .evaluateAll((nodes) =>
          nodes.map((node) => (node as unknown as { getBBox(): { height: number } }).getBBox().height),
        );
      expect(bars.filter((height) => height > 0).length).toBeGreaterThanOrEqual(5);
      const screenshot = await tab.screenshot({ path: join(directory, 'report.png'), fullPage: true });
      expect(screenshot.length).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
