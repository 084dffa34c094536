import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDataset, taskChecks } from '../dataset.js';
import { parseTask } from '../task.js';
import { fieldMatchGrader, tokenOverlap } from './field-match.js';
import { GraderError, parseJson } from './grader.js';
import { createGrader } from './index.js';
import { jsonSchemaGrader } from './json-schema.js';
import { listF1Grader } from './list-f1.js';
import { containsGrader, exactGrader, regexGrader } from './text-match.js';
import { numericGrader, rougeL, rougeLGrader } from './text-similarity.js';

const context = (output: string, reference?: unknown) => ({
  output,
  parsed: parseJson(output),
  reference,
  input: {},
});

describe('deterministic graders', () => {
  it('json-schema: passes valid JSON, fails invalid or malformed, needs a schema', () => {
    const grader = jsonSchemaGrader({
      type: 'object',
      properties: { a: { type: 'integer' } },
      required: ['a'],
    });
    expect(grader(context('{"a": 1}'))).toMatchObject({ score: 1, pass: true });
    expect(grader(context('{"a": "x"}'))).toMatchObject({
      score: 0,
      pass: false,
      reason: expect.stringMatching(/\/a must be integer/),
    });
    expect(grader(context('{"a": 1'))).toMatchObject({ pass: false, reason: 'output is not valid JSON' });
    // JSON.parse would keep the last "a" and call it valid.
    expect(grader(context('{"a": "x", "a": 1}'))).toMatchObject({
      score: 0,
      pass: false,
      reason: 'key "a" appears twice in /',
    });
    expect(() => jsonSchemaGrader(undefined)).toThrow(GraderError);
  });

  it('exact, contains and regex', () => {
    expect(exactGrader('Paris', undefined)(context(' Paris\n'))).toMatchObject({ pass: true });
    expect(exactGrader(undefined, 'city')(context('Rome', { city: 'Paris' }))).toMatchObject({ pass: false });
    expect(() => exactGrader(undefined, undefined)(context('x'))).toThrow(GraderError);
    expect(containsGrader('paris', true)(context('It is Paris.'))).toMatchObject({ pass: true, score: 1 });
    expect(containsGrader('paris', false)(context('It is Paris.'))).toMatchObject({ pass: false, score: 0 });
    expect(regexGrader('^\\d{3}$', '')(context('123'))).toMatchObject({ pass: true });
    expect(() => regexGrader('(', '')).toThrow(/invalid regex/);
  });

  it('field-match: tolerance, sets, token overlap and nulls', () => {
    const grader = fieldMatchGrader(
      {
        t: { match: 'numeric', tolerance: 0.15 },
        tags: { match: 'set' },
        cc: { match: 'token-overlap', threshold: 0.6 },
        bp: { match: 'exact' },
      },
      1,
    );
    const reference = { t: 37.2, tags: ['a', 'B'], cc: 'cough for 5 days', bp: null };
    expect(
      grader(
        context(JSON.stringify({ t: 37.3, tags: ['b', 'a'], cc: 'Cough x 5 days', bp: null }), reference),
      ),
    ).toMatchObject({ score: 1, pass: true });
    const partial = grader(
      context(JSON.stringify({ t: 37.5, tags: ['a'], cc: 'fever', bp: '120/80' }), reference),
    );
    expect(partial.score).toBe(0);
    expect(partial.reason).toBe('mismatched: t, tags, cc, bp');
    expect(tokenOverlap('acute otitis media, left', 'acute otitis media')).toBe(1);
    expect(() => grader(context('{}', undefined))).toThrow(GraderError);
  });

  it('list-f1 matches hand-computed precision, recall and F1', () => {
    const grader = listF1Grader('meds', ['name', 'dose'], 'lowercase', 1);
    const reference = {
      meds: [
        { name: 'A', dose: '1' },
        { name: 'B', dose: '2' },
        { name: 'C', dose: '3' },
      ],
    };
    // 2 of 3 expected found, 1 extra: precision 2/3, recall 2/3, F1 2/3.
    const grade = grader(
      context(
        JSON.stringify({
          meds: [
            { name: 'a', dose: '1' },
            { name: 'B', dose: '2' },
            { name: 'D', dose: '4' },
          ],
        }),
        reference,
      ),
    );
    expect(grade.score).toBeCloseTo(2 / 3, 12);
    expect(grade.details).toMatchObject({ precision: 2 / 3, recall: 2 / 3 });
    expect(grader(context('{"meds": []}', { meds: [] }))).toMatchObject({ score: 1, pass: true });
    expect(grader(context('not json', reference))).toMatchObject({ score: 0, pass: false });
    expect(() => grader(context('{}', {}))).toThrow(GraderError);
  });
});

describe('text similarity and numeric graders', () => {
  it('ROUGE-L matches a hand-computed LCS F-measure', () => {
    // LCS of "the cat sat on the mat" and "the cat lay on the mat" is 5 words of 6 each.
    expect(rougeL('The cat sat on the mat.', 'the cat lay on the mat')).toBeCloseTo(5 / 6, 12);
    expect(rougeL('', '')).toBe(1);
    expect(rougeL('a b', 'c d')).toBe(0);
    const grader = rougeLGrader('plan', 0.5);
    const reference = { plan: 'Start amoxicillin 500 mg twice daily for 10 days.' };
    expect(
      grader(context(JSON.stringify({ plan: 'amoxicillin 500 mg twice daily x 10 days' }), reference)).pass,
    ).toBe(true);
    expect(() => grader(context('{}', {}))).toThrow(GraderError);
  });

  it('numeric tolerance on a path or the whole output', () => {
    expect(numericGrader('t', undefined, 0.15)(context('{"t": 37.3}', { t: 37.2 }))).toMatchObject({
      pass: true,
    });
    expect(numericGrader(undefined, 42, 0)(context(' 41 '))).toMatchObject({ pass: false });
    expect(numericGrader(undefined, 42, 0)(context('forty-two'))).toMatchObject({
      pass: false,
      reason: 'output is not a number',
    });
    expect(() => numericGrader('t', undefined, 0)(context('{"t": 1}', {}))).toThrow(GraderError);
  });
});

describe('the clinical-notes task', () => {
  const root = join(import.meta.dirname, '../../../examples/clinical-notes');
  const configFile = join(root, 'tailor.yaml');
  const task = parseTask(parse(readFileSync(configFile, 'utf8')).task, configFile);

  it('parses, with paths resolved against its folder', () => {
    expect(task.variables).toEqual(['note']);
    expect(task.data.validation).toBe(join(root, 'data/validation.jsonl'));
    expect(task.output.schema).toBeDefined();
    expect(task.graders.map((grader) => grader.name)).toEqual([
      'schema',
      'fields',
      'medications',
      'plan-faithfulness',
    ]);
  });

  it('scores every reference as perfect on the deterministic graders', async () => {
    const deterministic = task.graders.filter((config) => config.type !== 'llm-rubric');
    const graders = await Promise.all(
      deterministic.map((config) =>
        createGrader(config, task, () => Promise.reject(new Error('no judge needed'))),
      ),
    );
    for (const split of ['train', 'validation']) {
      for (const record of loadDataset(task.data[split]!, taskChecks(task))) {
        const output = JSON.stringify(record.reference);
        for (const [index, grader] of graders.entries()) {
          const grade = await grader({
            output,
            parsed: JSON.parse(output),
            reference: record.reference,
            input: record.input,
          });
          expect(grade.score, `${record.id} ${deterministic[index]!.name}`).toBe(1);
        }
      }
    }
  });
});
