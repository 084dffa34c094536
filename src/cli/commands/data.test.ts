import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toJsonl } from '../../common/jsonl.js';
import { tailorInProcess } from '../../test-support/cli-in-process.js';
import { dataWorkspace } from '../../test-support/data-workspace.js';

// `tailor data …` and `tailor train --data` on a tiny task with deterministic graders: no model is
// loaded. The CLI runs in this process (as train.test.ts runs it), with its stdout and stderr caught.

const tailor = tailorInProcess;

afterEach(() => {
  vi.restoreAllMocks();
});

const output = (city: string, temperature: number, wind: string) =>
  JSON.stringify({ city, temperature, wind });

function writeOutputs(root: string): string {
  const file = join(root, 'outputs.jsonl');
  writeFileSync(
    file,
    toJsonl([
      { id: 'oslo', output: output('Oslo', 4, 'calm') },
      { id: 'bergen', output: output('Oslo', 9, 'breeze') },
      { id: 'tromso', output: output('Tromsø', -3, 'calm') },
      { id: 'elsewhere', output: output('Oslo', 1, 'calm') },
    ]),
  );
  return file;
}

const datasetFiles = (root: string) =>
  existsSync(join(root, '.tailor', 'datasets')) ? readdirSync(join(root, '.tailor', 'datasets')) : [];

describe('tailor data curate', () => {
  it('keeps the outputs the graders pass as a version; a rerun adds nothing', async () => {
    const root = dataWorkspace();
    const outputs = writeOutputs(root);
    const text = await tailor(root, ['data', 'curate', '--outputs', outputs, '--name', 'curated']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('curate: kept 2 of 6 record(s), dropped 4 (city 1, no output 3)');
    expect(text.stdout).toContain('1 output(s) matched no record');
    expect(text.stdout).toMatch(/ds-[0-9a-f]{12} \(curated\): 2 records/);

    const again = await tailor(root, ['--json', 'data', 'curate', '--outputs', outputs, '--name', 'curated']);
    const result = JSON.parse(again.stdout);
    expect(result).toMatchObject({
      created: false,
      version: { name: 'curated', recordCount: 2, parentId: null },
      operation: { op: 'curate', reasons: { city: 1, 'no output': 3 } },
    });

    const list = await tailor(root, ['--json', 'data', 'list']);
    expect(JSON.parse(list.stdout).map((version: { id: string }) => version.id)).toEqual([result.version.id]);
    const table = await tailor(root, ['data', 'list']);
    expect(table.stdout).toMatch(/ID\s+NAME\s+RECORDS\s+OPERATIONS\s+CREATED/);
    expect(table.stdout).toMatch(new RegExp(`${result.version.id}\\s+curated\\s+2\\s+curate`));

    const show = await tailor(root, ['data', 'show', 'curated']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`# Dataset ${result.version.id} · curated`);
    expect(show.stdout).toMatch(/`bergen`: city: /);
  });

  it('grades with the graders and minimum scores given', async () => {
    const root = dataWorkspace();
    const outputs = writeOutputs(root);
    const { stdout, code } = await tailor(root, [
      '--json',
      'data',
      'curate',
      '--outputs',
      outputs,
      '--grader',
      'readings',
      '--min',
      'readings=0.5',
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      version: { name: 'train-curated', recordCount: 3 },
      operation: { params: { graders: ['readings'], minimumScores: { readings: 0.5 } } },
    });
  });

  it('refuses a bad outputs file by file, line and field, and writes nothing', async () => {
    const root = dataWorkspace();
    const bad = join(root, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify({ id: 'oslo' })}\nnot json\n${JSON.stringify({ output: 'x' })}\n`);
    const result = await tailor(root, ['data', 'curate', '--outputs', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:1: field "output" must be a string`);
    expect(result.stderr).toContain(`${bad}:2: not JSON`);
    expect(result.stderr).toContain(`${bad}:3: field "id" must be a string or number`);
    expect(result.stderr).not.toContain('    at ');

    const missing = await tailor(root, ['data', 'curate', '--outputs', join(root, 'none.jsonl')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Cannot read outputs ${join(root, 'none.jsonl')}`);
    const badMin = await tailor(root, ['data', 'curate', '--outputs', writeOutputs(root), '--min', 'city']);
    expect(badMin.stderr).toContain('--min expects <grader>=<score>');
    expect(datasetFiles(root)).toEqual([]);
  });
});

describe('tailor data dedup and decontaminate', () => {
  it('chain versions: each one names its parent and carries its operations', async () => {
    const root = dataWorkspace();
    const dedup = await tailor(root, ['--json', 'data', 'dedup']);
    expect(dedup.code).toBe(0);
    const deduped = JSON.parse(dedup.stdout);
    expect(deduped.operation).toMatchObject({ op: 'dedup', kept: 4, dropped: 2 });

    const clean = await tailor(root, ['data', 'decontaminate', '--from', 'train-deduped']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('decontaminate: kept 3 of 4 record(s), dropped 1 (overlaps test 1)');
    const [, second] = JSON.parse((await tailor(root, ['--json', 'data', 'list'])).stdout);
    expect(second).toMatchObject({ parentId: deduped.version.id, name: 'train-deduped-decontaminated' });
    expect(second.operations.map((operation: { op: string }) => operation.op)).toEqual([
      'dedup',
      'decontaminate',
    ]);

    // Nothing left to drop: the same records are the same version.
    const rerun = await tailor(root, ['data', 'decontaminate', '--from', second.id]);
    expect(rerun.stdout).toContain(`Unchanged: these records are already ${second.id}`);
    expect(rerun.stdout).toContain('dropped 0');
  });

  it('says what it tried when --from names nothing', async () => {
    const root = dataWorkspace();
    const result = await tailor(root, ['data', 'dedup', '--from', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no dataset version, version name, split or file "nope"');
    expect(result.stderr).toContain("the task's splits are train, validation, test");
    const threshold = await tailor(root, ['data', 'dedup', '--threshold', '2']);
    expect(threshold.stderr).toContain('--threshold must be a number above 0 and at most 1');
  });
});

describe('tailor train --data', () => {
  it('fails clearly on an unknown dataset, before any model is loaded', async () => {
    const root = dataWorkspace();
    const result = await tailor(root, ['train', 'sft', '--data', 'ds-000000000000']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: no dataset version, version name, split or file "ds-000000000000"',
    );
    expect(result.stderr).toContain('hint: tailor data list shows the versions');
  });

  it('is a flag of the methods that train on a split, not of DPO', async () => {
    const root = dataWorkspace();
    for (const method of ['sft', 'grpo'])
      expect((await tailor(root, ['train', method, '--help'])).stdout).toContain('--data <dataset>');
    expect((await tailor(root, ['train', 'dpo', '--help'])).stdout).not.toContain('--data');
  });
});
