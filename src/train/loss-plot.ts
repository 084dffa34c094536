import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml, htmlPage } from '../common/html.js';
import { readJsonl } from '../common/jsonl.js';
import { linearScale, linePath, svgElement } from '../common/svg.js';
import { writeFileAtomic } from '../store/atomic-file.js';

/**
 * A training run's loss curve as a self-contained HTML page with an inline SVG: training loss per
 * step (thin) and validation loss (dots joined), on shared axes.
 */
export interface LossPoint {
  type: 'train' | 'validation';
  step: number;
  loss: number;
}

/** Write `loss.html` beside the run's metrics; returns its path (undefined before any step). */
export function writeLossPlot(runDirectory: string): string | undefined {
  const metricsFile = join(runDirectory, 'metrics.jsonl');
  if (!existsSync(metricsFile)) return undefined;
  const points = readJsonl<LossPoint>(metricsFile);
  const path = join(runDirectory, 'loss.html');
  writeFileAtomic(
    path,
    renderLossCurve(
      // GRPO validates by score, not loss: those points belong to its own report.
      points.filter((point) => typeof point.loss === 'number'),
      runDirectory,
    ),
  );
  return path;
}

export function renderLossCurve(points: LossPoint[], title: string): string {
  const train = points.filter((point) => point.type === 'train');
  const validation = points.filter((point) => point.type === 'validation');
  const width = 720;
  const height = 320;
  const margin = { left: 56, right: 16, top: 16, bottom: 40 };
  const steps = points.map((point) => point.step);
  const losses = points.map((point) => point.loss);
  const maxStep = Math.max(1, ...steps);
  const low = losses.length > 0 ? Math.min(...losses) : 0;
  const high = losses.length > 0 ? Math.max(...losses) : 1;
  const span = high - low || 1;
  const x = linearScale([0, maxStep], [margin.left, width - margin.right]);
  const y = linearScale([low, high], [height - margin.bottom, margin.top]);
  const line = (series: LossPoint[]) => linePath(series.map((point) => [x(point.step), y(point.loss)]));
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => {
    const loss = low + fraction * span;
    return `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(loss)}" y2="${y(loss)}" stroke="#e3e6ee"/><text x="8" y="${y(loss) + 4}">${loss.toFixed(3)}</text>`;
  });
  const dots = validation.map(
    (point) =>
      `<circle cx="${x(point.step)}" cy="${y(point.loss)}" r="3.5" fill="#d9480f"><title>step ${point.step}: ${point.loss.toFixed(4)}</title></circle>`,
  );
  const svg = svgElement(
    width,
    height,
    `
${ticks.join('\n')}
<path d="${line(train)}" fill="none" stroke="#3b5bdb" stroke-width="1.5"/>
<path d="${line(validation)}" fill="none" stroke="#d9480f" stroke-width="2" stroke-dasharray="4 3"/>
${dots.join('\n')}
<text x="${width / 2 - 20}" y="${height - 8}">step (max ${maxStep})</text>
`,
    ' aria-label="loss curve"',
  );
  return htmlPage({
    title: `Loss: ${title}`,
    // Its own, tighter look: the page holds one plot.
    style:
      'body{font:14px system-ui,sans-serif;margin:24px;color:#1d2330}svg{background:#fafbfd;border:1px solid #e3e6ee;border-radius:6px}text{font-size:11px;fill:#555}',
    body: `<h1>Loss curve</h1><p>${escapeHtml(title)}</p>
<p><span style="color:#3b5bdb">━ training loss</span> · <span style="color:#d9480f">● validation loss</span> · ${train.length} steps, ${validation.length} validations</p>
${svg}`,
  });
}
