/**
 * Prints the numbers the example's README quotes: split sizes, note and summary lengths in tokens of
 * the default model, incumbent error rates from the hidden answers, and label agreement.
 *
 *   node --import tsx examples/clinical-notes/generator/stats.ts
 */
import { disposeLlamaRuntime, loadLlamaModel } from '../../../src/models/llama-cpp.js';
import { resolveModelFile } from '../../../src/models/model-files.js';
import { type ExpertLabelRow, readExampleJsonl, verdictsByItem } from './generate.js';
import type { IncumbentAnswer } from './incumbent.js';

const readJsonl = readExampleJsonl;

const model = await loadLlamaModel(await resolveModelFile('smollm2-135m-instruct'), {
  gpu: 'off',
  threads: 0,
});
const quantiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `min ${sorted[0]}, p5 ${at(0.05)}, median ${at(0.5)}, p95 ${at(0.95)}, max ${sorted.at(-1)}`;
};
for (const split of ['train', 'validation', 'test']) {
  const rows = readJsonl<{ input: { note: string }; reference: unknown }>(`data/${split}.jsonl`);
  const noteTokens = rows.map((row) => model.tokenize(row.input.note).length);
  const outputTokens = rows.map((row) => model.tokenize(JSON.stringify(row.reference)).length);
  console.log(
    `${split}: ${rows.length} records; note tokens ${quantiles(noteTokens)}; summary tokens ${quantiles(outputTokens)}`,
  );
}
const answers = readJsonl<IncumbentAnswer>('incumbent/answers.hidden.jsonl');
const kinds = ['hallucinated-medication', 'wrong-dose', 'missed-allergy', 'truncated-json'] as const;
for (const kind of kinds) {
  const count = answers.filter((answer) => answer.errors.includes(kind)).length;
  console.log(`incumbent ${kind}: ${count} (${((100 * count) / answers.length).toFixed(1)}%)`);
}
const bad = answers.filter((answer) => answer.errors.length > 0).length;
console.log(
  `incumbent outputs with any error: ${bad} of ${answers.length} (${((100 * bad) / answers.length).toFixed(1)}%)`,
);

const labels = readJsonl<ExpertLabelRow>('labels/expert-labels.jsonl');
const byItem = verdictsByItem(labels);
const annotatorIds = [...new Set(labels.map((label) => label.annotator))];
for (const source of [...new Set(labels.map((label) => label.source))]) {
  const rows = labels.filter((label) => label.source === source);
  const passRate = rows.filter((label) => label.pass).length / rows.length;
  console.log(
    `labels on ${source}: ${rows.length / annotatorIds.length} outputs, pass rate ${(100 * passRate).toFixed(1)}%`,
  );
}
for (let i = 0; i < annotatorIds.length; i++) {
  for (let j = i + 1; j < annotatorIds.length; j++) {
    const [a, b] = [annotatorIds[i]!, annotatorIds[j]!];
    const items = [...byItem.values()];
    const agree = items.filter((item) => item.get(a) === item.get(b)).length / items.length;
    console.log(`pass/fail agreement ${a} vs ${b}: ${(100 * agree).toFixed(1)}%`);
  }
}

// The default base model on the labelled validation notes (grammar-constrained, greedy): objective
// field scores against the references. Test-split scores come from `tailor eval` (see README).
const { generateSplits } = await import('./generate.js');
const { summarySchema } = await import('./schema.js');
const references = new Map(generateSplits().validation.map((item) => [item.id, item.reference]));
const baseOutputs = readJsonl<{ id: string; output: string }>('labels/base-outputs.jsonl');
let parsed = 0;
let valid = 0;
let medicationF1 = 0;
let allergiesRight = 0;
let vitalsRight = 0;
let vitalsTotal = 0;
for (const row of baseOutputs) {
  const reference = references.get(row.id)!;
  let value: unknown;
  try {
    value = JSON.parse(row.output);
    parsed++;
  } catch {
    vitalsTotal += 6;
    continue;
  }
  const checked = summarySchema.safeParse(value);
  if (checked.success) valid++;
  const summary = value as {
    medications?: { name?: string; dose?: string; frequency?: string }[];
    allergies?: unknown;
    vitals?: Record<string, unknown>;
  };
  const key = (medication: { name?: string; dose?: string; frequency?: string }) =>
    `${medication.name?.toLowerCase()}|${medication.dose}|${medication.frequency}`;
  const predicted = new Set((Array.isArray(summary.medications) ? summary.medications : []).map(key));
  const truth = new Set(reference.medications.map(key));
  const hits = [...predicted].filter((entry) => truth.has(entry)).length;
  medicationF1 += truth.size + predicted.size === 0 ? 1 : (2 * hits) / (truth.size + predicted.size);
  if (JSON.stringify(summary.allergies) === JSON.stringify(reference.allergies)) allergiesRight++;
  for (const [name, expected] of Object.entries(reference.vitals)) {
    vitalsTotal++;
    const actual = summary.vitals?.[name];
    if (
      expected === null
        ? actual === null
        : typeof expected === 'number'
          ? Math.abs(expected - Number(actual)) <= 0.15
          : actual === expected
    )
      vitalsRight++;
  }
}
const percent = (value: number, total: number) => `${((100 * value) / total).toFixed(1)}%`;
console.log(
  `base model on ${baseOutputs.length} validation notes: JSON parses ${percent(parsed, baseOutputs.length)}, ` +
    `schema-valid ${percent(valid, baseOutputs.length)}, medication F1 ${(medicationF1 / baseOutputs.length).toFixed(3)}, ` +
    `allergies exact ${percent(allergiesRight, baseOutputs.length)}, vitals correct ${percent(vitalsRight, vitalsTotal)}`,
);
await disposeLlamaRuntime();
