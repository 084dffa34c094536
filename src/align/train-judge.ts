import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatEstimate } from '../common/format.js';
import { escapeHtml } from '../common/html.js';
import { ConfigError } from '../core/errors.js';
import { findCatalogEntry } from '../models/catalog.js';
import { loadLlamaModel } from '../models/llama-cpp.js';
import { resolveModelFile } from '../models/model-files.js';
import { parseModelReference } from '../models/provider-registry.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { WorkspacePaths, WorkspaceStore } from '../store/workspace.js';
import type { Task } from '../task/task.js';
import { createChatTokenizer } from '../train/chat-tokens.js';
import { TrainingWorker } from '../train/worker-client.js';
import { type HumanAgreement, humanAgreement } from './agreement.js';
import { labelledItems, labelledRecords, listLabels } from './labels.js';
import { type JudgedOutput, type ProbeReading, probeFeatures, readingFingerprint } from './probe-features.js';
import {
  type ProbeHead,
  type ProbeJudgeResult,
  probability,
  softLabel,
  trainProbeJudge,
} from './probe-judge.js';

/**
 * `tailor align train <name>`: a judge trained on the workspace's expert labels (see probe-judge.ts
 * for the method), saved as a judge version with its lineage (which labels, which items on which
 * side, which base and layers) and a judge card. Items on the task's test split are left out: its
 * examples judge the specialist later, so no choice here may look at them.
 */
export interface TrainedJudgeConfig {
  type: 'probe';
  /** The base GGUF whose hidden states the head reads (a catalog name or a path). */
  base: string;
  reading: ProbeReading;
  head: ProbeHead;
}

export interface TrainJudgeResult extends ProbeJudgeResult {
  name: string;
  version: number;
  /** Each held-out item with its example, the output judged and the probe's probability of a pass. */
  heldOut: Array<{ itemId: string; exampleId: string; output: string; probability: number }>;
  labels: { items: number; used: number; excludedTestSplitItems: number; tooLong: number; noRecord: number };
  experts: HumanAgreement;
  cardPath: string;
  htmlPath: string;
  seconds: number;
}

export async function trainJudge(options: {
  workspace: { store: WorkspaceStore; paths: WorkspacePaths; config: { defaultModel: string } };
  task: Task;
  name: string;
  base?: string;
  layers?: number[];
  maxLength?: number;
  seed?: number;
  threads?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}): Promise<TrainJudgeResult> {
  const started = performance.now();
  const { workspace, task, name } = options;
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name))
    throw new ConfigError(`judge name "${name}" must be letters, digits, '.', '_' or '-'`);
  const labels = listLabels(workspace.store);
  if (labels.length === 0)
    throw new ConfigError('No expert labels in this workspace', {
      hint: 'Import some: tailor labels import <file>',
    });

  // ---- the labelled outputs, never the task's test split ----
  const { records, testExamples } = labelledRecords(task);
  const all = labelledItems(labels);
  const kept = all.filter((item) => !testExamples.has(item.exampleId));
  const withRecord = kept.filter((item) => records.has(item.exampleId));
  const outputs: JudgedOutput[] = withRecord.map((item) => ({
    id: item.itemId,
    record: records.get(item.exampleId)!,
    output: item.output,
  }));

  // ---- the base model's hidden states over each output ----
  const base = options.base ?? workspace.config.defaultModel;
  const reference = parseModelReference(base);
  if (reference.provider !== 'llama' || reference.adapters.length > 0)
    throw new ConfigError(`a probe judge reads a local GGUF base (llama:<name or path>), not ${base}`);
  const basePath = await resolveModelFile(reference.model, { pull: true });
  const reading: ProbeReading = { layers: options.layers ?? [-9, -1], maxLength: options.maxLength ?? 2048 };
  const llama = await loadLlamaModel(basePath, { gpu: 'off', threads: options.threads ?? 0 });
  const tokenizer = createChatTokenizer(llama);
  const worker = await TrainingWorker.start();
  let read: Awaited<ReturnType<typeof probeFeatures>>;
  try {
    await worker.create({
      base: { gguf: basePath },
      lora: { rank: 1, alpha: 1 },
      seed: 0,
      ...(options.threads ? { threads: options.threads } : {}),
    });
    read = await probeFeatures({
      worker,
      tokenizer,
      task,
      outputs,
      reading: { ...reading },
      onProgress: (done, total) => options.onProgress?.('hidden states', done, total),
    });
  } finally {
    await worker.close();
  }

  // ---- the head: train fits, dev picks, test is read once ----
  const result = trainProbeJudge({ items: withRecord, features: read.features, seed: options.seed ?? 0 });
  const baseName = findCatalogEntry(reference.model)?.name ?? basePath;
  const config: TrainedJudgeConfig = {
    type: 'probe',
    base: baseName,
    reading: { layers: read.layers, maxLength: reading.maxLength },
    head: result.head,
  };
  const experts = humanAgreement(labels, kept);
  const labelCounts = {
    items: all.length,
    used: result.sets.train.length + result.sets.dev.length + result.sets.test.length,
    excludedTestSplitItems: all.length - kept.length,
    tooLong: read.tooLong.length,
    noRecord: kept.length - withRecord.length,
  };
  const version = workspace.store.judgeVersions.saveNext({
    name,
    config,
    parentVersion: undefined,
    lineage: {
      method: 'probe',
      base: baseName,
      layers: read.layers,
      features: read.dimensions,
      readingFingerprint: readingFingerprint(outputs, reading),
      labels: labelCounts,
      annotators: experts.annotators.map((annotator) => annotator.name),
      seed: options.seed ?? 0,
      sets: result.sets,
      candidates: result.candidates,
      test: result.test,
    },
  });

  // ---- the judge card: held-out agreement beside the experts' own, calibration, worst misses ----
  const folder = join(workspace.paths.artifactsDirectory);
  mkdirSync(folder, { recursive: true });
  const cardPath = join(folder, `judge-${name}-v${version}.md`);
  const htmlPath = join(folder, `judge-${name}-v${version}.html`);
  const byId = new Map(withRecord.map((item) => [item.itemId, item]));
  const worst = result.sets.test
    .map((id) => {
      const item = byId.get(id)!;
      const p = probability(result.head, read.features.get(id)!);
      return { item, p, gap: Math.abs(p - softLabel(item)!) };
    })
    .sort((a, b) => b.gap - a.gap)
    .slice(0, 5);
  const card = renderCard({
    name,
    version,
    baseName,
    layers: read.layers,
    result,
    experts,
    labelCounts,
    worst,
  });
  writeFileAtomic(cardPath, card.markdown);
  writeFileAtomic(htmlPath, card.html);
  const heldOut = result.sets.test.map((id) => {
    const item = byId.get(id)!;
    return {
      itemId: id,
      exampleId: item.exampleId,
      output: item.output,
      probability: probability(result.head, read.features.get(id)!),
    };
  });
  return {
    ...result,
    name,
    version,
    heldOut,
    labels: labelCounts,
    experts,
    cardPath,
    htmlPath,
    seconds: (performance.now() - started) / 1000,
  };
}

function renderCard(options: {
  name: string;
  version: number;
  baseName: string;
  layers: number[];
  result: ProbeJudgeResult;
  experts: HumanAgreement;
  labelCounts: TrainJudgeResult['labels'];
  worst: Array<{
    item: {
      itemId: string;
      exampleId: string;
      labels: { annotator: string; pass: boolean | undefined; critique: string | undefined }[];
    };
    p: number;
  }>;
}): { markdown: string; html: string } {
  const { name, version, result, experts, labelCounts } = options;
  const { test } = result;
  const ci = (estimate: { mean: number; low: number; high: number }) => formatEstimate(estimate, '—');
  const rows: [string, string][] = [
    ["held-out Cohen's κ (probe vs expert majority)", ci(test.kappa)],
    ["experts' Krippendorff α (pass/fail, human ceiling)", ci(experts.passAlpha)],
    ['held-out AUROC', ci(test.auroc)],
    ['accuracy', test.accuracy.toFixed(3)],
    ['TPR (expert passes the probe passes)', test.truePositiveRate.toFixed(3)],
    ['TNR (expert fails the probe fails)', test.trueNegativeRate.toFixed(3)],
    ["Brier score (probability vs the experts' share of passes)", test.brier.toFixed(3)],
  ];
  const markdown = [
    `# Judge card: ${name} v${version} (probe)`,
    '',
    `A logistic head on the hidden states of ${options.baseName} (layers ${options.layers.join(', ')}: the mean over the judged output's tokens and its last token), trained on the workspace's expert labels. Labels split by item, stratified and seeded: ${result.sets.train.length} train (fit), ${result.sets.dev.length} dev (L2 chosen: ${result.head.l2}), ${result.sets.test.length} test (these numbers). Targets are the share of annotators who passed each item.`,
    '',
    `Labels: ${labelCounts.items} labelled items; ${labelCounts.excludedTestSplitItems} on the task's test split left out, ${labelCounts.noRecord} without a task record, ${labelCounts.tooLong} too long; ${labelCounts.used} used (items with no majority verdict are not).`,
    '',
    '| measure | value [95% CI] |',
    '| --- | --- |',
    ...rows.map(([label, value]) => `| ${label} | ${value} |`),
    '',
    '## L2 strength on dev',
    '',
    '| L2 | dev log-loss | dev κ |',
    '| --- | --- | --- |',
    ...result.candidates.map(
      (candidate) =>
        `| ${candidate.l2} | ${candidate.devLogLoss.toFixed(4)} | ${Number.isFinite(candidate.devKappa) ? candidate.devKappa.toFixed(3) : '—'} |`,
    ),
    '',
    '## Learning curve (held-out)',
    '',
    'The head refitted on a share of the train items (stratified, nested; the same dev and test items): what more expert labels buy.',
    '',
    '| train items | share | L2 | κ [95% CI] | AUROC [95% CI] |',
    '| --- | --- | --- | --- | --- |',
    ...result.learningCurve.map(
      (point) =>
        `| ${point.trainItems} | ${Math.round(100 * point.fraction)}% | ${point.l2} | ${ci(point.kappa)} | ${ci(point.auroc)} |`,
    ),
    '',
    '## Calibration (held-out)',
    '',
    '| predicted | items | mean predicted | experts passing |',
    '| --- | --- | --- | --- |',
    ...test.reliability.map(
      (bin) =>
        `| ${bin.from.toFixed(1)}–${bin.to.toFixed(1)} | ${bin.items} | ${bin.predicted.toFixed(3)} | ${bin.observed.toFixed(3)} |`,
    ),
    '',
    '## Worst disagreements with the experts (held-out)',
    '',
    ...options.worst.map(
      ({ item, p }) =>
        `- ${item.itemId} (example ${item.exampleId}): probe ${p.toFixed(2)}; ${item.labels
          .map(
            (label) =>
              `${label.annotator} ${label.pass ? 'pass' : 'fail'}${label.critique ? ` ("${label.critique}")` : ''}`,
          )
          .join('; ')}`,
    ),
    '',
  ].join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(`Judge card: ${name} v${version}`)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style></head><body>
${markdown
  .split('\n\n')
  .map((block) => {
    if (block.startsWith('# ')) return `<h1>${escapeHtml(block.slice(2))}</h1>`;
    if (block.startsWith('## ')) return `<h2>${escapeHtml(block.slice(3))}</h2>`;
    if (block.startsWith('|')) {
      const lines = block.split('\n').filter((line) => !/^\| ---/.test(line));
      return `<table>${lines
        .map(
          (line, index) =>
            `<tr>${line
              .slice(1, -1)
              .split(' | ')
              .map((cell) =>
                index === 0 ? `<th>${escapeHtml(cell.trim())}</th>` : `<td>${escapeHtml(cell.trim())}</td>`,
              )
              .join('')}</tr>`,
        )
        .join('')}</table>`;
    }
    if (block.startsWith('- '))
      return `<ul>${block
        .split('\n')
        .map((line) => `<li>${escapeHtml(line.slice(2))}</li>`)
        .join('')}</ul>`;
    return `<p>${escapeHtml(block)}</p>`;
  })
  .join('\n')}
</body></html>
`;
  return { markdown, html };
}
