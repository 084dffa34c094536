/**
 * bench/grpo: wall-clock per GRPO step of Tailor (llama.cpp samples, the worker learns) against TRL's
 * GRPOTrainer (transformers generates and learns) on the same machine, in one run: the same model
 * (SmolLM2-135M-Instruct; TRL on the float32 weights dequantised from the Q4_1 GGUF that llama.cpp
 * samples from), the same prompts in the same chat template, group size, prompts per step, completion
 * length, temperature, LoRA settings, learning rate, thread count and reward function (a JSON object
 * with two given keys; `src/test-support/json-keys-reward.mjs` and its Python twin in trl_peer.py).
 * Reported per completion length: seconds per step (Tailor split into sampling, scoring and learning),
 * the mean completion length each side sampled, and the ratio. Target: Tailor <= 0.5x TRL's time per
 * step. The ratio depends on the length: TRL's generation costs a Python step per token, so the longer
 * the completions, the larger Tailor's lead; 64 tokens is a short job, the reference task's summaries
 * are ~160 tokens.
 *
 * Needs TRL in the worker's venv: `make bench` installs bench/sft/requirements.txt.
 * Usage: node --import tsx bench/grpo/run.ts [--steps 4] [--prompts-per-step 2] [--group-size 4] [--max-tokens 64,128]
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { readJsonl } from '../../src/common/jsonl.js';
import { grpoConfigSchema } from '../../src/core/train-config.js';
import {
  createLlamaModel,
  disposeLlamaRuntime,
  loadLlamaModel,
  releaseLoraAdapter,
  resolveThreads,
} from '../../src/models/llama-cpp.js';
import { resolveModelFile } from '../../src/models/model-files.js';
import { loadDataset, promptMessages } from '../../src/task/dataset.js';
import { createGrader } from '../../src/task/graders/index.js';
import { parseTask } from '../../src/task/task.js';
import { createChatTokenizer } from '../../src/train/chat-tokens.js';
import { runGrpo } from '../../src/train/methods/grpo.js';
import { dequantisedSmolLM2, runPythonPeer, startBenchWorker } from '../worker-weights.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '4' },
    'prompts-per-step': { type: 'string', default: '2' },
    'group-size': { type: 'string', default: '4' },
    'max-tokens': { type: 'string', default: '64,128' },
  },
});
const steps = Number(values.steps);
const promptsPerStep = Number(values['prompts-per-step']);
const groupSize = Number(values['group-size']);
const lengths = values['max-tokens'].split(',').map(Number);
const rank = 16;
const alpha = 32;
const learningRate = 1e-5;
const threads = resolveThreads(0);
const workDirectory = mkdtempSync(join(tmpdir(), 'tailor-bench-grpo-'));

// ---- the task: describe a thing as a JSON object with two keys ----
const things = ['an apple', 'a dog', 'Paris', 'a violin', 'the moon', 'a bicycle', 'a tulip', 'a laptop'];
const reward = join(import.meta.dirname, '..', '..', 'src', 'test-support', 'json-keys-reward.mjs');
copyFileSync(reward, join(workDirectory, 'reward.mjs'));
writeFileSync(
  join(workDirectory, 'train.jsonl'),
  `${things.map((thing, index) => JSON.stringify({ id: `t${index}`, input: { thing }, reference: null })).join('\n')}\n`,
);
const task = parseTask(
  {
    name: 'describe',
    prompt: 'Describe {{thing}} in a JSON object with the keys "name" and "category".',
    output: { format: 'text' },
    data: { train: './train.jsonl' },
    graders: [{ name: 'json-keys', type: 'function', module: './reward.mjs' }],
  },
  join(workDirectory, 'tailor.yaml'),
);
writeFileSync(join(workDirectory, 'tailor.yaml'), stringify({ version: 1, task: { name: 'describe' } }));
const records = loadDataset(task.data.train!);
const basePath = await resolveModelFile('smollm2-135m-instruct', { pull: true });
const graders = await Promise.all(
  task.graders.map(async (config) => ({
    config,
    grader: await createGrader(config, task, () => Promise.reject(new Error('no judge'))),
  })),
);

const tokenizer = createChatTokenizer(await loadLlamaModel(basePath, { gpu: 'off', threads }));
const cached = dequantisedSmolLM2();
const prompts = join(workDirectory, 'trl-prompts.jsonl');
writeFileSync(
  prompts,
  records.map((record) => JSON.stringify({ prompt: promptMessages(task, record) })).join('\n'),
);

interface TailorStep {
  type: string;
  tokens: number;
  tokensPerSecond: number;
  sampleSeconds: number;
  scoreSeconds: number;
  learnSeconds: number;
  rewardMean: number;
  sampledTokens: number;
}
interface PeerResult {
  step_seconds: number[];
  rewards: number[];
  completion_mean_tokens: number[];
  peak_rss_mb: number;
}

// ---- Tailor: llama.cpp samples with the current adapter, the worker learns ----
async function runTailor(maxTokens: number): Promise<TailorStep[]> {
  const worker = await startBenchWorker({ gguf: basePath, rank, alpha, threads });
  const runDirectory = join(workDirectory, `tailor-${maxTokens}`);
  await runGrpo({
    config: grpoConfigSchema.parse({
      lora: { rank, alpha },
      steps,
      promptsPerStep,
      groupSize,
      maxTokens,
      temperature: 1,
      topK: 0,
      learningRate,
      evalEvery: 1_000_000,
      checkpointEvery: 1_000_000,
    }),
    runDirectory,
    task,
    prompts: records,
    validation: [],
    graders,
    worker,
    tokenizer,
    samplerFor: (adapterFile) =>
      createLlamaModel({
        id: `llama:bench+lora:${adapterFile}`,
        modelPath: basePath,
        adapters: [{ path: adapterFile, scale: 1 }],
        contextSize: 512,
        parallel: promptsPerStep * groupSize,
        defaultMaxTokens: maxTokens,
        gpu: 'off',
        threads,
      }),
    releaseAdapter: (adapterFile) => releaseLoraAdapter(basePath, adapterFile),
  });
  await worker.close();
  return readJsonl<TailorStep>(join(runDirectory, 'metrics.jsonl')).filter((line) => line.type === 'train');
}

// ---- TRL, on the worker's float32 weights of the same GGUF ----
function runTrl(maxTokens: number): PeerResult {
  return runPythonPeer<PeerResult>(
    join(import.meta.dirname, 'trl_peer.py'),
    [
      ...['--model', cached, '--gguf', basePath, '--prompts', prompts, '--steps', String(steps)],
      ...['--prompts-per-step', String(promptsPerStep), '--group-size', String(groupSize)],
      ...['--max-tokens', String(maxTokens), '--rank', String(rank), '--alpha', String(alpha)],
      ...['--lr', String(learningRate), '--threads', String(threads)],
    ],
    join(workDirectory, `trl-${maxTokens}.json`),
  );
}

const rows: string[] = [];
const details: string[] = [];
for (const maxTokens of lengths) {
  const tailorSteps = await runTailor(maxTokens);
  const peer = runTrl(maxTokens);
  const tailorSeconds = tailorSteps.map((step) => step.tokens / step.tokensPerSecond);
  const part = (key: 'sampleSeconds' | 'scoreSeconds' | 'learnSeconds') =>
    mean(tailorSteps.map((step) => step[key]));
  const tailorPerStep = mean(tailorSeconds);
  const peerPerStep = mean(peer.step_seconds);
  const samples = promptsPerStep * groupSize;
  const tailorLength = mean(tailorSteps.map((step) => step.sampledTokens / samples));
  rows.push(
    `| ${maxTokens} | ${tailorPerStep.toFixed(1)} (${part('sampleSeconds').toFixed(1)} / ${part('scoreSeconds').toFixed(2)} / ${part('learnSeconds').toFixed(1)}) | ${peerPerStep.toFixed(1)} | ${tailorLength.toFixed(0)} / ${mean(peer.completion_mean_tokens).toFixed(0)} | ${mean(tailorSteps.map((step) => step.rewardMean)).toFixed(3)} / ${mean(peer.rewards).toFixed(3)} | **${(tailorPerStep / peerPerStep).toFixed(2)}x** |`,
  );
  details.push(
    `${maxTokens} tokens: Tailor steps ${tailorSeconds.map((value) => value.toFixed(1)).join(', ')} s; TRL steps ${peer.step_seconds.map((value) => value.toFixed(1)).join(', ')} s`,
  );
}
await disposeLlamaRuntime();

console.log(
  `\nbench/grpo · SmolLM2-135M-Instruct · ${steps} steps x ${promptsPerStep} prompts x ${groupSize} samples · LoRA r${rank}/a${alpha} · ${threads} threads\n`,
);
console.log(
  '| max tokens | Tailor s/step (sample / score / learn) | TRL GRPOTrainer s/step | mean completion tokens (Tailor / TRL) | mean reward (Tailor / TRL) | Tailor / TRL (target <= 0.5x) |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
console.log(`\n${details.join('\n')}`);

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}
