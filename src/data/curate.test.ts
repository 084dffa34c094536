import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../task/dataset.js';
import { parseTask } from '../task/task.js';
import { CurationError, curate } from './curate.js';
import { writeDataset } from './dataset-file.js';

// A task with two deterministic graders: the city must be the reference's, and the readings must
// match it (temperature within 0.5, wind exactly); a field-match score is the share of fields that match.
const task = parseTask(
  {
    name: 'weather',
    prompt: 'Weather report: {{report}}',
    output: { format: 'json' },
    graders: [
      { name: 'city', type: 'field-match', fields: { city: { match: 'exact' } } },
      {
        name: 'readings',
        type: 'field-match',
        fields: { temperature: { match: 'numeric', tolerance: 0.5 }, wind: { match: 'exact' } },
      },
    ],
  },
  join(tmpdir(), 'tailor.yaml'),
);

const record = (id: string, reference: unknown) => ({
  id,
  input: { report: `report ${id}` },
  reference,
  output: undefined,
});
const records = [
  record('good', { city: 'Oslo', temperature: 4, wind: 'calm' }),
  record('wrong-city', { city: 'Bergen', temperature: 9, wind: 'gale' }),
  record('half-readings', { city: 'Tromsø', temperature: -3, wind: 'breeze' }),
  record('no-output', { city: 'Bodø', temperature: 1, wind: 'calm' }),
  record('no-reference', undefined),
];
const outputs = new Map([
  ['good', '{"city":"Oslo","temperature":4.2,"wind":"calm"}'],
  ['wrong-city', '{"city":"Oslo","temperature":9,"wind":"gale"}'],
  ['half-readings', '{"city":"Tromsø","temperature":-3,"wind":"storm"}'],
  ['no-reference', '{"city":"Oslo"}'],
  ['stray', '{"city":"Oslo"}'],
]);

describe('curate', () => {
  it('keeps the outputs every grader passes, and says why each other one was dropped', async () => {
    const graders = await task.createGraders();
    const curation = await curate({ graders, records, outputs, outputFormat: 'json' });
    expect(curation.counts).toEqual({
      outputs: 5,
      graded: 4,
      kept: 1,
      dropped: 3,
      recordsWithoutOutput: 1,
      outputsWithoutRecord: 1,
    });
    // The kept output becomes the reference (parsed: the task's outputs are JSON).
    expect(curation.kept).toEqual([
      { ...records[0], reference: { city: 'Oslo', temperature: 4.2, wind: 'calm' } },
    ]);
    const reasons = Object.fromEntries(
      curation.examples.map((example) => [example.record.id, example.dropReasons.map((drop) => drop.grader)]),
    );
    expect(reasons).toEqual({
      good: [],
      'wrong-city': ['city'],
      'half-readings': ['readings'],
      'no-reference': ['city', 'readings'],
    });
    const noReference = curation.examples.find((example) => example.record.id === 'no-reference')!;
    expect(noReference.dropReasons[0]!.reason).toMatch(/^could not grade: field-match needs a reference/);
    expect(curation.droppedBy).toEqual({ city: 2, readings: 2 });
    expect(curation.examples.map((example) => example.score)).toEqual([1, 0.5, 0.75, 0]);
  });

  it('keeps what clears the minimum scores given, instead of the graders’ own verdicts', async () => {
    const graders = await task.createGraders();
    const curation = await curate({
      graders,
      records,
      outputs,
      outputFormat: 'text',
      minimumScores: { readings: 0.5 },
    });
    expect(curation.kept.map((kept) => kept.id)).toEqual(['good', 'half-readings']);
    expect(curation.kept[1]!.reference).toBe(outputs.get('half-readings')); // text: the output as it is
    const wrongCity = curation.examples.find((example) => example.record.id === 'wrong-city')!;
    expect(wrongCity.dropReasons).toEqual([{ grader: 'city', reason: 'mismatched: city' }]);
    await expect(
      curate({ graders, records, outputs, outputFormat: 'json', minimumScores: { speling: 1 } }),
    ).rejects.toThrow(CurationError);
  });

  it('writes the kept records as a dataset that loads back', async () => {
    const curation = await curate({
      graders: await task.createGraders({ select: ['city'] }),
      records,
      outputs,
      outputFormat: 'json',
    });
    const file = join(mkdtempSync(join(tmpdir(), 'tailor-curate-')), 'curated.jsonl');
    writeDataset(file, curation.kept);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(curation.kept.length + 1);
    expect(loadDataset(file).map(({ id, reference }) => ({ id, reference }))).toEqual(
      curation.kept.map(({ id, reference }) => ({ id, reference })),
    );
  });
});
