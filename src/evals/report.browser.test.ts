import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bootstrapMean } from '../common/statistics.js';
import { evalSummary, exampleResults } from '../test-support/eval-fixtures.js';
import { comparePaired } from './compare.js';
import { renderCompareReport, renderEvalReport } from './report.js';

// The report as a person sees it: opened in headless Chromium (Debian's, installed by `make test`),
// its plots laid out with real sizes, and a screenshot taken.
const launch = () =>
  chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });

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

    const browser = await launch();
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

  it('renders the compare report: one scatter point per example, inside the plot', async () => {
    const pairs = Array.from({ length: 60 }, (_, index) => ({
      exampleId: `e${index}`,
      scoreA: (index % 5) / 4,
      scoreB: ((index * 3) % 5) / 4,
      passA: index % 5 === 4,
      passB: (index * 3) % 5 === 4,
    }));
    const directory = mkdtempSync(join(tmpdir(), 'tailor-compare-report-'));
    const page = join(directory, 'compare.html');
    writeFileSync(
      page,
      renderCompareReport({
        title: 'compare check',
        labelA: 'a',
        labelB: 'b',
        comparison: comparePaired(pairs),
        pairs,
      }),
    );
    const browser = await launch();
    try {
      const tab = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
      await tab.goto(`file://${page}`);
      const [scatterBox, points] = await Promise.all([
        tab.locator('svg').first().boundingBox(),
        tab
          .locator('circle.point')
          .evaluateAll((nodes) =>
            nodes
              .map((node) =>
                (
                  node as unknown as { getBoundingClientRect(): { x: number; y: number } }
                ).getBoundingClientRect(),
              )
              .map((box) => ({ x: box.x, y: box.y })),
          ),
      ]);
      expect(points).toHaveLength(60);
      for (const point of points) {
        expect(point.x).toBeGreaterThan(scatterBox!.x);
        expect(point.x).toBeLessThan(scatterBox!.x + scatterBox!.width);
        expect(point.y).toBeGreaterThan(scatterBox!.y);
        expect(point.y).toBeLessThan(scatterBox!.y + scatterBox!.height);
      }
      const screenshot = await tab.screenshot({ path: join(directory, 'compare.png'), fullPage: true });
      expect(screenshot.length).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
