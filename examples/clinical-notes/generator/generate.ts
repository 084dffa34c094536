/**
 * Writes the clinical-notes reference task's data. Deterministic: the same seed gives byte-identical
 * files, and `--check` verifies the committed files against a fresh run.
 *
 *   node --import tsx examples/clinical-notes/generator/generate.ts           # write data, incumbent, labels
 *   node --import tsx examples/clinical-notes/generator/generate.ts --check   # verify committed files
 *   node --import tsx examples/clinical-notes/generator/generate.ts --base-outputs
 *       # run the default base model on the labelled validation notes (slow, ~6 min on 2 cores)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readJsonl, toJsonl } from '../../../src/common/jsonl.js';
import { writeFileAtomic } from '../../../src/store/atomic-file.js';
import { labelOutput } from './annotators.js';
import { incumbentOutput } from './incumbent.js';
import { type ClinicalCase, generateCase } from './note.js';
import { Random } from './random.js';
import { summaryJsonSchema } from './schema.js';

export const seed = 20261129;
export const splitSizes = { train: 1200, validation: 200, test: 400 } as const;
/**
 * Production traffic: notes the incumbent answered in production, far more than anyone labelled,
 * with its outputs and no references, as a team's request log has them.
 */
export const trafficSize = 3000;
export const labelledIncumbent = 120;
export const labelledBase = 100;
export const exampleRoot = join(import.meta.dirname, '..');

export type Split = keyof typeof splitSizes;

/** All cases, split; notes are unique across splits (a test note never appears in train). */
export function generateSplits(baseSeed = seed): Record<Split, ClinicalCase[]> {
  const random = new Random(baseSeed);
  const seen = new Set<string>();
  const splits = { train: [], validation: [], test: [] } as Record<Split, ClinicalCase[]>;
  let draw = 0;
  for (const split of ['train', 'validation', 'test'] as const) {
    while (splits[split].length < splitSizes[split]) {
      const id = `${split}-${String(splits[split].length + 1).padStart(4, '0')}`;
      const item = generateCase(random.fork(`case-${draw++}`), id);
      const key = noteKey(item.note);
      if (seen.has(key)) continue;
      seen.add(key);
      splits[split].push(item);
    }
  }
  return splits;
}

/**
 * The traffic's cases, drawn after the splits from their own stream (so the splits stay as they
 * were) and unique against every split note: a test note never arrives as traffic.
 */
export function generateTraffic(splits: Record<Split, ClinicalCase[]>, baseSeed = seed): ClinicalCase[] {
  const random = new Random(baseSeed).fork('traffic');
  const seen = new Set(
    [...splits.train, ...splits.validation, ...splits.test].map((item) => noteKey(item.note)),
  );
  const traffic: ClinicalCase[] = [];
  let draw = 0;
  while (traffic.length < trafficSize) {
    const item = generateCase(
      random.fork(`case-${draw++}`),
      `traffic-${String(traffic.length + 1).padStart(5, '0')}`,
    );
    if (seen.has(noteKey(item.note))) continue;
    seen.add(noteKey(item.note));
    traffic.push(item);
  }
  return traffic;
}

const noteKey = (note: string) => note.toLowerCase().replace(/\s+/g, ' ');

/** A committed JSONL file of the example, parsed. */
export function readExampleJsonl<T>(path: string): T[] {
  return readJsonl<T>(join(exampleRoot, path));
}

export interface ExpertLabelRow {
  item_id: string;
  example_id: string;
  split: string;
  source: string;
  output: string;
  annotator: string;
  pass: boolean;
  score: number;
  critique: string;
}

/** Pass/fail verdicts per labelled output, by annotator. */
export function verdictsByItem(labels: ExpertLabelRow[]): Map<string, Map<string, boolean>> {
  const items = new Map<string, Map<string, boolean>>();
  for (const label of labels) {
    if (!items.has(label.item_id)) items.set(label.item_id, new Map());
    items.get(label.item_id)!.set(label.annotator, label.pass);
  }
  return items;
}

/** Every file the generator owns, path relative to the example folder → content. */
export function buildFiles(baseSeed = seed): Map<string, string> {
  const splits = generateSplits(baseSeed);
  const files = new Map<string, string>();
  for (const [split, cases] of Object.entries(splits)) {
    files.set(
      `data/${split}.jsonl`,
      toJsonl(cases.map((item) => ({ id: item.id, input: { note: item.note }, reference: item.reference }))),
    );
  }
  files.set('schema.json', `${JSON.stringify(summaryJsonSchema(), null, 2)}\n`);

  const incumbentRandom = new Random(baseSeed).fork('incumbent');
  const incumbent = splits.train.map((item) => incumbentOutput(incumbentRandom.fork(item.id), item));
  files.set('incumbent/train-outputs.jsonl', toJsonl(incumbent.map((entry) => entry.record)));
  files.set('incumbent/answers.hidden.jsonl', toJsonl(incumbent.map((entry) => entry.answer)));
  // The incumbent on the validation and test notes too, by the same seeded error process, so that
  // specialist and incumbent are compared paired on the same notes.
  for (const split of ['validation', 'test'] as const) {
    const outputs = splits[split].map((item) => incumbentOutput(incumbentRandom.fork(item.id), item));
    files.set(`incumbent/${split}-outputs.jsonl`, toJsonl(outputs.map((entry) => entry.record)));
    files.set(`incumbent/${split}-answers.hidden.jsonl`, toJsonl(outputs.map((entry) => entry.answer)));
  }
  const traffic = generateTraffic(splits, baseSeed).map((item) => ({
    item,
    ...incumbentOutput(incumbentRandom.fork(item.id), item),
  }));
  files.set(
    'production/traffic.jsonl',
    toJsonl(
      traffic.map(({ item, record }) => ({ id: item.id, input: { note: item.note }, output: record.output })),
    ),
  );
  files.set('production/answers.hidden.jsonl', toJsonl(traffic.map(({ answer }) => answer)));

  const baseOutputsPath = join(exampleRoot, 'labels/base-outputs.jsonl');
  if (existsSync(baseOutputsPath)) {
    const baseOutputs = readJsonl<{ id: string; model: string; output: string }>(baseOutputsPath);
    const references = new Map(splits.validation.map((item) => [item.id, item.reference]));
    const labelRandom = new Random(baseSeed).fork('labels');
    const rows: unknown[] = [];
    const items = [
      ...incumbent.slice(0, labelledIncumbent).map((entry) => ({
        item: `incumbent:${entry.record.id}`,
        example: entry.record.id,
        split: 'train',
        source: 'incumbent',
        output: entry.record.output,
        reference: splits.train.find((item) => item.id === entry.record.id)!.reference,
      })),
      ...baseOutputs.map((entry) => ({
        item: `base:${entry.id}`,
        example: entry.id,
        split: 'validation',
        source: entry.model,
        output: entry.output,
        reference: references.get(entry.id)!,
      })),
    ];
    for (const entry of items) {
      for (const label of labelOutput(labelRandom.fork(entry.item), entry.output, entry.reference)) {
        rows.push({
          item_id: entry.item,
          example_id: entry.example,
          split: entry.split,
          source: entry.source,
          output: entry.output,
          annotator: label.annotator,
          pass: label.pass,
          score: label.score,
          critique: label.critique,
        });
      }
    }
    files.set('labels/expert-labels.jsonl', toJsonl(rows));
  }
  return files;
}

async function writeBaseOutputs(): Promise<void> {
  const { parse } = await import('yaml');
  const { createModel } = await import('../../../src/models/create-model.js');
  const { disposeLlamaRuntime } = await import('../../../src/models/llama-cpp.js');
  const task = parse(readFileSync(join(exampleRoot, 'tailor.yaml'), 'utf8')).task as {
    system: string;
    prompt: string;
  };
  const validation = generateSplits().validation.slice(0, labelledBase);
  const modelReference = 'llama:smollm2-135m-instruct';
  const model = await createModel(modelReference);
  const schema = summaryJsonSchema();
  let done = 0;
  const rows = await Promise.all(
    validation.map(async (item) => {
      const result = await model.generate(
        [
          { role: 'system', content: task.system.trim() },
          { role: 'user', content: task.prompt.replace('{{note}}', item.note).trim() },
        ],
        { temperature: 0, maxTokens: 300, jsonSchema: schema },
      );
      process.stderr.write(`\rbase outputs ${++done}/${validation.length}`);
      return { id: item.id, model: modelReference, output: result.text };
    }),
  );
  process.stderr.write('\n');
  writeFileAtomic(join(exampleRoot, 'labels/base-outputs.jsonl'), toJsonl(rows));
  await model.close();
  await disposeLlamaRuntime();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { check: { type: 'boolean' }, 'base-outputs': { type: 'boolean' } },
  });
  if (values['base-outputs']) await writeBaseOutputs();
  const files = buildFiles();
  if (values.check) {
    const stale = [...files].filter(([path, content]) => {
      const full = join(exampleRoot, path);
      return !existsSync(full) || readFileSync(full, 'utf8') !== content;
    });
    if (stale.length > 0) {
      process.stderr.write(`stale generated files: ${stale.map(([path]) => path).join(', ')}\n`);
      process.exitCode = 1;
    } else process.stdout.write(`${files.size} generated files match the generator\n`);
    return;
  }
  for (const [path, content] of files) writeFileAtomic(join(exampleRoot, path), content);
  process.stdout.write(`wrote ${[...files.keys()].join(', ')}\n`);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main();
