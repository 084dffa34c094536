/**
 * bench/eval: graded examples per minute of `tailor eval` against promptfoo running the equivalent
 * config with the same local model, on the same machine, in one run.
 *
 * Both sides evaluate the first N validation notes of the reference task (examples/clinical-notes)
 * with SmolLM2-135M-Instruct Q4_1 through node-llama-cpp: greedy generation constrained by the
 * task's JSON schema, then three graders — JSON-schema validity, medication list F1 and an LLM rubric
 * judge (plan faithfulness, the same model as judge with a JSON-forcing grammar). promptfoo gets a
 * custom provider (bench/eval/peer/llama-provider.mjs), its `is-json`, `javascript` and
 * `llm-rubric` assertions, and the same concurrency. Two promptfoo providers are measured:
 *   - one sequence, calls queued: the straightforward provider;
 *   - N parallel sequences in one context, batched (with Tailor's sampling fix, without which
 *     node-llama-cpp 3.21.1 produces garbage in parallel).
 * Each command is timed end to end (process start, model load, generation, grading).
 * Scenario 2, the usual iteration: the rubric is edited and the eval run again; Tailor reuses its
 * cached generations, promptfoo reruns with its cache on.
 *
 * Needs promptfoo: `make bench` installs bench/eval/package.json. Target: >= 2x examples per minute.
 * Usage: node --import tsx bench/eval/run.ts [--examples 12] [--concurrency 4] [--max-tokens 400]
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { loadDataset, taskChecks } from '../../src/evals/dataset.js';
import { parseTask } from '../../src/evals/task.js';
import { resolveModelFile } from '../../src/models/model-files.js';

const { values } = parseArgs({
  options: {
    examples: { type: 'string', default: '12' },
    concurrency: { type: 'string', default: '4' },
    'max-tokens': { type: 'string', default: '400' },
  },
});
const examples = Number(values.examples);
const concurrency = Number(values.concurrency);
const maxTokens = Number(values['max-tokens']);

const repository = join(import.meta.dirname, '../..');
const example = join(repository, 'examples/clinical-notes');
const peer = join(import.meta.dirname, 'peer');
const promptfooBin = join(import.meta.dirname, 'node_modules/.bin/promptfoo');
if (!existsSync(promptfooBin)) {
  console.error('promptfoo is not installed: run `make bench` (or npm ci --prefix bench/eval)');
  process.exit(1);
}
const modelPath = await resolveModelFile('smollm2-135m-instruct');
const root = mkdtempSync(join(tmpdir(), 'tailor-bench-eval-'));

// ---- the shared inputs -------------------------------------------------------------------------
const config = parse(readFileSync(join(example, 'tailor.yaml'), 'utf8'));
const task = parseTask(config.task, join(example, 'tailor.yaml'));
const records = loadDataset(task.data.validation!, taskChecks(task)).slice(0, examples);
const rubricGrader = task.graders.find((grader) => grader.name === 'plan-faithfulness');
if (rubricGrader?.type !== 'llm-rubric')
  throw new Error('the reference task lost its plan-faithfulness judge');
const graderNames = 'schema,medications,plan-faithfulness';

// ---- Tailor: a workspace with the task and the N notes -------------------------------------------
const workspace = join(root, 'tailor');
mkdirSync(join(workspace, 'data'), { recursive: true });
for (const file of ['schema.json', 'input.schema.json']) cpSync(join(example, file), join(workspace, file));
writeFileSync(
  join(workspace, 'data/bench.jsonl'),
  `${records.map((record) => JSON.stringify({ id: record.id, input: record.input, reference: record.reference })).join('\n')}\n`,
);
const writeTailorConfig = (rubric: string) => {
  const copy = structuredClone(config);
  copy.llama = { parallel: concurrency };
  copy.task.data = { bench: './data/bench.jsonl' };
  copy.task.graders = copy.task.graders.map((grader: { name: string }) =>
    grader.name === 'plan-faithfulness' ? { ...grader, rubric, maxTokens: 256 } : grader,
  );
  writeFileSync(join(workspace, 'tailor.yaml'), stringify(copy));
};

function runTailor(): { seconds: number; summary: Record<string, unknown> } {
  const started = performance.now();
  const stdout = execFileSync(
    process.execPath,
    [
      join(repository, 'bin/tailor.js'),
      '-w',
      workspace,
      '--json',
      'eval',
      '--split',
      'bench',
      '--graders',
      graderNames,
      '--concurrency',
      String(concurrency),
      '--max-tokens',
      String(maxTokens),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
  );
  return { seconds: (performance.now() - started) / 1000, summary: JSON.parse(stdout) };
}

// ---- promptfoo: the equivalent config ------------------------------------------------------------
const provider = pathToFileURL(join(peer, 'llama-provider.mjs')).href;
const judgeSchema = {
  type: 'object',
  properties: { reason: { type: 'string' }, pass: { type: 'boolean' }, score: { type: 'number' } },
  required: ['reason', 'pass', 'score'],
};
const writePromptfooConfig = (directory: string, rubric: string) => {
  mkdirSync(directory, { recursive: true });
  const promptfooConfig = {
    description: 'bench/eval peer: clinical-notes',
    prompts: [`file://${join(peer, 'prompt.mjs')}`],
    providers: [{ id: provider, label: 'smollm2', config: { jsonSchema: task.output.schema, maxTokens } }],
    tests: records.map((record) => {
      const reference = record.reference as { plan: string };
      return {
        description: record.id,
        vars: {
          note: record.input.note,
          reference: JSON.stringify(record.reference),
          reference_plan: reference.plan,
        },
        assert: [
          { type: 'is-json', value: task.output.schema },
          { type: 'javascript', value: `file://${join(peer, 'medications-f1.mjs')}` },
          {
            type: 'llm-rubric',
            // The same judge inputs as Tailor's rubric grader: rubric, note, reference plan.
            value: `${rubric}\nVisit note:\n{{note}}\nReference plan:\n{{reference_plan}}`,
            provider: { id: provider, config: { jsonSchema: judgeSchema, maxTokens: 256 } },
          },
        ],
      };
    }),
  };
  writeFileSync(join(directory, 'promptfooconfig.json'), JSON.stringify(promptfooConfig, null, 2));
};

function runPromptfoo(directory: string, sequences: number, name: string) {
  const output = join(directory, `results-${name}.json`);
  const started = performance.now();
  try {
    execFileSync(
      promptfooBin,
      [
        'eval',
        '-c',
        join(directory, 'promptfooconfig.json'),
        '-j',
        String(concurrency),
        '--no-progress-bar',
        '--no-table',
        '--no-share',
        '-o',
        output,
      ],
      {
        cwd: directory,
        encoding: 'utf8',
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          BENCH_MODEL_PATH: modelPath,
          BENCH_SEQUENCES: String(sequences),
          BENCH_SAMPLING_FIX: pathToFileURL(join(repository, 'dist/models/providers/llama-sampling-fix.js'))
            .href,
          BENCH_TASK_PROMPT: JSON.stringify({ system: task.system, prompt: task.prompt }),
          PROMPTFOO_DISABLE_TELEMETRY: '1',
          PROMPTFOO_DISABLE_UPDATE: '1',
          PROMPTFOO_CONFIG_DIR: join(directory, '.promptfoo'),
          PROMPTFOO_CACHE_PATH: join(directory, '.cache'),
        },
        maxBuffer: 64 << 20,
      },
    );
  } catch (error) {
    // promptfoo exits 100 when assertions fail, which is expected of a 135M model.
    if ((error as { status?: number }).status !== 100) throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const results = JSON.parse(readFileSync(output, 'utf8')).results.results as {
    success: boolean;
    error?: string;
    response?: { output?: string };
    gradingResult?: { componentResults?: { score: number; assertion?: { type: string } }[] };
  }[];
  const schemaScores = results.map(
    (result) =>
      result.gradingResult?.componentResults?.find((component) => component.assertion?.type === 'is-json')
        ?.score ?? 0,
  );
  return {
    seconds,
    graded: results.length,
    errors: results.filter((result) => result.error && !result.gradingResult).length,
    schema: schemaScores.reduce((sum, score) => sum + score, 0) / Math.max(1, schemaScores.length),
  };
}

// ---- run -----------------------------------------------------------------------------------------
const rubric = rubricGrader.rubric.trim();
const editedRubric = `${rubric}\nJudge only the plan; ignore the other fields.`;
console.log(
  `bench/eval · ${records.length} clinical-notes validation examples · SmolLM2-135M-Instruct Q4_1 · concurrency ${concurrency} · ${maxTokens} tokens max · graders ${graderNames}`,
);
const perMinute = (count: number, seconds: number) => (count / seconds) * 60;
const rows: string[][] = [];

writeTailorConfig(rubric);
const tailorCold = runTailor();
const tailorSchema = (tailorCold.summary.graders as { name: string; score: { mean: number } }[]).find(
  (grader) => grader.name === 'schema',
)!.score.mean;
rows.push([
  'tailor eval',
  tailorCold.seconds.toFixed(1),
  perMinute(records.length, tailorCold.seconds).toFixed(2),
  tailorSchema.toFixed(3),
]);

const peers = [
  { name: 'promptfoo, 1 sequence', sequences: 1, directory: join(root, 'promptfoo-1') },
  {
    name: `promptfoo, ${concurrency} sequences`,
    sequences: concurrency,
    directory: join(root, `promptfoo-${concurrency}`),
  },
];
const peerCold = peers.map((entry) => {
  writePromptfooConfig(entry.directory, rubric);
  const result = runPromptfoo(entry.directory, entry.sequences, 'cold');
  rows.push([
    entry.name,
    result.seconds.toFixed(1),
    perMinute(result.graded, result.seconds).toFixed(2),
    result.schema.toFixed(3),
  ]);
  return result;
});

console.log('\n1. cold run: generate and grade every example');
printTable(['', 'seconds', 'examples/min', 'schema'], rows);
for (const [index, entry] of peers.entries())
  console.log(
    `   ratio tailor / ${entry.name}: ${(peerCold[index]!.seconds / tailorCold.seconds).toFixed(2)}x`,
  );

writeTailorConfig(editedRubric);
const tailorEdit = runTailor();
const editRows: string[][] = [
  ['tailor eval', tailorEdit.seconds.toFixed(1), perMinute(records.length, tailorEdit.seconds).toFixed(2)],
];
const peerEdit = peers.map((entry) => {
  writePromptfooConfig(entry.directory, editedRubric);
  const result = runPromptfoo(entry.directory, entry.sequences, 'edit');
  editRows.push([entry.name, result.seconds.toFixed(1), perMinute(result.graded, result.seconds).toFixed(2)]);
  return result;
});
console.log('\n2. rubric edited, eval run again (generations reusable; promptfoo with its cache on)');
printTable(['', 'seconds', 'examples/min'], editRows);
for (const [index, entry] of peers.entries())
  console.log(
    `   ratio tailor / ${entry.name}: ${(peerEdit[index]!.seconds / tailorEdit.seconds).toFixed(2)}x`,
  );
console.log(`\nworking files: ${root}`);

function printTable(header: string[], body: string[][]) {
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((row) => row[column]!.length)));
  for (const row of [header, ...body])
    console.log(
      `   ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('   ')}`,
    );
}
