import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { openWorkspace, type Workspace } from '../store/workspace.js';
import { loadDataset } from '../task/dataset.js';
import { loadTask } from '../task/task.js';
import { dataWorkspace } from '../test-support/data-workspace.js';
import { curateDataset, decontaminateDataset, dedupDataset, EmptyDatasetError } from './dataset-steps.js';
import {
  datasetVersionId,
  listDatasetVersions,
  readDataCard,
  resolveDataset,
  saveDatasetVersion,
  taskWithTrainingData,
} from './dataset-version.js';

let open: Workspace[] = [];
afterEach(() => {
  for (const workspace of open) workspace.close();
  open = [];
});

function setUp() {
  const workspace = openWorkspace(dataWorkspace());
  open.push(workspace);
  return { workspace, task: loadTask(workspace) };
}

const record = (id: string, text: string) => ({
  id,
  input: { report: text },
  reference: { city: text },
  output: undefined,
});
const operation = { op: 'import', params: {}, input: 2, kept: 2, dropped: 0, reasons: {} };

describe('saveDatasetVersion', () => {
  it('names a version by its content, writes records and card, and saves the same content once', () => {
    const { workspace } = setUp();
    const records = [record('a', 'one'), record('b', 'two')];
    const first = saveDatasetVersion(workspace.store, workspace.paths, {
      records,
      name: 'tiny',
      source: 'a test',
      operation,
    });
    expect(first.created).toBe(true);
    expect(first.version.id).toBe(datasetVersionId(readFileSync(first.version.path, 'utf8')));
    expect(first.version.id).toMatch(/^ds-[0-9a-f]{12}$/);
    expect(first.version.path).toBe(join(workspace.paths.datasetsDirectory, `${first.version.id}.jsonl`));
    expect(loadDataset(first.version.path)).toEqual(records);
    expect(existsSync(first.version.htmlPath)).toBe(true);

    const again = saveDatasetVersion(workspace.store, workspace.paths, {
      records,
      name: 'other name',
      source: 'again',
      operation,
    });
    expect(again).toEqual({ version: first.version, created: false });
    expect(listDatasetVersions(workspace.store, workspace.paths)).toHaveLength(1);
  });

  it('writes chat records back as chat records', () => {
    const { workspace } = setUp();
    const messages = [{ role: 'user' as const, content: 'hi there' }];
    const chat = { id: 'c', input: { messages }, messages, reference: 'hello', output: undefined };
    const { version } = saveDatasetVersion(workspace.store, workspace.paths, {
      records: [chat],
      name: 'chat',
      source: 'a test',
      operation: { ...operation, input: 1, kept: 1 },
    });
    expect(loadDataset(version.path)).toEqual([chat]);
  });
});

describe('resolveDataset', () => {
  it('finds a version by id or by its one name, a split, a file; refuses the rest clearly', () => {
    const { workspace, task } = setUp();
    const save = (records: ReturnType<typeof record>[], name: string) =>
      saveDatasetVersion(workspace.store, workspace.paths, { records, name, source: 'a test', operation })
        .version;
    const one = save([record('a', 'one')], 'one');
    expect(resolveDataset(workspace, one.id)).toMatchObject({ path: one.path, version: { id: one.id } });
    expect(resolveDataset(workspace, 'one').path).toBe(one.path);
    expect(resolveDataset(workspace, 'train', task)).toMatchObject({ path: task.data.train, split: 'train' });
    const file = resolveDataset(workspace, task.data.train!);
    expect(file).toEqual({ path: task.data.train, name: 'train', description: `file ${task.data.train}` });

    save([record('b', 'two')], 'twice');
    save([record('c', 'three')], 'twice');
    expect(() => resolveDataset(workspace, 'twice')).toThrow(/2 dataset versions are named "twice"/);
    expect(() => resolveDataset(workspace, 'ds-000000000000', task)).toThrow(ConfigError);
    expect(() => resolveDataset(workspace, 'ds-000000000000', task)).toThrow(
      /no dataset version, version name, split or file "ds-000000000000"/,
    );
  });
});

describe('data steps', () => {
  it('dedup drops the exact and the near duplicate, and the card says why', () => {
    const { workspace, task } = setUp();
    const input = resolveDataset(workspace, 'train', task);
    const { version } = dedupDataset({ workspace, task, input });
    expect(loadDataset(version.path).map((entry) => entry.id)).toEqual(['oslo', 'bergen', 'leak', 'tromso']);
    expect(version).toMatchObject({ name: 'train-deduped', parentId: null, source: 'split train' });
    expect(version.operations).toEqual([
      {
        op: 'dedup',
        params: { threshold: 0.8 },
        input: 6,
        kept: 4,
        dropped: 2,
        reasons: { 'exact duplicate': 1, 'near duplicate': 1 },
      },
    ]);
    const card = readDataCard(version);
    expect(card).toContain('- records: 4');
    expect(card).toContain('exact duplicate: 1; near duplicate: 1');
    expect(card).toContain('- `copy`: exact duplicate of "oslo"');
    expect(card).toMatch(/- `oslo-again`: near duplicate of "oslo" \(similarity 0\.9\d\)/);
    expect(card).toMatch(/\| input \| \d+ \| \d+ \| \d+ \|/);
  });

  it('decontaminate after dedup: the parent is the input version, operations add up', () => {
    const { workspace, task } = setUp();
    const deduped = dedupDataset({
      workspace,
      task,
      input: resolveDataset(workspace, 'train', task),
    }).version;
    const { version, report } = decontaminateDataset({
      workspace,
      task,
      input: resolveDataset(workspace, deduped.id, task),
    });
    expect(report.contaminated.map((entry) => entry.record.id)).toEqual(['leak']);
    expect(version).toMatchObject({ parentId: deduped.id, name: 'train-deduped-decontaminated' });
    expect(version.operations.map((entry) => entry.op)).toEqual(['dedup', 'decontaminate']);
    expect(version.operations[1]).toMatchObject({
      input: 4,
      kept: 3,
      dropped: 1,
      reasons: { 'overlaps test': 1 },
    });
    expect(readDataCard(version)).toMatch(/`leak`: .*overlaps .*test\.jsonl:1 \(test "t1"\): 100%/);
  });

  it('curate keeps what every grader passes, the output as reference; nothing kept writes nothing', async () => {
    const { workspace, task } = setUp();
    const input = resolveDataset(workspace, 'train', task);
    const outputs = new Map([
      ['oslo', '{"city":"Oslo","temperature":4.2,"wind":"calm"}'],
      ['bergen', '{"city":"Oslo","temperature":9,"wind":"breeze"}'],
      ['tromso', '{"city":"Tromsø","temperature":-3,"wind":"gale"}'],
    ]);
    const graders = await task.createGraders();
    const { version, curation } = await curateDataset({
      workspace,
      task,
      input,
      outputs,
      outputsPath: '/outputs.jsonl',
      graders,
      name: 'curated',
    });
    expect(curation.counts.kept).toBe(1);
    expect(loadDataset(version.path)).toEqual([
      {
        id: 'oslo',
        input: expect.any(Object),
        reference: { city: 'Oslo', temperature: 4.2, wind: 'calm' },
        output: undefined,
      },
    ]);
    expect(version.operations[0]).toMatchObject({
      op: 'curate',
      input: 6,
      kept: 1,
      dropped: 5,
      reasons: { city: 1, readings: 1, 'no output': 3 },
    });
    expect(version.source).toBe('outputs /outputs.jsonl graded against split train');
    expect(readDataCard(version)).toMatch(/`bergen`: city: /);

    await expect(
      curateDataset({ workspace, task, input, outputs: new Map(), outputsPath: '/none.jsonl', graders }),
    ).rejects.toThrow(EmptyDatasetError);
    expect(listDatasetVersions(workspace.store, workspace.paths)).toHaveLength(1);
  });
});

describe('a dataset file given by path', () => {
  it('has no parent, and its name is the file name', () => {
    const { workspace, task } = setUp();
    const file = join(workspace.paths.root, 'extra.jsonl');
    writeFileSync(file, readFileSync(task.data.train!, 'utf8'));
    const { version } = dedupDataset({ workspace, task, input: resolveDataset(workspace, file, task) });
    expect(version).toMatchObject({ name: 'extra-deduped', parentId: null, source: `file ${file}` });
  });
});

describe('taskWithTrainingData', () => {
  it("puts a version's records where the train split was; a split stays itself", () => {
    const { workspace, task } = setUp();
    const { version } = dedupDataset({ workspace, task, input: resolveDataset(workspace, 'train', task) });
    const byId = taskWithTrainingData(workspace, task, version.id);
    expect(byId.trainSplit).toBe(`data:${version.id}`);
    expect(byId.task.split(byId.trainSplit)).toBe(version.path);
    expect(byId.task.data.validation).toBe(task.data.validation);
    expect(taskWithTrainingData(workspace, task, 'train-deduped').task.split(byId.trainSplit)).toBe(
      version.path,
    );
    expect(taskWithTrainingData(workspace, task, 'test')).toMatchObject({ task, trainSplit: 'test' });
    expect(() => taskWithTrainingData(workspace, task, 'ds-unknown')).toThrow(
      /no dataset version.*"ds-unknown"/,
    );
  });
});
