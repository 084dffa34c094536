import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One mistake a user makes, as the corpus runs it (`corpus.test.ts`): `setup` spoils a fresh
 * workspace (the tiny weather task of src/test-support/data-workspace.ts), `args` is the command, and
 * the run must exit with `code` and say every one of `says`, with nothing written.
 */
export interface BadInputCase {
  name: string;
  kind:
    | 'config'
    | 'dataset'
    | 'flag'
    | 'labels'
    | 'model-file'
    | 'output-path'
    | 'workspace'
    | 'http'
    | 'schema';
  setup?: (root: string) => void;
  args: (root: string) => string[];
  code: number;
  says: (string | ((root: string) => string))[];
}

const write = (root: string, name: string, content: string | Buffer) => {
  mkdirSync(join(root, name, '..'), { recursive: true });
  writeFileSync(join(root, name), content);
};
/** tailor.yaml with `from` replaced by `to` (the case fails loudly if `from` is not there). */
const editConfig = (root: string, from: string | RegExp, to: string) => {
  const text = readFileSync(join(root, 'tailor.yaml'), 'utf8');
  const edited = text.replace(from, to);
  if (edited === text) throw new Error(`the corpus case's edit did not apply: ${from}`);
  writeFileSync(join(root, 'tailor.yaml'), edited);
};
const appendConfig = (root: string, text: string) =>
  writeFileSync(join(root, 'tailor.yaml'), `${readFileSync(join(root, 'tailor.yaml'), 'utf8')}${text}`);

const record = (
  id: unknown,
  input: unknown = { report: 'Oslo calm' },
  reference: unknown = { city: 'Oslo' },
) => JSON.stringify({ id, input, reference });
const good = record('a');

/** A dataset file `bad.jsonl` with these lines, run through `tailor data dedup --from bad.jsonl`. */
const datasetCase = (name: string, lines: (string | Buffer)[], says: BadInputCase['says']): BadInputCase => ({
  name: `dataset: ${name}`,
  kind: 'dataset',
  setup: (root) =>
    write(
      root,
      'bad.jsonl',
      Buffer.concat(lines.map((line) => Buffer.concat([Buffer.from(line), Buffer.from('\n')]))),
    ),
  args: (root) => ['data', 'dedup', '--from', join(root, 'bad.jsonl')],
  code: 1,
  says,
});

/** tailor.yaml edited, then a command that reads it. */
const configCase = (
  name: string,
  spoil: (root: string) => void,
  says: BadInputCase['says'],
  args: (root: string) => string[] = () => ['runs', 'list'],
): BadInputCase => ({ name: `config: ${name}`, kind: 'config', setup: spoil, args, code: 1, says });

/** A labels file `labels.jsonl` with these lines, imported. */
const labelsCase = (name: string, lines: string[], says: BadInputCase['says']): BadInputCase => ({
  name: `labels: ${name}`,
  kind: 'labels',
  setup: (root) => write(root, 'labels.jsonl', `${lines.join('\n')}\n`),
  args: (root) => ['labels', 'import', join(root, 'labels.jsonl')],
  code: 1,
  says,
});
const label = (fields: Record<string, unknown>) =>
  JSON.stringify({ example_id: 'oslo', output: '{"city":"Oslo"}', annotator: 'ann', pass: true, ...fields });

/** A flag out of range or of the wrong kind, refused before anything runs. */
const flagCase = (
  args: string[] | ((root: string) => string[]),
  says: BadInputCase['says'],
  code = 1,
): BadInputCase => ({
  name: `flag: tailor ${(typeof args === 'function' ? args('<workspace>') : args).join(' ')}`,
  kind: 'flag',
  args: typeof args === 'function' ? args : () => args,
  code,
  says,
});

/** A model file that is not one, given to `tailor chat`. */
const modelCase = (name: string, make: (path: string) => void, says: BadInputCase['says']): BadInputCase => ({
  name: `model file: ${name}`,
  kind: 'model-file',
  setup: (root) => make(modelPath(root)),
  args: (root) => ['chat', modelPath(root), '-p', 'hi'],
  code: 1,
  says,
});
const modelPath = (root: string) => join(root, 'model.gguf');

/** `outputs.jsonl`: an output for every train record, for commands that grade outputs. */
const writeOutputs = (root: string) =>
  write(
    root,
    'outputs.jsonl',
    ['oslo', 'copy', 'oslo-again', 'bergen', 'leak', 'tromso']
      .map((id) => JSON.stringify({ id, output: '{"city": "Oslo", "temperature": 4, "wind": "calm"}' }))
      .join('\n'),
  );
const withOutputs = (entry: BadInputCase): BadInputCase => ({
  ...entry,
  setup: (root) => {
    writeOutputs(root);
    entry.setup?.(root);
  },
});

export const cliCases: BadInputCase[] = [
  // tailor.yaml
  configCase('YAML that does not parse', (root) => editConfig(root, 'version: 1', 'version: [1'), [
    'tailor.yaml:',
    'invalid YAML',
  ]),
  configCase('an unknown top-level key', (root) => appendConfig(root, 'colour: blue\n'), [
    'unknown key(s) "colour"',
  ]),
  configCase(
    'an unknown key inside the task, with its line',
    (root) => editConfig(root, '  name: weather', '  name: weather\n  nmae: typo'),
    ['tailor.yaml:4', 'unknown key(s) "nmae"'],
  ),
  configCase('a version this Tailor does not know', (root) => editConfig(root, 'version: 1', 'version: 7'), [
    'version',
  ]),
  configCase('a port out of range', (root) => appendConfig(root, 'serve:\n  port: 70000\n'), ['serve.port']),
  configCase(
    'a negative learning rate',
    (root) => appendConfig(root, 'train:\n  sft:\n    learningRate: -1\n'),
    ['train.sft.learningRate'],
  ),
  configCase('negative llama threads', (root) => appendConfig(root, 'llama:\n  threads: -2\n'), [
    'llama.threads',
  ]),
  configCase(
    'an alias bomb',
    (root) => {
      let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x]\n';
      for (let level = 1; level < 9; level++)
        text += `a${level}: &a${level} [${Array.from({ length: 9 }, () => `*a${level - 1}`).join(', ')}]\n`;
      writeFileSync(join(root, 'tailor.yaml'), `${text}version: 1\n`);
    },
    ['tailor.yaml', 'alias'],
  ),
  configCase(
    'a grader of an unknown type',
    (root) =>
      editConfig(
        root,
        'type: field-match\n      fields:\n        city',
        'type: field-matcher\n      fields:\n        city',
      ),
    ['tailor.yaml:', 'task.graders'],
  ),
  configCase(
    'a regex grader whose pattern does not compile',
    (root) => {
      appendConfig(root, '    - name: shape\n      type: regex\n      pattern: "([a-z"\n');
      writeOutputs(root);
    },
    ['shape', 'regex'],
    (root) => ['eval', '--split', 'train', '--outputs', join(root, 'outputs.jsonl')],
  ),
  configCase('a task without a prompt', (root) => editConfig(root, / {2}prompt: .*\n/, ''), ['task.prompt']),
  configCase(
    'a data split that does not exist',
    (root) => editConfig(root, './train.jsonl', './trian.jsonl'),
    ['trian.jsonl'],
    () => ['data', 'dedup'],
  ),
  configCase('a tolerance below zero', (root) => editConfig(root, 'tolerance: 0.5', 'tolerance: -0.5'), [
    'tolerance',
  ]),
  configCase('a duplicated key', (root) => appendConfig(root, 'version: 1\n'), [
    'tailor.yaml:',
    'keys must be unique',
  ]),
  configCase('a tab-indented line', (root) => appendConfig(root, 'serve:\n\tport: 9000\n'), ['tailor.yaml:']),
  configCase(
    'a number where the task belongs',
    (root) => writeFileSync(join(root, 'tailor.yaml'), 'version: 1\ntask: 5\n'),
    ['tailor.yaml:2', 'task'],
  ),
  configCase('a list at the top', (root) => writeFileSync(join(root, 'tailor.yaml'), '- version: 1\n'), [
    'tailor.yaml',
  ]),
  configCase(
    'a price that is a word',
    (root) => appendConfig(root, 'prices:\n  "openai:x": { inputPerMillion: cheap, outputPerMillion: 1 }\n'),
    ['prices'],
  ),
  configCase(
    'an upstream without a base URL',
    (root) => appendConfig(root, 'serve:\n  upstreams:\n    - name: gpt\n'),
    ['serve.upstreams'],
  ),
  configCase('a body limit of zero', (root) => appendConfig(root, 'serve:\n  maxBodyBytes: 0\n'), [
    'serve.maxBodyBytes',
  ]),

  // Datasets
  datasetCase('a line that is not JSON', [good, '{"id": "b", "input": '], ['bad.jsonl:2', 'JSON']),
  datasetCase('an id that is an object', [good, record({ nested: true })], ['bad.jsonl:2', 'field "id"']),
  datasetCase('an id that is an array', [good, record(['a'])], ['bad.jsonl:2', 'field "id"']),
  datasetCase('an id that is true', [good, record(true)], ['bad.jsonl:2', 'field "id"']),
  datasetCase(
    'a record without an input',
    [good, JSON.stringify({ id: 'b', reference: { city: 'x' } })],
    ['bad.jsonl:2', 'input'],
  ),
  datasetCase('a line that is an array', [good, '[1, 2]'], ['bad.jsonl:2']),
  datasetCase('two records with one id', [good, record('a')], ['bad.jsonl:2', '"a"']),
  datasetCase(
    'bytes that are not UTF-8',
    [
      good,
      Buffer.concat([
        Buffer.from('{"id": "b", "input": {"report": "Osl'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}}'),
      ]),
    ],
    ['bad.jsonl:2', 'UTF-8'],
  ),
  datasetCase(
    'an input the prompt cannot fill',
    [good, record('b', { text: 'no report key' })],
    ['bad.jsonl:2', 'report'],
  ),
  datasetCase('a record that is a string', [good, '"just text"'], ['bad.jsonl:2']),
  datasetCase(
    'a chat record whose roles are wrong',
    [good, JSON.stringify({ id: 'c', messages: [{ role: 'wizard', content: 'x' }] })],
    ['bad.jsonl:2'],
  ),
  {
    name: 'dataset: an empty file',
    kind: 'dataset',
    setup: (root) => write(root, 'empty.jsonl', ''),
    args: (root) => ['data', 'dedup', '--from', join(root, 'empty.jsonl')],
    code: 1,
    says: ['empty.jsonl', 'no records'],
  },
  {
    name: 'dataset: a file that does not exist',
    kind: 'dataset',
    args: (root) => ['data', 'dedup', '--from', join(root, 'missing.jsonl')],
    code: 1,
    says: ['missing.jsonl'],
  },
  {
    name: 'dataset: outputs whose line is not JSON',
    kind: 'dataset',
    setup: (root) => write(root, 'outputs.jsonl', '{"id": "oslo", "output": "x"}\nnot json\n'),
    args: (root) => ['eval', '--split', 'train', '--outputs', join(root, 'outputs.jsonl')],
    code: 1,
    says: ['outputs.jsonl:2'],
  },
  {
    name: 'dataset: outputs without an output field',
    kind: 'dataset',
    setup: (root) => write(root, 'outputs.jsonl', '{"id": "oslo"}\n'),
    args: (root) => ['eval', '--split', 'train', '--outputs', join(root, 'outputs.jsonl')],
    code: 1,
    says: ['outputs.jsonl:1', 'output'],
  },
  {
    name: 'dataset: curate outputs that are not JSON',
    kind: 'dataset',
    setup: (root) => write(root, 'outputs.jsonl', '{"id": "oslo", "output": "x"}\n{oops}\n'),
    args: (root) => ['data', 'curate', '--outputs', join(root, 'outputs.jsonl')],
    code: 1,
    says: ['outputs.jsonl:2'],
  },

  // Labels
  labelsCase('a line that is not JSON', [label({}), '{"example_id": '], ['labels.jsonl:2']),
  labelsCase('pass that is a word', [label({ pass: 'maybe' })], ['labels.jsonl:1', 'pass']),
  {
    name: 'labels: bytes that are not UTF-8',
    kind: 'labels',
    setup: (root) =>
      write(
        root,
        'labels.jsonl',
        Buffer.concat([
          Buffer.from(`${label({})}\n${label({}).replace('ann', 'an')}`),
          Buffer.from([0xc3, 0x28, 0x0a]),
        ]),
      ),
    args: (root) => ['labels', 'import', join(root, 'labels.jsonl')],
    code: 1,
    says: ['labels.jsonl:2', 'not UTF-8'],
  },
  labelsCase('a score out of 1-5', [label({ pass: undefined, score: 9 })], ['labels.jsonl:1', 'score']),
  labelsCase('no annotator', [label({ annotator: undefined })], ['labels.jsonl:1', 'annotator']),
  labelsCase('no verdict at all', [label({ pass: undefined })], ['labels.jsonl:1']),
  labelsCase('an output that is a number', [label({ output: 5 })], ['labels.jsonl:1', 'output']),
  {
    name: 'labels: a file that does not exist',
    kind: 'labels',
    args: (root) => ['labels', 'import', join(root, 'nope.jsonl')],
    code: 1,
    says: ['nope.jsonl'],
  },

  // Model files
  modelCase('a folder', (path) => mkdirSync(path, { recursive: true }), ['is a folder']),
  modelCase('random bytes', (path) => writeFileSync(path, Buffer.alloc(4096, 7)), ['model.gguf']),
  modelCase('an empty file', (path) => writeFileSync(path, ''), ['model.gguf']),
  modelCase(
    'a GGUF header cut short',
    (path) => writeFileSync(path, Buffer.from('GGUF\u0003\u0000\u0000\u0000')),
    ['model.gguf'],
  ),
  {
    name: 'model file: a path that does not exist',
    kind: 'model-file',
    args: (root) => ['chat', join(root, 'none.gguf'), '-p', 'hi'],
    code: 1,
    says: ['not found'],
  },
  {
    name: 'model file: a catalog name that does not exist',
    kind: 'model-file',
    args: () => ['chat', 'llama:no-such-model-7b', '-p', 'hi'],
    code: 1,
    says: ['no-such-model-7b'],
  },

  // Flags
  flagCase(
    (root) => ['eval', '--split', 'train', '--outputs', join(root, 'train.jsonl'), '--limit', 'abc'],
    ['--limit'],
  ),
  flagCase(
    (root) => ['eval', '--split', 'train', '--outputs', join(root, 'train.jsonl'), '--limit', '-1'],
    ['--limit'],
  ),
  flagCase(
    (root) => ['eval', '--split', 'train', '--outputs', join(root, 'train.jsonl'), '--max-tokens', '0'],
    ['--max-tokens'],
  ),
  flagCase(
    (root) => ['eval', '--split', 'train', '--outputs', join(root, 'train.jsonl'), '--concurrency', 'abc'],
    ['--concurrency'],
  ),
  flagCase((root) => ['eval', '--split', 'nosuch', '--outputs', join(root, 'train.jsonl')], ['nosuch']),
  flagCase(['serve', '--port', 'abc'], ['--port']),
  flagCase(['serve', '--port', '99999'], ['--port']),
  flagCase(['train', 'sft', '--lr', '-1'], ['--lr']),
  flagCase(['train', 'sft', '--rank', '0'], ['--rank']),
  flagCase(['train', 'sft', '--epochs', 'abc'], ['--epochs']),
  flagCase(['train', 'sft', '--batch-size', '0'], ['--batch-size']),
  flagCase(['train', 'grpo', '--from', 'nobody'], ['overlap the test data', 'train.jsonl:5']),
  flagCase(['train', 'grpo', '--group-size', '1'], ['--group-size']),
  flagCase(['train', 'grpo', '--temperature', '-2'], ['--temperature']),
  withOutputs(
    flagCase(
      (root) => ['data', 'curate', '--outputs', join(root, 'outputs.jsonl'), '--min', 'city'],
      ['--min'],
    ),
  ),
  withOutputs(
    flagCase(
      (root) => ['data', 'curate', '--outputs', join(root, 'outputs.jsonl'), '--min', 'city=2'],
      ['--min'],
    ),
  ),
  withOutputs(
    flagCase(
      (root) => ['data', 'curate', '--outputs', join(root, 'outputs.jsonl'), '--grader', 'nobody'],
      ['nobody'],
    ),
  ),
  flagCase(['compare', 'run-a', 'run-b', '--judge', 'x', '--limit', 'some'], ['--limit']),
  flagCase(['data', 'dedup', '--threshold', '2'], ['--threshold']),
  flagCase(['data', 'dedup', '--threshold', 'high'], ['--threshold']),
  flagCase(['train', 'pairs', '--out', 'p.jsonl', '--temperature', 'hot'], ['--temperature']),
  flagCase(['align', 'report', 'nobody'], ['nobody']),
  flagCase(['align', 'train', 'nobody'], ['No expert labels']),
  flagCase(['eval', '--split', 'train', '--fail-under', '2'], ['--fail-under']),
  flagCase(['data', 'import', '--from-traffic', '--out', 'x.jsonl', '--feedback', 'maybe'], ['--feedback']),
  flagCase(['data', 'import', '--from-traffic', '--out', 'x.jsonl', '--since', 'yesterday'], ['--since']),
  flagCase(['data', 'show', 'ds-000000000000'], ['ds-000000000000']),
  flagCase(['runs', 'export', 'nosuch', '--out', 'x.jsonl'], ['nosuch']),
  flagCase(['compare', 'run-a', 'run-b'], ['run-a']),
  flagCase(['models', 'promote', 'nobody', 'v1', '--reason', 'ship it'], ['nobody']),
  flagCase(['models', 'rollback', 'nobody', '--reason', 'regression'], ['nobody']),
  flagCase(['models', 'promote', 'nobody', 'v1'], ['--reason'], 2),
  flagCase(['keys', 'revoke', 'nobody'], ['nobody']),
  flagCase(['labels', 'list', '--limit', 'many'], ['--limit']),
  flagCase(
    (root) => [
      'eval',
      '--classes',
      'city',
      '--split',
      'train',
      '--outputs',
      join(root, 'train.jsonl'),
      '--limit',
      '0',
    ],
    ['--limit'],
  ),
  flagCase(['no-such-command'], ['unknown command'], 2),
  flagCase(['eval', '--no-such-flag'], ['unknown option'], 2),

  // Output paths
  {
    name: 'output path: data import into a folder',
    kind: 'output-path',
    setup: (root) => mkdirSync(join(root, 'folder')),
    args: (root) => ['data', 'import', '--from-traffic', '--out', join(root, 'folder')],
    code: 1,
    says: ['is a folder'],
  },
  {
    name: 'output path: data import below a file',
    kind: 'output-path',
    setup: (root) => write(root, 'afile', 'x'),
    args: (root) => ['data', 'import', '--from-traffic', '--out', join(root, 'afile', 'x.jsonl')],
    code: 1,
    says: ['not a folder'],
  },
  {
    name: 'output path: an eval report into a folder',
    kind: 'output-path',
    setup: (root) => {
      mkdirSync(join(root, 'report'));
      writeOutputs(root);
    },
    args: (root) => [
      'eval',
      '--split',
      'train',
      '--outputs',
      join(root, 'outputs.jsonl'),
      '--report',
      join(root, 'report'),
    ],
    code: 1,
    says: ['report'],
  },
  {
    name: 'output path: init onto a file',
    kind: 'output-path',
    setup: (root) => write(root, 'afile', 'x'),
    args: (root) => ['init', join(root, 'afile')],
    code: 1,
    says: ['is a file, not a folder'],
  },

  // The workspace itself
  {
    name: 'workspace: a database that is not one',
    kind: 'workspace',
    setup: (root) => write(root, '.tailor/tailor.db', Buffer.alloc(8192, 3)),
    args: () => ['runs', 'list'],
    code: 1,
    says: ['not a readable Tailor database'],
  },
  {
    name: 'workspace: a folder without tailor.yaml',
    kind: 'workspace',
    setup: (root) => mkdirSync(join(root, 'empty')),
    args: (root) => ['--workspace', join(root, 'empty'), 'runs', 'list'],
    code: 1,
    says: ['No tailor.yaml'],
  },
];
