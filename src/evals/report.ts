import { formatNumber, formatPercent } from '../common/format.js';
import { escapeHtml, htmlPage, reportStyle } from '../common/html.js';
import { linearScale, svgElement } from '../common/svg.js';
import type { PairwiseSummary } from '../task/graders/pairwise-judge.js';
import type { Comparison, PairedExample } from './compare.js';
import { economicsLine } from './economics.js';
import type { EvalSummary, ExampleResult } from './runner.js';

/**
 * A self-contained HTML report of an eval run: summary table, per-grader bars with 95% CIs, the
 * distribution of example scores and a latency histogram. Plain inline SVG, no scripts or network,
 * so it opens anywhere and can be attached to a ticket.
 */
export function renderEvalReport(summary: EvalSummary, results: ExampleResult[], title: string): string {
  const rows = summary.graders
    .map(
      (grader) =>
        `<tr><td>${escapeHtml(grader.name)}</td><td>${formatNumber(grader.score.mean)}</td><td>[${formatNumber(grader.score.low)}, ${formatNumber(grader.score.high)}]</td><td>${formatPercent(grader.passRate)}</td><td>${grader.errors}</td></tr>${grader.positionConsistency !== undefined ? `<tr class="muted"><td colspan="5">${escapeHtml(grader.name)}: pairwise against a baseline, position consistency ${formatPercent(grader.positionConsistency)}</td></tr>` : ''}`,
    )
    .join('');
  const bars = barChart([
    ...summary.graders.map((grader) => ({ label: grader.name, ...grader.score })),
    { label: 'overall', ...summary.overall },
  ]);
  const scores = histogram(
    results.map((result) => result.score),
    10,
    [0, 1],
    'example score',
  );
  const latencies = results.map((result) => result.latencyMs / 1000);
  // Supplied outputs were not timed here: the panel says so instead of drawing a bar at 0 s.
  const latency =
    summary.economics.latency === 'measured'
      ? histogram(latencies, 12, [0, Math.max(0.001, ...latencies)], 'latency (s)')
      : svgElement(
          480,
          60,
          '<text x="240" y="35" text-anchor="middle" class="muted">latency not measured: these outputs were supplied, not generated here</text>',
        );
  return htmlPage({
    title,
    style: reportStyle,
    body: `<h1>${escapeHtml(title)}</h1>
<p class="muted">model ${escapeHtml(summary.model)} · ${summary.examples} examples · run ${summary.runId} · dataset ${escapeHtml(summary.dataset)}</p>
<table><tr><th>grader</th><th>mean</th><th>95% CI</th><th>pass</th><th>errors</th></tr>${rows}
<tr><td><b>overall</b></td><td><b>${formatNumber(summary.overall.mean)}</b></td><td>[${formatNumber(summary.overall.low)}, ${formatNumber(summary.overall.high)}]</td><td>${formatPercent(summary.passRate)}</td><td></td></tr></table>
<p class="muted">${escapeHtml(economicsLine(summary))}</p>
<h2>Scores by grader (95% bootstrap CI)</h2>${bars}
<h2>Distribution of example scores</h2>${scores}
<h2>Latency</h2>${latency}`,
  });
}

/**
 * The report of `tailor compare`: the paired statistics, a scatter of every example's score under A
 * (x) and B (y) — points above the diagonal are examples B does better on — and the distribution of
 * the differences. Same rules as the eval report: one file, inline SVG, nothing fetched.
 */
export function renderCompareReport(options: {
  title: string;
  labelA: string;
  labelB: string;
  comparison: Comparison;
  pairs: PairedExample[];
  pairwise?: PairwiseSummary | undefined;
}): string {
  const { comparison, pairs } = options;
  const { difference } = comparison;
  const regressions = comparison.regressions.slice(0, 50).map(escapeHtml).join(', ');
  const pairwise = options.pairwise
    ? `<p>Pairwise judge (both orders) on ${options.pairwise.pairs} pairs: A ${options.pairwise.winsA} · B ${options.pairwise.winsB} · tie ${options.pairwise.ties} · judge errors ${options.pairwise.errors} · position consistency ${formatPercent(options.pairwise.positionConsistency)}</p>`
    : '';
  return htmlPage({
    title: options.title,
    style: reportStyle,
    body: `<h1>${escapeHtml(options.title)}</h1>
<p class="muted">A ${escapeHtml(options.labelA)}<br>B ${escapeHtml(options.labelB)}</p>
<table>
<tr><th>shared examples</th><td>${comparison.examples}</td></tr>
<tr><th>score difference B − A</th><td>${formatNumber(difference.mean)} [95% CI ${formatNumber(difference.low)}, ${formatNumber(difference.high)}]</td></tr>
<tr><th>wins · losses · ties (B vs A)</th><td>${comparison.wins} · ${comparison.losses} · ${comparison.ties}</td></tr>
<tr><th>sign test p</th><td>${comparison.signTestP.toPrecision(3)}</td></tr>
<tr><th>McNemar p (pass/fail)</th><td>${comparison.mcnemarP.toPrecision(3)}</td></tr>
<tr><th>regressions (A passed, B failed)</th><td>${comparison.regressions.length}${regressions ? `: ${regressions}${comparison.regressions.length > 50 ? ' …' : ''}` : ''}</td></tr>
</table>${pairwise}
<h2>Score per example, A against B</h2>${scatter(pairs)}
<h2>Distribution of the differences (B − A)</h2>${histogram(
      pairs.map((pair) => pair.scoreB - pair.scoreA),
      20,
      [-1, 1],
      'score B − score A',
    )}`,
  });
}

/** Score under A (x) against score under B (y); ties on the diagonal, jittered so stacks stay visible. */
function scatter(pairs: PairedExample[]): string {
  const size = 480;
  const margin = 48;
  const span = size - 2 * margin;
  const x = linearScale([0, 1], [margin, size - margin]);
  const y = linearScale([0, 1], [size - margin, margin]);
  // Deterministic jitter from the example's position: identical scores are common (quantised graders).
  const jitter = (index: number, axis: number) => (((index * 7919 + axis * 104729) % 1000) / 1000 - 0.5) * 14;
  const points = pairs
    .map((pair, index) => {
      const colour =
        pair.scoreB > pair.scoreA + 1e-12
          ? '#2f9e5b'
          : pair.scoreB < pair.scoreA - 1e-12
            ? '#d9534f'
            : '#8a94a6';
      return `<circle class="point" cx="${(x(pair.scoreA) + jitter(index, 0)).toFixed(1)}" cy="${(y(pair.scoreB) + jitter(index, 1)).toFixed(1)}" r="3.5" fill="${colour}" fill-opacity="0.65"><title>${escapeHtml(pair.exampleId)}: A ${formatNumber(pair.scoreA)}, B ${formatNumber(pair.scoreB)}</title></circle>`;
    })
    .join('');
  return svgElement(
    size,
    size,
    `
<rect x="${margin}" y="${margin}" width="${span}" height="${span}" fill="none" stroke="#c9cfdb"/>
<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#8a94a6" stroke-dasharray="4 4"/>
${points}
<text x="${x(0)}" y="${size - 18}" class="muted">0</text><text x="${x(1) - 8}" y="${size - 18}" class="muted">1</text>
<text x="${size / 2 - 30}" y="${size - 8}">score A</text>
<text x="8" y="${y(1) + 4}" class="muted">1</text><text x="8" y="${y(0)}" class="muted">0</text>
<text x="14" y="${size / 2}" transform="rotate(-90 14 ${size / 2})">score B</text>
<text x="${x(0) + 8}" y="${y(1) + 16}" fill="#2f9e5b">B better</text><text x="${x(1) - 70}" y="${y(0) - 8}" fill="#d9534f">A better</text>
`,
  );
}

function barChart(items: { label: string; mean: number; low: number; high: number }[]): string {
  const width = 720;
  const rowHeight = 34;
  const left = 150;
  const toX = linearScale([0, 1], [left, width - 70]);
  const scale = (value: number) => toX(Number.isNaN(value) ? 0 : value);
  const height = items.length * rowHeight + 30;
  const body = items
    .map((item, index) => {
      const y = 15 + index * rowHeight;
      return `<g class="bar"><text x="10" y="${y + 17}">${escapeHtml(item.label)}</text>
<rect x="${left}" y="${y + 4}" width="${scale(item.mean) - left}" height="18" fill="#4f7cff"/>
<line x1="${scale(item.low)}" x2="${scale(item.high)}" y1="${y + 13}" y2="${y + 13}" stroke="#1d2330" stroke-width="2"/>
<line x1="${scale(item.low)}" x2="${scale(item.low)}" y1="${y + 7}" y2="${y + 19}" stroke="#1d2330"/>
<line x1="${scale(item.high)}" x2="${scale(item.high)}" y1="${y + 7}" y2="${y + 19}" stroke="#1d2330"/>
<text x="${scale(item.high) + 6}" y="${y + 17}" class="muted">${formatNumber(item.mean)}</text></g>`;
    })
    .join('');
  return svgElement(width, height, body);
}

function histogram(values: number[], bins: number, [low, high]: [number, number], label: string): string {
  const counts = new Array<number>(bins).fill(0);
  for (const value of values) {
    const index = Math.min(bins - 1, Math.max(0, Math.floor(((value - low) / (high - low || 1)) * bins)));
    counts[index]!++;
  }
  const width = 720;
  const height = 220;
  const peak = Math.max(1, ...counts);
  const barWidth = (width - 60) / bins;
  const bars = counts
    .map((count, index) => {
      const barHeight = (count / peak) * (height - 60);
      const x = 40 + index * barWidth;
      return `<rect class="bin" x="${x}" y="${height - 30 - barHeight}" width="${barWidth - 4}" height="${barHeight}" fill="#7aa2ff"><title>${count}</title></rect>`;
    })
    .join('');
  return svgElement(
    width,
    height,
    `${bars}
<line x1="36" x2="${width - 20}" y1="${height - 30}" y2="${height - 30}" stroke="#667"/>
<text x="40" y="${height - 10}" class="muted">${formatNumber(low)}</text><text x="${width - 70}" y="${height - 10}" class="muted">${formatNumber(high)}</text>
<text x="${width / 2 - 40}" y="${height - 10}">${escapeHtml(label)}</text><text x="8" y="24" class="muted">${peak}</text>`,
  );
}
