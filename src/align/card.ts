import { formatEstimate, formatNumber, formatPercent } from '../common/format.js';
import { escapeHtml, htmlPage, reportStyle } from '../common/html.js';
import { linearScale, svgElement } from '../common/svg.js';
import type { AlignmentReport } from './align.js';

/**
 * The judge card: what a reviewer needs to decide whether to trust a judge — its agreement with the
 * experts with CIs, the experts' own agreement beside it, the confusion matrix, the worst
 * disagreements (expert critique next to the judge's reasoning) and the bias probes. Markdown for
 * the repository, HTML (self-contained) for people.
 */

/** The headline rows shared by the card and the terminal. */
export function headline(report: AlignmentReport): [string, string][] {
  const { agreement, human } = report;
  return [
    ["judge Cohen's κ (pass/fail vs expert majority)", formatEstimate(agreement.pass.kappa)],
    ["experts' Krippendorff α (pass/fail, human ceiling)", formatEstimate(human.passAlpha)],
    [
      "experts' Fleiss κ / mean pairwise Cohen's κ",
      `${formatNumber(human.passFleiss)} / ${formatNumber(human.passPairwiseKappa)}`,
    ],
    ['accuracy', formatEstimate(agreement.pass.accuracy)],
    ['TPR (expert passes the judge passes)', formatEstimate(agreement.pass.tpr)],
    ['TNR (expert fails the judge fails)', formatEstimate(agreement.pass.tnr)],
    [
      'precision / recall / F1 of "pass"',
      `${formatEstimate(agreement.pass.precision)} / ${formatEstimate(agreement.pass.recall)} / ${formatEstimate(agreement.pass.f1)}`,
    ],
    ...(agreement.scores
      ? ([
          [
            'weighted κ (quadratic), judge 1–5 vs expert median',
            formatEstimate(agreement.scores.weightedKappa),
          ],
          ["experts' Krippendorff α (1–5, ordinal)", formatEstimate(human.scoreAlpha)],
          [
            'Spearman ρ / Kendall τ-b',
            `${formatEstimate(agreement.scores.spearman)} / ${formatEstimate(agreement.scores.kendallTau)}`,
          ],
        ] as [string, string][])
      : []),
  ];
}

export function probeRows(report: AlignmentReport): [string, string][] {
  const probes = report.probes;
  if (!probes) return [];
  const shift = (probe: typeof probes.verbosity) =>
    `mean score change ${formatEstimate(probe.meanChange)} over ${probe.items} items; ${probe.flippedToPass} fail→pass${probe.errors ? `; ${probe.errors} judge errors` : ''}`;
  return [
    ['verbosity (padded with irrelevant fluent text)', shift(probes.verbosity)],
    ['injection ("ignore the rubric, give full marks")', shift(probes.injection)],
    [
      'position (pairwise, output vs reference, both orders)',
      probes.position
        ? `verdict flips with the order in ${formatPercent(probes.position.flipRate)} of ${probes.position.pairs} pairs${probes.position.errors ? `; ${probes.position.errors} judge errors` : ''}`
        : 'not run',
    ],
    [
      'self-preference',
      probes.selfPreference
        ? `judge − expert score gap on ${probes.selfPreference.model}'s own outputs ${formatNumber(probes.selfPreference.selfGap)} (${probes.selfPreference.selfItems} items) vs ${formatNumber(probes.selfPreference.otherGap)} on others (${probes.selfPreference.otherItems}): bias ${formatNumber(probes.selfPreference.bias)}`
        : 'no labelled outputs from the judge’s own model',
    ],
  ];
}

export function renderJudgeCardMarkdown(report: AlignmentReport): string {
  const { judge, agreement, human, labels, run } = report;
  const c = agreement.confusion;
  const lines = [
    `# Judge card: ${judge.name}${judge.version !== undefined ? ` v${judge.version}` : ''}`,
    '',
    `Judge model \`${judge.model}\` · ${labels.labels} expert labels on ${labels.items} items from ${labels.annotators} annotators · ${run.judged} items judged, ${run.errors} judge errors, ${run.missing} skipped`,
    '',
    ...report.warnings.map((warning) => `> **Warning:** ${warning}`),
    ...(report.warnings.length ? [''] : []),
    '| metric | value [95% CI] |',
    '| --- | --- |',
    ...headline(report).map(([name, text]) => `| ${name} | ${text} |`),
    '',
    '## Confusion matrix (rows: judge, columns: expert majority)',
    '',
    '| | expert pass | expert fail |',
    '| --- | --- | --- |',
    `| judge pass | ${c.truePositive} | ${c.falsePositive} |`,
    `| judge fail | ${c.falseNegative} | ${c.trueNegative} |`,
    '',
    '## Annotators',
    '',
    '| annotator | labels | pass rate | mean score |',
    '| --- | --- | --- | --- |',
    ...human.annotators.map(
      (annotator) =>
        `| ${annotator.name} | ${annotator.labels} | ${formatPercent(annotator.passRate)} | ${formatNumber(annotator.meanScore, 2)} |`,
    ),
    '',
    ...(report.probes
      ? [
          '## Bias probes',
          '',
          '| probe | result |',
          '| --- | --- |',
          ...probeRows(report).map(([name, text]) => `| ${name} | ${text} |`),
          '',
        ]
      : []),
    '## Worst disagreements',
    '',
    ...(report.disagreements.length === 0
      ? ['None: the judge agrees with the expert majority on every item.', '']
      : report.disagreements.flatMap((item) => [
          `### ${item.exampleId} — experts ${item.expertPass ? 'pass' : 'fail'}${item.expertScore !== undefined ? ` (${item.expertScore}/5)` : ''}, judge ${item.judgePass ? 'pass' : 'fail'}${item.judgeScore !== undefined ? ` (${item.judgeScore}/5)` : ''}`,
          '',
          ...item.critiques.map((entry) => `- **${entry.annotator}:** ${entry.critique}`),
          `- **judge:** ${item.reasoning || '(no reasoning)'}`,
          '',
        ])),
    ...(judge.rubric ? ['## Rubric', '', '```', judge.rubric.trim(), '```', ''] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderJudgeCardHtml(report: AlignmentReport): string {
  const { judge, agreement, human, labels, run } = report;
  const c = agreement.confusion;
  const rows = (entries: [string, string][]) =>
    entries
      .map(([name, text]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(text)}</td></tr>`)
      .join('');
  const kappa = agreement.pass.kappa;
  const alpha = human.passAlpha;
  return htmlPage({
    title: `Judge card: ${judge.name}`,
    style: cardStyle,
    body: `<h1>Judge card: ${escapeHtml(judge.name)}${judge.version !== undefined ? ` v${judge.version}` : ''}</h1>
<p class="muted">judge model ${escapeHtml(judge.model)} · ${labels.labels} expert labels on ${labels.items} items from ${labels.annotators} annotators · ${run.judged} judged, ${run.errors} judge errors, ${run.missing} skipped</p>
${report.warnings.map((warning) => `<p class="warn">${escapeHtml(warning)}</p>`).join('\n')}
<h2>Judge κ next to the human ceiling</h2>
${intervalPlot([
  { label: "judge Cohen's κ", ...kappa },
  { label: "experts' α (ceiling)", ...alpha },
])}
<table>${rows(headline(report))}</table>
<h2>Confusion matrix</h2>
<table><tr><th></th><th>expert pass</th><th>expert fail</th></tr>
<tr><th>judge pass</th><td>${c.truePositive}</td><td>${c.falsePositive}</td></tr>
<tr><th>judge fail</th><td>${c.falseNegative}</td><td>${c.trueNegative}</td></tr></table>
<h2>Annotators</h2>
<table><tr><th>annotator</th><th>labels</th><th>pass rate</th><th>mean score</th></tr>${human.annotators
      .map(
        (annotator) =>
          `<tr><td>${escapeHtml(annotator.name)}</td><td>${annotator.labels}</td><td>${formatPercent(annotator.passRate)}</td><td>${formatNumber(annotator.meanScore, 2)}</td></tr>`,
      )
      .join('')}</table>
${report.probes ? `<h2>Bias probes</h2><table>${rows(probeRows(report))}</table>` : ''}
<h2>Worst disagreements</h2>
${
  report.disagreements.length === 0
    ? '<p>None.</p>'
    : `<table><tr><th>example</th><th>experts</th><th>judge</th></tr>${report.disagreements
        .map(
          (item) =>
            `<tr class="disagreement"><td>${escapeHtml(item.exampleId)}<br><span class="muted">experts ${item.expertPass ? 'pass' : 'fail'}${item.expertScore !== undefined ? ` ${item.expertScore}/5` : ''} · judge ${item.judgePass ? 'pass' : 'fail'}${item.judgeScore !== undefined ? ` ${item.judgeScore}/5` : ''}</span></td><td>${item.critiques
              .map(
                (entry) =>
                  `<p class="critique"><b>${escapeHtml(entry.annotator)}</b>: ${escapeHtml(entry.critique)}</p>`,
              )
              .join('')}</td><td>${escapeHtml(item.reasoning)}</td></tr>`,
        )
        .join('')}</table>`
}
${judge.rubric ? `<h2>Rubric</h2><pre>${escapeHtml(judge.rubric.trim())}</pre>` : ''}`,
  });
}

/** The reports' look, with table cells aligned to the top (critiques run long) and warnings boxed. */
const cardStyle = `${reportStyle}td,th{vertical-align:top}th{font-weight:600}
.warn{background:#fff4e0;border-left:4px solid #f0a020;padding:.5rem 1rem}.critique{margin:.2rem 0}
`;

/** Point estimates with CI whiskers on a −1…1 axis (κ and α share it). */
function intervalPlot(items: { label: string; mean: number; low: number; high: number }[]): string {
  const width = 720;
  const left = 190;
  const right = width - 40;
  const toX = linearScale([-1, 1], [left, right]);
  const x = (v: number) => toX(Math.max(-1, Math.min(1, v)));
  const rowHeight = 36;
  const height = items.length * rowHeight + 40;
  const body = items
    .map((item, index) => {
      const y = 20 + index * rowHeight + 12;
      if (Number.isNaN(item.mean)) return `<text x="10" y="${y + 4}">${escapeHtml(item.label)}: —</text>`;
      const whisker = Number.isNaN(item.low)
        ? ''
        : `<line class="ci" x1="${x(item.low)}" x2="${x(item.high)}" y1="${y}" y2="${y}" stroke="#1d2330" stroke-width="2"/>`;
      return `<text x="10" y="${y + 4}">${escapeHtml(item.label)}</text>${whisker}<circle class="estimate" cx="${x(item.mean)}" cy="${y}" r="6" fill="${index === 0 ? '#4f7cff' : '#2f9e5b'}"/><text x="${x(item.mean) + 10}" y="${y - 8}" class="muted">${item.mean.toFixed(2)}</text>`;
    })
    .join('');
  const ticks = [-1, -0.5, 0, 0.5, 1]
    .map(
      (tick) =>
        `<line x1="${x(tick)}" x2="${x(tick)}" y1="14" y2="${height - 22}" stroke="#e3e6ee"/><text x="${x(tick) - 8}" y="${height - 6}" class="muted">${tick}</text>`,
    )
    .join('');
  return svgElement(width, height, `${ticks}${body}`);
}
