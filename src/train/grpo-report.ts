import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml, htmlPage, reportStyle } from '../common/html.js';
import { readJsonl } from '../common/jsonl.js';
import { linearScale, linePath, svgElement } from '../common/svg.js';
import { writeFileAtomic } from '../store/atomic-file.js';

/**
 * A GRPO run's report (`report.html` in the run folder), from its metrics.jsonl: the reward per step
 * with each grader's mean, the held-out monitor beside it and the steps the hacking check flagged,
 * the validation score, and where each step's time went (sampling, scoring, learning).
 */
export interface MetricRow {
  type: 'train' | 'validation';
  step: number;
  [key: string]: number | string;
}

interface Series {
  name: string;
  points: Array<[number, number]>;
  colour: string;
  dashed?: boolean;
}

const palette = ['#1f6feb', '#d97706', '#059669', '#7c3aed', '#db2777', '#0891b2'];

export function writeGrpoReport(runDirectory: string, title: string): string | undefined {
  const file = join(runDirectory, 'metrics.jsonl');
  if (!existsSync(file)) return undefined;
  const rows = readJsonl<MetricRow>(file);
  const path = join(runDirectory, 'report.html');
  writeFileAtomic(path, renderGrpoReport(rows, title));
  return path;
}

export function renderGrpoReport(rows: MetricRow[], title: string): string {
  const train = rows.filter((row) => row.type === 'train');
  const validation = rows.filter((row) => row.type === 'validation' && typeof row.score === 'number');
  const graderNames = [
    ...new Set(
      train.flatMap((row) =>
        Object.keys(row)
          .map((key) => /^reward\.(.+)\.mean$/.exec(key)?.[1])
          .filter((name): name is string => name !== undefined),
      ),
    ),
  ];
  const series = (name: string, key: string, colour: string, dashed = false): Series => ({
    name,
    colour,
    dashed,
    points: train
      .filter((row) => typeof row[key] === 'number' && Number.isFinite(row[key]))
      .map((row) => [row.step, row[key] as number]),
  });
  const rewardSeries: Series[] = [
    series('reward (mean)', 'rewardMean', '#111827'),
    ...graderNames.map((name, index) =>
      series(name, `reward.${name}.mean`, palette[index % palette.length]!, true),
    ),
    ...(validation.length > 0
      ? [
          {
            name: 'validation score (greedy)',
            colour: '#dc2626',
            points: validation.map((row) => [row.step, row.score as number] as [number, number]),
          },
        ]
      : []),
  ];
  const flagged = train.filter((row) => row.hackingFlag === 1).map((row) => row.step);
  const hasMonitor = train.some((row) => typeof row.monitorMean === 'number');
  const sum = (key: string) => train.reduce((total, row) => total + (Number(row[key]) || 0), 0);
  const timeTotal = sum('sampleSeconds') + sum('scoreSeconds') + sum('learnSeconds');
  const share = (key: string) => (timeTotal > 0 ? `${((100 * sum(key)) / timeTotal).toFixed(0)}%` : '–');
  const skipped = sum('skippedGroups');
  const last = train.at(-1);

  return htmlPage({
    title,
    style: `${reportStyle}.flag{color:#b91c1c;font-weight:600}.ok{color:#047857}`,
    body: `<h1>${escapeHtml(title)}</h1>
<p>${train.length} steps · ${sum('sampledTokens').toLocaleString('en')} sampled tokens · ${skipped} groups skipped for lack of signal (all rewards equal)${last ? ` · last step: reward ${fmt(last.rewardMean)}, KL ${fmt(last.kl)}, clipped ${fmt(last.clipFraction)}` : ''}</p>
<h2>Reward</h2>
${chart(rewardSeries, { min: 0, max: 1 })}
<h2>Reward hacking monitor</h2>
${
  hasMonitor
    ? `${chart([series('reward (mean)', 'rewardMean', '#111827'), series('held-out monitor', 'monitorMean', '#dc2626', true)], { min: 0, max: 1 })}
<p class="${flagged.length > 0 ? 'flag' : 'ok'}">${
        flagged.length > 0
          ? `Flagged ${flagged.length} step(s) where the reward rose while the monitor fell: ${flagged.join(', ')}. Read samples from those steps before trusting the reward.`
          : 'No step flagged: the monitor did not fall while the reward rose.'
      }</p>`
    : '<p>No monitor grader was configured (set <code>monitor</code> to a task grader kept out of the reward).</p>'
}
<h2>Where the time went</h2>
<table><tr><th>sampling</th><th>scoring</th><th>learning</th><th>total</th></tr>
<tr><td>${sum('sampleSeconds').toFixed(1)} s (${share('sampleSeconds')})</td><td>${sum('scoreSeconds').toFixed(1)} s (${share('scoreSeconds')})</td><td>${sum('learnSeconds').toFixed(1)} s (${share('learnSeconds')})</td><td>${timeTotal.toFixed(1)} s</td></tr></table>`,
  });
}

function chart(series: Series[], range: { min: number; max: number }): string {
  const width = 760;
  const height = 300;
  const margin = { left: 48, right: 16, top: 12, bottom: 36 };
  const all = series.flatMap((entry) => entry.points);
  const maxStep = Math.max(1, ...all.map(([step]) => step));
  const low = Math.min(range.min, ...all.map(([, value]) => value));
  const high = Math.max(range.max, ...all.map(([, value]) => value));
  const x = linearScale([0, maxStep], [margin.left, width - margin.right]);
  const y = linearScale([low, high], [height - margin.bottom, margin.top]);
  const paths = series
    .filter((entry) => entry.points.length > 0)
    .map(
      (entry) =>
        `<path d="${linePath(entry.points.map(([step, value]) => [x(step), y(value)]))}" fill="none" stroke="${entry.colour}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
    )
    .join('\n');
  const ticks = [low, (low + high) / 2, high]
    .map(
      (value) =>
        `<text x="${margin.left - 6}" y="${y(value) + 4}" text-anchor="end" font-size="11">${value.toFixed(2)}</text>`,
    )
    .join('');
  const legend = series
    .map(
      (entry) =>
        `<span style="color:${entry.colour};margin-right:1rem">${entry.dashed ? '╌' : '━'} ${escapeHtml(entry.name)}</span>`,
    )
    .join('');
  return `${svgElement(
    width,
    height,
    `
<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="#9ca3af"/>
<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="#9ca3af"/>
${ticks}<text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-size="11">step (1–${maxStep})</text>
${paths}
`,
  )}<div>${legend}</div>`;
}

function fmt(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(3) : '–';
}
