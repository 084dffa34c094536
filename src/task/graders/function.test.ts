import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { functionGrader } from './function.js';
import { GraderError } from './grader.js';
import { chrF, chrFGrader } from './text-similarity.js';

const context = (output: string, reference?: unknown) => ({
  output,
  parsed: undefined,
  reference,
  input: {},
});

describe('user function graders', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tailor-grader-'));
  const module = join(directory, 'graders.mjs');
  writeFileSync(
    module,
    `export default ({ output }) => ({ score: output.length > 3 ? 1 : 0, reason: 'length' });
export const slow = async ({ output, reference }) => ({ score: output === reference ? 1 : 0.25, pass: output === reference, reason: 'async' });
export const broken = () => { throw new Error('boom'); };
export const malformed = () => ({ score: 7 });
export const notAFunction = 3;
`,
  );

  it('runs default and named exports, sync and async', async () => {
    expect(await (await functionGrader(module, 'default'))(context('long enough'))).toEqual({
      score: 1,
      pass: true,
      reason: 'length',
    });
    expect(await (await functionGrader(module, 'slow'))(context('a', 'b'))).toEqual({
      score: 0.25,
      pass: false,
      reason: 'async',
    });
  });

  it('turns load failures, throws and malformed grades into grader errors', async () => {
    await expect(functionGrader(join(directory, 'missing.mjs'), 'default')).rejects.toBeInstanceOf(
      GraderError,
    );
    await expect(functionGrader(module, 'notAFunction')).rejects.toThrow(/no function export/);
    await expect((await functionGrader(module, 'broken'))(context('x'))).rejects.toThrow(/threw: boom/);
    await expect((await functionGrader(module, 'malformed'))(context('x'))).rejects.toThrow(/must return/);
  });
});

describe('TypeScript grader modules', () => {
  it('load from the compiled CLI with no loader flag (tsx compiles them on import)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tailor-ts-grader-'));
    const module = join(directory, 'grader.ts');
    writeFileSync(
      module,
      `interface Context { output: string; reference: unknown }
type Grade = { score: number; pass: boolean; reason: string };
export function mentionsReference({ output, reference }: Context): Grade {
  const hit: boolean = output.includes(String(reference));
  return { score: hit ? 1 : 0, pass: hit, reason: hit ? 'mentions it' : 'does not' };
}
`,
    );
    // Through Node itself, outside vitest's TypeScript transform: the path a user's CLI run takes.
    const distModule = join(import.meta.dirname, '../../../dist/task/graders/function.js');
    const script = `const { functionGrader } = await import(${JSON.stringify(pathToFileURL(distModule).href)});
const grade = await functionGrader(${JSON.stringify(module)}, 'mentionsReference');
console.log(JSON.stringify(await grade({ output: 'take ibuprofen', reference: 'ibuprofen', input: {} })));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ score: 1, pass: true, reason: 'mentions it' });
    // And inside this process too.
    const grade = await functionGrader(module, 'mentionsReference');
    expect(await grade(context('no', 'ibuprofen'))).toMatchObject({ score: 0, pass: false });
  });
});

describe('chrF', () => {
  it('matches a hand-computed value', () => {
    // "ab" vs "abc": unigram P 1, R 2/3; bigram P 1, R 1/2; trigram and up skipped (too short).
    // P = 1, R = 7/12, F(β=2) = 5PR / (4P + R) = 35/55.
    expect(chrF('ab', 'abc')).toBeCloseTo(35 / 55, 12);
    expect(chrF('same text', 'same  text')).toBe(1);
    expect(chrF('', 'x')).toBe(0);
    // A typo keeps most character n-grams; a different drug does not.
    const grader = chrFGrader(undefined, 0.7);
    expect(grader(context('amoxicillin 500 mg', 'amoxicilin 500 mg')).pass).toBe(true);
    expect(grader(context('ibuprofen 400 mg', 'amoxicilin 500 mg')).pass).toBe(false);
  });
});
