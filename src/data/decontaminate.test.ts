import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Random } from '../common/random.js';
import { TailorError } from '../core/errors.js';
import type { EvalRecord } from '../task/dataset.js';
import { renderTemplate } from '../task/template.js';
import {
  ContaminationError,
  createContaminationIndex,
  type DatasetSource,
  DecontaminationError,
  dropContaminated,
  findContamination,
  formatContamination,
  normaliseWords,
  readDatasetSource,
} from './decontaminate.js';
import { NgramTable } from './ngram-table.js';
import { prepareSharedText, recordWords } from './record-ngrams.js';

const task = {
  system: 'You are a clinical documentation assistant. You read visit notes and return only JSON.',
  prompt:
    'Summarise the visit note below as a JSON object with the chief complaint, the vitals, the ' +
    'medications the patient currently takes and the assessment, in plain words.\n\nVisit note:\n{{note}}\n',
};

const vocabulary = (
  'patient reports cough fever days pain chest mild severe denies nausea history asthma knee ankle ' +
  'ibuprofen daily twice tablet swelling rash throat ear left right since morning evening improved ' +
  'worse walking sleeping breathing exam normal tender red warm follow weeks clinic advised rest'
).split(' ');

/** A note of distinct-enough random words: two notes from different seeds share no 13-gram. */
function note(seed: number, words = 60): string {
  const random = new Random(seed);
  return Array.from({ length: words }, () => random.pick(vocabulary)).join(' ');
}

const taskRecord = (id: string, text: string): EvalRecord => ({
  id,
  input: { note: text },
  reference: { assessment: 'x' },
  output: undefined,
});

const chatRecord = (id: string, ...users: string[]): EvalRecord => {
  const messages = [
    { role: 'system' as const, content: task.system },
    ...users.map((content) => ({ role: 'user' as const, content })),
  ];
  return { id, input: { messages }, reference: '{}', output: undefined, messages };
};

const source = (split: string, records: EvalRecord[], path?: string): DatasetSource => ({
  split,
  records,
  ...(path === undefined
    ? {}
    : { path, lines: new Map(records.map((record, index) => [record.id, index + 1])) }),
});

const testNotes = [note(1), note(2), note(3)];
const testSplit = source(
  'test',
  testNotes.map((text, index) => taskRecord(`t-${index + 1}`, text)),
  'data/test.jsonl',
);

describe('findContamination', () => {
  it('catches a test note inside a chat message, with the task prompt around it or not', () => {
    const filled = renderTemplate(task.prompt, { note: testNotes[1]! });
    const pasted = `Hi, can you do this one for me?\n\n${task.prompt.replace('{{note}}', testNotes[1]!)}\nThanks!`;
    const report = findContamination(
      task,
      [source('train', [chatRecord('c-1', filled), chatRecord('c-2', pasted)], 'data/train.jsonl')],
      [testSplit],
    );
    const testTwo = { split: 'test', id: 't-2', path: 'data/test.jsonl', line: 2 };
    expect(report.contaminated).toEqual(
      [1, 2].map((line) => ({
        record: { split: 'train', id: `c-${line}`, path: 'data/train.jsonl', line },
        share: 1,
        overlaps: [{ reference: testTwo, share: 1, sharedNgrams: 48 }],
      })),
    );
    expect(report).toMatchObject({ checked: 2, referenceRecords: 3, bySplit: { train: 2 } });
  });

  it('catches a task record with the same input, whatever its case, spacing and punctuation', () => {
    const reformatted = testNotes[0]!.toUpperCase().replaceAll(' ', ',\n  ');
    const report = findContamination(task, [source('train', [taskRecord('a', reformatted)])], [testSplit]);
    expect(report.contaminated.map((entry) => [entry.record.id, entry.overlaps[0]!.reference.id])).toEqual([
      ['a', 't-1'],
    ]);
  });

  it('catches an object input that the prompt showed as JSON, its line breaks escaped', () => {
    const objectTask = {
      prompt: 'Read the patient record below and list the problems it names.\n{{patient}}',
    };
    const patient = { name: 'Ada Byron', history: testNotes[0]!.replaceAll(' days ', ' days\n') };
    const chat = chatRecord('c-json', renderTemplate(objectTask.prompt, { patient }));
    const report = findContamination(
      objectTask,
      [source('train', [chat])],
      [source('test', [{ id: 't-json', input: { patient }, reference: {}, output: undefined }])],
    );
    expect(report.contaminated[0]).toMatchObject({ record: { id: 'c-json' }, share: 1 });
  });

  it('does not flag records that share only the task instructions', () => {
    const clean = [
      chatRecord('chat', renderTemplate(task.prompt, { note: note(10) })),
      taskRecord('task', note(11)),
    ];
    // Test records in chat form too: their instructions are the candidates' instructions.
    const chatTest = source('test', [chatRecord('t-chat', renderTemplate(task.prompt, { note: note(12) }))]);
    const report = findContamination(task, [source('train', clean)], [testSplit, chatTest]);
    expect(report.contaminated).toEqual([]);
    expect(report.checked).toBe(2);
    // The chat record's own words are its note, and nothing of the prompt or the system message.
    expect(recordWords(prepareSharedText(task), clean[0]!)).toEqual(normaliseWords(note(10)));
  });

  it('does not flag records that share a system prompt the test records share too', () => {
    const production = `${note(40, 30)} always answer in JSON`;
    const withProduction = (id: string, text: string): EvalRecord => {
      const messages = [
        { role: 'system' as const, content: production },
        { role: 'user' as const, content: text },
      ];
      return { id, input: { messages }, reference: '{}', output: undefined, messages };
    };
    const captured = source(
      'test',
      [20, 21, 22, 23].map((seed) => withProduction(`t-${seed}`, note(seed))),
    );
    const train = source('train', [withProduction('fresh', note(30)), withProduction('copy', note(21))]);
    const report = findContamination(task, [train], [captured]);
    expect(report.contaminated.map((entry) => [entry.record.id, entry.overlaps[0]!.reference.id])).toEqual([
      ['copy', 't-21'],
    ]);
  });

  it('flags when half the smaller record’s n-grams are shared: edited copies yes, one stock sentence no', () => {
    const words = testNotes[2]!.split(' ');
    // One word changed in 60: the 13 n-grams that hold it are lost, 35 of 48 remain.
    const edited = words.map((word, index) => (index === 30 ? 'changed' : word)).join(' ');
    const stockSentence = words.slice(10, 24).join(' ');
    const sharingOneSentence = `${note(50, 40)} ${stockSentence} ${note(51, 40)}`;
    const report = findContamination(
      task,
      [source('train', [taskRecord('edited', edited), taskRecord('one-sentence', sharingOneSentence)])],
      [testSplit],
    );
    expect(report.contaminated).toHaveLength(1);
    expect(report.contaminated[0]!.record.id).toBe('edited');
    expect(report.contaminated[0]!.share).toBeCloseTo(35 / 48);
    // The one stock sentence (2 n-grams of 14 words) is caught only when any overlap counts.
    const strict = findContamination(
      task,
      [source('train', [taskRecord('one-sentence', sharingOneSentence)])],
      [testSplit],
      { threshold: 0.01 },
    );
    expect(strict.contaminated[0]?.overlaps[0]).toMatchObject({ sharedNgrams: 2 });
  });

  it('compares a text shorter than n words whole: the same words match, a longer text holding them does not', () => {
    const short = source('test', [taskRecord('s-1', 'Sore throat for 3 days.')]);
    const report = findContamination(
      task,
      [
        source('train', [
          taskRecord('same', 'sore  THROAT, for 3 days'),
          taskRecord('longer', 'sore throat for 3 days and a mild fever'),
          chatRecord('chat', renderTemplate(task.prompt, { note: 'Sore throat for 3 days' })),
        ]),
      ],
      [short],
    );
    expect(report.contaminated.map((entry) => entry.record.id)).toEqual(['same', 'chat']);
    // With n = 3 the same pair is compared by 3-grams, and the longer text overlaps.
    const trigrams = findContamination(
      task,
      [source('train', [taskRecord('longer', 'sore throat for 3 days and a mild fever')])],
      [short],
      { ngram: 3 },
    );
    expect(trigrams.contaminated[0]).toMatchObject({ record: { id: 'longer' }, share: 1 });
    expect(trigrams.ngram).toBe(3);
  });

  it('passes over a record matching itself when a split is checked against itself', () => {
    const validation = source('validation', [taskRecord('v-1', note(60)), taskRecord('v-2', note(60))]);
    const report = findContamination(task, [validation], [validation]);
    expect(report.contaminated.map((entry) => [entry.record.id, entry.overlaps[0]!.reference.id])).toEqual([
      ['v-1', 'v-2'],
      ['v-2', 'v-1'],
    ]);
  });

  it('rejects an n or a threshold that cannot work', () => {
    expect(() => createContaminationIndex(task, [], { ngram: 0 })).toThrow(DecontaminationError);
    expect(() => createContaminationIndex(task, [], { threshold: 0 })).toThrow(DecontaminationError);
    expect(() => createContaminationIndex(task, [], { threshold: 1.5 })).toThrow(/at most 1/);
  });

  it('finds the planted copies among tens of thousands of records', () => {
    const references = source(
      'test',
      Array.from({ length: 2000 }, (_, index) => taskRecord(`t-${index}`, note(100_000 + index, 120))),
    );
    const candidates = Array.from({ length: 20_000 }, (_, index) =>
      index % 5000 === 0
        ? chatRecord(`c-${index}`, renderTemplate(task.prompt, { note: note(100_000 + index / 5000, 120) }))
        : taskRecord(`c-${index}`, note(index, 120)),
    );
    // Timing is a benchmark's business, never a test's: this checks the answer at a realistic size.
    const report = findContamination(task, [source('train', candidates)], [references]);
    expect(report.contaminated.map((entry) => entry.record.id)).toEqual([
      'c-0',
      'c-5000',
      'c-10000',
      'c-15000',
    ]);
  });
});

describe('dropContaminated and formatContamination', () => {
  const train = source(
    'train',
    [
      taskRecord('keep', note(70)),
      taskRecord('copy-1', testNotes[0]!),
      chatRecord('copy-2', renderTemplate(task.prompt, { note: testNotes[1]! })),
      taskRecord('copy-3', `${testNotes[2]} ${testNotes[0]}`),
    ],
    'data/train.jsonl',
  );
  const report = findContamination(task, [train], [testSplit]);

  it('keeps the clean records and drops the others with where they are and what they overlap', () => {
    const { kept, dropped } = dropContaminated(train, report);
    expect(kept.map((record) => record.id)).toEqual(['keep']);
    expect(dropped.map((entry) => entry.reason)).toEqual([
      'data/train.jsonl:2 (train "copy-1") overlaps data/test.jsonl:1 (test "t-1"): 100%',
      'data/train.jsonl:3 (train "copy-2") overlaps data/test.jsonl:2 (test "t-2"): 100%',
      'data/train.jsonl:4 (train "copy-3") overlaps data/test.jsonl:1 (test "t-1"): 100%; ' +
        'data/test.jsonl:3 (test "t-3"): 100%',
    ]);
  });

  it('lists every contaminated record in the refusal, with file, line, id and what it overlaps', () => {
    const error = new ContaminationError(report);
    expect(error).toBeInstanceOf(TailorError);
    expect(error.code).toBe('test-split-leak');
    expect(error.report).toBe(report);
    expect(error.message).toBe(
      [
        '3 of 4 record(s) (3 train) overlap the test data (13-word n-grams; share of the smaller ' +
          "record's n-grams ≥ 50%):",
        '  data/train.jsonl:2 (train "copy-1") overlaps data/test.jsonl:1 (test "t-1"): 100%',
        '  data/train.jsonl:3 (train "copy-2") overlaps data/test.jsonl:2 (test "t-2"): 100%',
        '  data/train.jsonl:4 (train "copy-3") overlaps data/test.jsonl:1 (test "t-1"): 100%; ' +
          'data/test.jsonl:3 (test "t-3"): 100%',
      ].join('\n'),
    );
    expect(error.hint).toContain('the test split must stay unseen');
    expect(formatContamination(findContamination(task, [source('train', [])], [testSplit]))).toBe(
      'None of 0 record(s) overlaps the test data.',
    );
  });

  it('names records without a file by split and id', () => {
    const unfiled = findContamination(
      task,
      [source('pairs', [taskRecord('p-1', testNotes[0]!)])],
      [testSplit],
    );
    expect(formatContamination(unfiled)).toContain('  pairs "p-1" overlaps data/test.jsonl:1 (test "t-1")');
  });
});

describe('NgramTable', () => {
  it('keeps every key through growth and probing, 0 and numbers up to 2^53 included', () => {
    const table = new NgramTable(2);
    // Keys alike in their low 32 bits all start probing at one slot: the worst case for lookups.
    const keys = [0, 2 ** 53 - 1, ...Array.from({ length: 3000 }, (_, index) => index * 2 ** 32 + 7)];
    for (const [index, hash] of keys.entries()) table.set(hash, index);
    table.set(2 ** 53 - 1, -5);
    expect(table.size).toBe(keys.length);
    expect(table.get(0)).toBe(0);
    expect(table.get(2 ** 53 - 1)).toBe(-5);
    expect(table.get(2999 * 2 ** 32 + 7)).toBe(3001);
    expect(table.get(12345)).toBeUndefined();
    let visited = 0;
    table.forEach(() => {
      visited++;
    });
    expect(visited).toBe(keys.length);
  });
});

describe('readDatasetSource', () => {
  it('reads CSV lines as loadDataset counts them, after the header', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tailor-decontaminate-')), 'train.csv');
    writeFileSync(path, `id,note\nx,hello there\n,${testNotes[0]}\n`);
    const read = readDatasetSource('train', path);
    expect([...read.lines!]).toEqual([
      ['x', 2],
      ['line-3', 3],
    ]);
    expect(findContamination(task, [read], [testSplit]).contaminated[0]?.record).toEqual({
      split: 'train',
      id: 'line-3',
      path,
      line: 3,
    });
  });

  it('knows the line of each record, by its id or the line-<n> id loadDataset gives it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'tailor-decontaminate-'));
    const path = join(folder, 'train.jsonl');
    writeFileSync(
      path,
      [
        JSON.stringify({ id: 'a', input: { note: 'first' } }),
        '',
        JSON.stringify({ input: { note: testNotes[0] } }),
        JSON.stringify({ id: 7, messages: [{ role: 'user', content: 'hello' }] }),
      ].join('\n'),
    );
    const read = readDatasetSource('train', path);
    expect([...read.lines!]).toEqual([
      ['a', 1],
      ['line-3', 3],
      ['7', 4],
    ]);
    const report = findContamination(task, [read], [testSplit]);
    expect(report.contaminated.map((entry) => entry.record)).toEqual([
      { split: 'train', id: 'line-3', path, line: 3 },
    ]);
  });
});
