import { escapeHtml, formatEstimate, htmlPage, reportStyle } from '../../../src/index.js';
import type { ModelColumn, QuickstartResult } from './result.js';

export const judgeLeftOut =
  'The plan-faithfulness judge is left out: on the default model it agrees with the experts no better than chance (tailor align report plan-faithfulness).';

/**
 * The quickstart's result as rows (shared by the terminal table and report.html): base model vs
 * specialist on every grader, JSON validity, latency and tokens per request, with 95% CIs, and the
 * incumbent's figures on its own train outputs where they are known.
 */
export function resultRows(result: QuickstartResult): string[][] {
  const { base, specialist, incumbent } = result;
  const row = (label: string, pick: (column: ModelColumn) => string) => [
    label,
    pick(base),
    pick(specialist),
    pick(incumbent),
  ];
  return [
    ['', 'BASE MODEL', 'SPECIALIST', 'INCUMBENT'],
    ...Object.keys(base.graders).map((name) =>
      row(name, (column) => (column.graders[name] ? formatEstimate(column.graders[name]) : '—')),
    ),
    row('overall score', (column) => formatEstimate(column.overall)),
    row('JSON valid', (column) => formatEstimate(column.jsonValid)),
    // Unknown values are NaN when fresh and null once read back from the state file.
    row('latency p50', (column) =>
      known(column.latencyP50Ms) ? `${(column.latencyP50Ms / 1000).toFixed(2)} s` : '—',
    ),
    row('output tokens/request', (column) =>
      known(column.outputTokensPerRequest)
        ? `${column.tokensEstimated ? '~' : ''}${column.outputTokensPerRequest.toFixed(0)}`
        : '—',
    ),
    row('cost/1k requests', (column) =>
      known(column.costPer1000Requests)
        ? `${column.tokensEstimated ? '~' : ''}$${column.costPer1000Requests.toFixed(4)}`
        : '—',
    ),
  ];
}

/** Under the table: what the `~` and the dashes mean. */
export const economicsNote =
  "Latency is measured here for the models that ran here; the incumbent's outputs were supplied, so its latency is not measured and its tokens and cost (~) are estimated at 4 characters a token and priced as openai:gpt-4.1-mini. The local models' cost is $0 (no API).";

export function comparisonLine(result: QuickstartResult): string {
  return pairedLine('specialist − base', result.comparison);
}

/** The comparison that matters: the specialist against the model it would replace, same notes. */
export function incumbentLine(result: QuickstartResult): string {
  return pairedLine('specialist − incumbent', result.versusIncumbent);
}

function pairedLine(label: string, comparison: QuickstartResult['comparison']): string {
  const { difference } = comparison;
  return `${label}: ${difference.mean.toFixed(3)} [95% CI ${difference.low.toFixed(3)}, ${difference.high.toFixed(3)}] over ${comparison.examples} paired test examples; wins ${comparison.wins} · losses ${comparison.losses} · ties ${comparison.ties}; sign test p = ${comparison.signTestP.toPrecision(3)}`;
}

export function renderQuickstartReport(result: QuickstartResult): string {
  const [header, ...rows] = resultRows(result);
  const { curation, state } = result;
  const stageRows = Object.entries(state.stages)
    .map(
      ([name, entry]) =>
        `<tr><td>${escapeHtml(name)}</td><td>${(entry?.seconds ?? 0).toFixed(0)} s</td></tr>`,
    )
    .join('');
  const excludesZero = result.comparison.difference.low > 0;
  return htmlPage({
    title: 'Tailor quickstart',
    style: reportStyle,
    body: `<h1>Tailor quickstart: ${escapeHtml(result.base.label)} → llama:${escapeHtml(result.specialistName)}</h1>
<p>The reference task (structured summaries of clinical visit notes), ${state.mode === 'quick' ? 'quick' : 'full'} size${state.rl ? ', with GRPO after SFT' : ''}, on this machine's CPU. Scores are means over the same ${result.comparison.examples} test notes with bootstrap 95% CIs.</p>
<table><tr>${header!.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr>
${rows.map((cells) => `<tr>${cells.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n')}</table>
<p><strong>${escapeHtml(comparisonLine(result))}</strong> — ${excludesZero ? 'the specialist is better, and the interval excludes zero.' : 'the interval does not exclude zero: more steps or data are needed.'}</p>
<p><strong>${escapeHtml(incumbentLine(result))}</strong> — ${result.versusIncumbent.difference.low > 0 ? 'the specialist beats the incumbent, and the interval excludes zero.' : result.versusIncumbent.difference.high < 0 ? 'the incumbent is still better: the specialist does not yet replace it.' : 'the interval includes zero: no difference shown either way.'}</p>
<p class="muted">${escapeHtml(judgeLeftOut)} ${escapeHtml(economicsNote)}</p>
<h2>The data stage on the incumbent's outputs</h2>
<p>${curation.incumbentOutputs} incumbent outputs graded against the references; ${curation.kept} kept for training, ${curation.dropped} dropped. Of the ${curation.knownBad} outputs known to be wrong (hallucinated or missed medications, wrong doses, truncated JSON), the graders caught ${curation.knownBadCaught} (${((100 * curation.knownBadCaught) / Math.max(1, curation.knownBad)).toFixed(1)}%); ${curation.goodDropped} good outputs were dropped along with them. Then ${curation.duplicatesDropped} near duplicates and ${curation.contaminatedDropped} records overlapping the validation or test notes were dropped: the specialist trained on dataset version <code>${escapeHtml(curation.datasetVersion)}</code>, ${curation.trainingExamples} examples (<a href="${escapeHtml(curation.dataCard)}">data card</a>).</p>
<h2>Time per stage</h2>
<table><tr><th>stage</th><th>time</th></tr>${stageRows}<tr><td><strong>total</strong></td><td>${result.totalSeconds.toFixed(0)} s</td></tr></table>
<h2>Next</h2>
<pre>${nextSteps(result).map(escapeHtml).join('\n')}</pre>`,
  });
}

/** How to use the specialist now: serve it (OpenAI-compatible) and chat with it. */
export function nextSteps(result: Pick<QuickstartResult, 'directory' | 'specialistName'>): string[] {
  const workspace = result.directory.includes(' ') ? `"${result.directory}"` : result.directory;
  const commands: Array<[string, string]> = [
    [`tailor -w ${workspace} chat llama:${result.specialistName}`, 'talk to it'],
    [`tailor -w ${workspace} keys create --name me`, 'an API key for the server'],
    [`tailor -w ${workspace} serve`, 'OpenAI-compatible, on 127.0.0.1:8787'],
  ];
  const width = Math.max(...commands.map(([command]) => command.length));
  return [
    ...commands.map(([command, comment]) => `${command.padEnd(width)}  # ${comment}`),
    `curl http://127.0.0.1:8787/v1/chat/completions -H "authorization: Bearer <key>" \\`,
    `  -H "content-type: application/json" -d '{"model": "llama:${result.specialistName}", "messages": [{"role": "user", "content": "<a visit note>"}]}'`,
  ];
}

function known(value: number | null): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
