import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findIssues } from './annotators.js';
import {
  buildFiles,
  type ExpertLabelRow,
  exampleRoot,
  generateSplits,
  generateTraffic,
  labelledBase,
  labelledIncumbent,
  readExampleJsonl,
  seed,
  splitSizes,
  trafficSize,
  verdictsByItem,
} from './generate.js';
import type { IncumbentAnswer, IncumbentError } from './incumbent.js';
import { summaryJsonSchema, summarySchema } from './schema.js';

const splits = generateSplits();
const readJsonl = readExampleJsonl;

describe('clinical-notes generator', () => {
  it('is deterministic for a seed, and the committed files are what it generates', () => {
    const first = buildFiles(seed);
    expect(buildFiles(seed)).toEqual(first);
    expect(buildFiles(seed + 1).get('data/train.jsonl')).not.toBe(first.get('data/train.jsonl'));
    for (const [path, content] of first) {
      expect(existsSync(join(exampleRoot, path)), path).toBe(true);
      expect(
        readFileSync(join(exampleRoot, path), 'utf8') === content,
        `${path} is stale: rerun generate.ts`,
      ).toBe(true);
    }
  });

  it('writes at least the promised split sizes', () => {
    expect(splitSizes.train).toBeGreaterThanOrEqual(1000);
    expect(splitSizes.validation).toBeGreaterThanOrEqual(150);
    expect(splitSizes.test).toBeGreaterThanOrEqual(300);
    for (const split of ['train', 'validation', 'test'] as const) {
      expect(readJsonl(`data/${split}.jsonl`)).toHaveLength(splitSizes[split]);
    }
  });

  it('gives every reference a valid summary that the field checks score as perfect', () => {
    const schema = summaryJsonSchema() as { required: string[]; properties: Record<string, unknown> };
    for (const item of [...splits.train, ...splits.validation, ...splits.test]) {
      expect(summarySchema.safeParse(item.reference).success, item.id).toBe(true);
      expect(Object.keys(item.reference).sort()).toEqual([...schema.required].sort());
      expect(findIssues(JSON.stringify(item.reference), item.reference), item.id).toEqual([]);
    }
  });

  it('covers the variety real notes have', () => {
    const all = [...splits.train, ...splits.validation, ...splits.test];
    const share = (predicate: (note: string) => boolean) =>
      all.filter((item) => predicate(item.note)).length / all.length;
    expect(share((note) => /\bBID\b|b\.i\.d\./.test(note))).toBeGreaterThan(0.05);
    expect(share((note) => /\bq(8|12|4|6)h\b/.test(note))).toBeGreaterThan(0.05);
    expect(share((note) => /NKDA|No known drug allergies/.test(note))).toBeGreaterThan(0.1);
    expect(share((note) => /°?F\b|degF/.test(note) && /\d{2,3}(\.\d)?\s?°?F/.test(note))).toBeGreaterThan(
      0.1,
    );
    expect(share((note) => /\blbs?\b|#/.test(note))).toBeGreaterThan(0.1);
    expect(
      share((note) => /[Ss]topped|discontinued|d\/c'd|no longer taking|Previously on/.test(note)),
    ).toBeGreaterThan(0.2);
    expect(
      share((note) => /FHx|Family history|FH:|Sister takes|Father on|Mother had/.test(note)),
    ).toBeGreaterThan(0.2);
    expect(all.filter((item) => item.reference.allergies === null).length / all.length).toBeGreaterThan(0.05);
    expect(all.filter((item) => item.reference.vitals.pulse === null).length / all.length).toBeGreaterThan(
      0.1,
    );
    expect(new Set(all.map((item) => item.facts.style)).size).toBe(3);
  });

  it('keeps the test split disjoint from training and tuning data', () => {
    const normalise = (note: string) => note.toLowerCase().replace(/\s+/g, ' ');
    const seen = new Set([...splits.train, ...splits.validation].map((item) => normalise(item.note)));
    for (const item of splits.test) expect(seen.has(normalise(item.note)), item.id).toBe(false);
  });

  // Train, validation and test outputs, and the production traffic: one seeded error process.
  const traffic = generateTraffic(splits);
  const incumbentFiles = [
    {
      name: 'train',
      cases: splits.train,
      outputs: 'incumbent/train-outputs.jsonl',
      answers: 'incumbent/answers.hidden.jsonl',
    },
    ...(['validation', 'test'] as const).map((split) => ({
      name: split,
      cases: splits[split],
      outputs: `incumbent/${split}-outputs.jsonl`,
      answers: `incumbent/${split}-answers.hidden.jsonl`,
    })),
    {
      name: 'traffic',
      cases: traffic,
      outputs: 'production/traffic.jsonl',
      answers: 'production/answers.hidden.jsonl',
    },
  ];
  it.each(incumbentFiles)(
    'injects incumbent errors at the documented rates on $name, and the hidden answers are true',
    (file) => {
      const answers = readJsonl<IncumbentAnswer>(file.answers);
      const outputs = readJsonl<{ id: string; output: string }>(file.outputs);
      expect(answers).toHaveLength(file.cases.length);
      expect(outputs.map((output) => output.id)).toEqual(file.cases.map((item) => item.id));
      const rate = (kind: IncumbentError) =>
        answers.filter((answer) => answer.errors.includes(kind)).length / answers.length;
      expect(rate('hallucinated-medication')).toBeGreaterThan(0.03);
      expect(rate('wrong-dose')).toBeGreaterThan(0.03);
      expect(rate('missed-allergy')).toBeGreaterThan(0.02);
      expect(rate('truncated-json')).toBeGreaterThan(0.01);
      const expectedKind: Record<IncumbentError, string> = {
        'hallucinated-medication': 'hallucinated-medication',
        'wrong-dose': 'wrong-dose',
        'missed-allergy': 'missed-allergy',
        'truncated-json': 'unparsable',
      };
      file.cases.forEach((item, index) => {
        const issues = findIssues(outputs[index]!.output, item.reference);
        const critical = issues.filter((issue) => issue.severity === 'critical').map((issue) => issue.kind);
        const errors = answers[index]!.errors;
        if (errors.length === 0) expect(critical, item.id).toEqual([]);
        else if (errors.includes('truncated-json')) expect(critical).toEqual(['unparsable']);
        else for (const error of errors) expect(critical, item.id).toContain(expectedKind[error]);
      });
    },
  );

  it('has production traffic: many more notes than the labelled splits, none of them a split note, no references', () => {
    const labelled = splitSizes.train + splitSizes.validation + splitSizes.test;
    expect(traffic.length).toBe(trafficSize);
    expect(trafficSize).toBeGreaterThan(labelled);
    const normalise = (note: string) => note.toLowerCase().replace(/\s+/g, ' ');
    const splitNotes = new Set(
      [...splits.train, ...splits.validation, ...splits.test].map((item) => normalise(item.note)),
    );
    for (const item of traffic) expect(splitNotes.has(normalise(item.note)), item.id).toBe(false);
    const rows = readJsonl<Record<string, unknown>>('production/traffic.jsonl');
    expect(Object.keys(rows[0]!).sort()).toEqual(['id', 'input', 'output']);
  });

  it('has expert labels from three annotators who mostly, but not always, agree', () => {
    const labels = readJsonl<ExpertLabelRow>('labels/expert-labels.jsonl');
    const items = verdictsByItem(labels);
    for (const label of labels) {
      expect(label.score).toBeGreaterThanOrEqual(1);
      expect(label.score).toBeLessThanOrEqual(5);
    }
    expect(items.size).toBe(labelledIncumbent + labelledBase);
    expect(new Set(labels.map((label) => label.source)).size).toBe(2);
    const verdicts = [...items.values()].map((byAnnotator) => [...byAnnotator.values()]);
    expect(verdicts.every((row) => row.length === 3)).toBe(true);
    const unanimous = verdicts.filter((row) => row.every((pass) => pass === row[0])).length / verdicts.length;
    expect(unanimous).toBeGreaterThan(0.6);
    expect(unanimous).toBeLessThan(1);
  });
});
