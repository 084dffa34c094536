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
 * Tailor runs at the same concurrency and at concurrency 1 (on two cores batching may not pay), each
 * in a fresh workspace; the ratio compares the best setting of each tool. Each command is timed end
 * to end (process start, model load, generation, grading); tokens generated (outputs plus judge
 * replies, cache hits excluded) are shown because the two tools' outputs differ in length (they
 * render the chat template differently), so tokens/s is the like-for-like speed.
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
import { resolveModelFile } from '../../src/models/model-files.js';
import { openWorkspace } from '../../src/store/workspace.js';
import { loadDataset, taskChecks } from '../../src/task/dataset.js';
import { parseTask } from '../../src/task/task.js';

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

// ---- Tailor: a workspace per setting, with the task and the N notes -------------------------------
interface Run {
  seconds: number;
  graded: number;
  /** Tokens generated: outputs under test plus judge replies. */
  tokens: number;
  schema: number;
}

function tailorWorkspace(name: string, parallel: number) {
  const directory = join(root, name);
  mkdirSync(join(directory, 'data'), { recursive: true });
  for (const file of ['schema.json', 'input.schema.json']) cpSync(join(example, file), join(directory, file));
  writeFileSync(
    join(directory, 'data/bench.jsonl'),
    `${records.map((record) => JSON.stringify({ id: record.id, input: record.input, reference: record.reference })).join('\n')}\n`,
  );
  const configure = (rubric: string) => {
    const copy = structuredClone(config);
    copy.llama = { parallel };
    copy.task.data = { bench: './data/bench.jsonl' };
    copy.task.graders = copy.task.graders.map((grader: { name: string }) =>
      grader.name === 'plan-faithfulness' ? { ...grader, rubric, maxTokens: 256 } : grader,
    );
    writeFileSync(join(directory, 'tailor.yaml'), stringify(copy));
  };
  let generatedBefore = 0;
  const run = (): Run => {
    const started = performance.now();
    const stdout = execFileSync(
      process.execPath,
      [
        join(repository, 'bin/tailor.js'),
        '-w',
        directory,
        '--json',
        'eval',
        '--split',
        'bench',
        '--graders',
        graderNames,
        '--concurrency',
        String(parallel),
        '--max-tokens',
        String(maxTokens),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 },
    );
    const seconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(stdout) as {
      examples: number;
      resumed: number;
      tokensPerRequest: { output: number };
      graders: { name: string; score: { mean: number } }[];
    };
    // Tokens actually generated: the workspace's call log, cache hits excluded, minus earlier runs.
    const workspace = openWorkspace(directory);
    const total = workspace.store.modelCalls.decodedOutputTokens();
    workspace.close();
    const tokens = total - generatedBefore;
    generatedBefore = total;
    return {
      seconds,
      graded: summary.examples,
      tokens,
      schema: summary.graders.find((grader) => grader.name === 'schema')!.score.mean,
    };
  };
  return { configure, run };
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

function runPromptfoo(directory: string, sequences: number, name: string): Run {
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
          BENCH_SAMPLING_FIX: pathToFileURL(join(repository, 'dist/models/llama-cpp.js')).href,
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
    response?: { output?: string; cached?: boolean; tokenUsage?: { completion?: number } };
    gradingResult?: {
      componentResults?: {
        score: number;
        assertion?: { type: string };
        tokensUsed?: { completion?: number };
      }[];
    };
  }[];
  const schemaScores = results.map(
    (result) =>
      result.gradingResult?.componentResults?.find((component) => component.assertion?.type === 'is-json')
        ?.score ?? 0,
  );
  // Tokens generated: the provider reports completion tokens; cached responses generated nothing.
  const tokens = results.reduce(
    (sum, result) =>
      sum +
      (result.response?.cached ? 0 : (result.response?.tokenUsage?.completion ?? 0)) +
      (result.gradingResult?.componentResults ?? []).reduce(
        (judged, component) => judged + (component.tokensUsed?.completion ?? 0),
        0,
      ),
    0,
  );
  return {
    seconds,
    graded: results.length,
    tokens,
    schema: schemaScores.reduce((sum, score) => sum + score, 0) / Math.max(1, schemaScores.length),
  };
}

// ---- run -----------------------------------------------------------------------------------------
const rubric = rubricGrader.rubric.trim();
const editedRubric = `${rubric}\nJudge only the plan; ignore the other fields.`;
console.log(
  `bench/eval · ${records.length} clinical-notes validation examples · SmolLM2-135M-Instruct Q4_1 · concurrency ${concurrency} · ${maxTokens} tokens max · graders ${graderNames}`,
);
const perMinute = (run: Run) => (run.graded / run.seconds) * 60;
const row = (name: string, run: Run) => [
  name,
  run.seconds.toFixed(1),
  perMinute(run).toFixed(2),
  String(run.tokens),
  (run.tokens / run.seconds).toFixed(1),
  run.schema.toFixed(3),
];
const header = ['', 'seconds', 'examples/min', 'tokens generated', 'tokens/s', 'schema'];

const tailors = [
  {
    name: `tailor eval, concurrency ${concurrency}`,
    ...tailorWorkspace(`tailor-${concurrency}`, concurrency),
  },
  { name: 'tailor eval, concurrency 1', ...tailorWorkspace('tailor-1', 1) },
];
const peers = [
  { name: 'promptfoo, 1 sequence', sequences: 1, directory: join(root, 'promptfoo-1') },
  {
    name: `promptfoo, ${concurrency} sequences`,
    sequences: concurrency,
    directory: join(root, `promptfoo-${concurrency}`),
  },
];
const scenario = (title: string, rubricText: string, label: string) => {
  const ours = tailors.map((entry) => {
    entry.configure(rubricText);
    return { name: entry.name, run: entry.run() };
  });
  const theirs = peers.map((entry) => {
    writePromptfooConfig(entry.directory, rubricText);
    return { name: entry.name, run: runPromptfoo(entry.directory, entry.sequences, label) };
  });
  console.log(`\n${title}`);
  printTable(
    header,
    [...ours, ...theirs].map((entry) => row(entry.name, entry.run)),
  );
  const best = (entries: { name: string; run: Run }[]) =>
    entries.reduce((fastest, entry) => (perMinute(entry.run) > perMinute(fastest.run) ? entry : fastest));
  const [tailor, promptfoo] = [best(ours), best(theirs)];
  console.log(
    `   ratio, best tailor (${tailor.name}) / best promptfoo (${promptfoo.name}): ${(perMinute(tailor.run) / perMinute(promptfoo.run)).toFixed(2)}x examples per minute`,
  );
};

scenario('1. cold run: generate and grade every example', rubric, 'cold');
scenario(
  '2. rubric edited, eval run again (generations reusable; promptfoo with its cache on)',
  editedRubric,
  'edit',
);
console.log(`\nworking files: ${root}`);

function printTable(header: string[], body: string[][]) {
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((row) => row[column]!.length)));
  for (const row of [header, ...body])
    console.log(
      `   ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('   ')}`,
    );
}
