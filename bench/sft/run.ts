/**
 * bench/sft: LoRA SFT throughput and peak memory of Tailor (TypeScript loop + worker) against TRL's
 * SFTTrainer on the same machine, in one run: the same float32 weights (the dequantised SmolLM2 GGUF),
 * the very same token sequences (Tailor's tokenisation of the reference task, completion-only loss),
 * the same LoRA settings (rank, alpha, all projections), batch (micro-batches x accumulation),
 * constant learning rate, maximum length and thread count. Reported: tokens per second of the
 * training steps (model loading excluded) and the peak resident memory of the training process,
 * each Tailor setting against TRL with the same activation-checkpointing setting.
 * Target: >= 1.2x TRL's tokens/s at no more memory.
 *
 * Needs TRL in the worker's venv: `make bench` installs bench/sft/requirements.txt.
 * Usage: node --import tsx bench/sft/run.ts [--steps 4] [--batch-size 8] [--micro-batch-size 4]
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { readJsonl } from '../../src/common/jsonl.js';
import { sftConfigSchema } from '../../src/core/train-config.js';
import { disposeLlamaRuntime, loadLlamaModel, resolveThreads } from '../../src/models/llama-cpp.js';
import { resolveModelFile } from '../../src/models/model-files.js';
import { loadDataset, promptMessages, referenceText, taskChecks } from '../../src/task/dataset.js';
import { parseTask } from '../../src/task/task.js';
import { createChatTokenizer } from '../../src/train/chat-tokens.js';
import { runSft } from '../../src/train/methods/sft.js';
import { dequantisedSmolLM2, runPythonPeer, startBenchWorker } from '../worker-weights.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '4' },
    'batch-size': { type: 'string', default: '8' },
    'micro-batch-size': { type: 'string', default: '4' },
    rank: { type: 'string', default: '16' },
  },
});
const steps = Number(values.steps);
const batchSize = Number(values['batch-size']);
const microBatchSize = Number(values['micro-batch-size']);
const rank = Number(values.rank);
const alpha = 2 * rank;
const learningRate = 2e-4;
const maxLength = 1024;
const threads = resolveThreads(0);
const workDirectory = mkdtempSync(join(tmpdir(), 'tailor-bench-sft-'));

// ---- the data: the reference task's first training examples, tokenised once by Tailor ----
const example = join(import.meta.dirname, '..', '..', 'examples', 'clinical-notes');
const config = parse(readFileSync(join(example, 'tailor.yaml'), 'utf8')) as { task: unknown };
const task = parseTask(config.task, join(example, 'tailor.yaml'));
const basePath = await resolveModelFile('smollm2-135m-instruct', { pull: true });
const tokenizer = createChatTokenizer(await loadLlamaModel(basePath, { gpu: 'off', threads }));
const examples = loadDataset(task.data.train!, taskChecks(task))
  .slice(0, steps * batchSize)
  .map((record) => tokenizer.tokenize(record.id, promptMessages(task, record), referenceText(record)));
const totalTokens = examples.reduce((sum, item) => sum + item.tokens.length, 0);
await disposeLlamaRuntime();

// ---- Tailor, without and with activation checkpointing ----
interface TailorResult {
  rate: number;
  peak: number;
  firstLoss: number;
  lastLoss: number;
}
async function runTailor(checkpointing: boolean): Promise<TailorResult> {
  const worker = await startBenchWorker({
    gguf: basePath,
    rank,
    alpha,
    threads,
    activationCheckpointing: checkpointing,
  });
  const sftConfig = sftConfigSchema.parse({
    lora: { rank, alpha },
    maxSteps: steps,
    batchSize,
    microBatchSize,
    learningRate,
    schedule: 'constant',
    warmupSteps: 0,
    maxLength,
    evalEvery: 1_000_000,
    checkpointEvery: 1_000_000,
    activationCheckpointing: checkpointing,
  });
  const runDirectory = join(workDirectory, `tailor-${checkpointing}`);
  await runSft({ config: sftConfig, runDirectory, train: examples, validation: [], worker });
  const trained = readJsonl<{ type: string; tokens: number; tokensPerSecond: number; loss: number }>(
    join(runDirectory, 'metrics.jsonl'),
  ).filter((line) => line.type === 'train');
  const seconds = trained.reduce((sum, line) => sum + line.tokens / line.tokensPerSecond, 0);
  const peak = peakResidentMb(worker.pid!);
  await worker.close();
  return { rate: totalTokens / seconds, peak, firstLoss: trained[0]!.loss, lastLoss: trained.at(-1)!.loss };
}
const tailorPlain = await runTailor(false);
const tailorCheckpointed = await runTailor(true);

// ---- TRL, on the same float32 weights (the worker's dequantised cache of the same GGUF) ----
const cached = dequantisedSmolLM2();
const data = join(workDirectory, 'trl-data.jsonl');
writeFileSync(
  data,
  examples
    .map((item) =>
      JSON.stringify({
        input_ids: item.tokens,
        completion_mask: item.weights.map((weight, index) => (index > 0 && weight > 0 ? 1 : 0)),
      }),
    )
    .join('\n'),
);
interface PeerResult {
  tokens: number;
  seconds: number;
  peak_rss_mb: number;
  losses: number[];
}
const runTrl = (checkpointing: boolean): PeerResult =>
  runPythonPeer<PeerResult>(
    join(import.meta.dirname, 'trl_peer.py'),
    [
      ...['--model', cached, '--gguf', basePath, '--data', data, '--steps', String(steps)],
      ...['--batch-size', String(batchSize), '--micro-batch-size', String(microBatchSize)],
      ...['--rank', String(rank), '--alpha', String(alpha), '--lr', String(learningRate)],
      ...['--threads', String(threads), '--max-length', String(maxLength)],
      ...['--gradient-checkpointing', String(checkpointing)],
    ],
    join(workDirectory, `trl-${checkpointing}.json`),
  );
// TRL's default (activation checkpointing on: less memory, more compute) and the same without it.
const peers = [
  { name: 'TRL SFTTrainer, default (checkpointing)', result: runTrl(true) },
  { name: 'TRL SFTTrainer, no checkpointing', result: runTrl(false) },
];

console.log(
  `\nbench/sft · SmolLM2-135M-Instruct (float32 from the Q4_1 GGUF) · ${steps} steps x ${batchSize} examples (${microBatchSize} per micro-batch) · LoRA r${rank}/a${alpha} on 7 projections · ${threads} threads · ${totalTokens} tokens\n`,
);
console.log(
  '| comparison | Tailor tokens/s | peer tokens/s | speed ratio | Tailor peak memory | peer peak memory | memory ratio | first / last loss (Tailor; peer) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
// Like for like: each Tailor setting against TRL with the same activation-checkpointing setting.
const comparisons = [
  {
    name: 'checkpointing on (TRL default) vs Tailor --activation-checkpointing',
    tailor: tailorCheckpointed,
    peer: peers[0]!,
  },
  { name: 'checkpointing off, both', tailor: tailorPlain, peer: peers[1]! },
];
for (const { name, tailor, peer } of comparisons) {
  const rate = peer.result.tokens / peer.result.seconds;
  console.log(
    `| ${name} | ${tailor.rate.toFixed(1)} | ${rate.toFixed(1)} | ${(tailor.rate / rate).toFixed(2)}x | ${tailor.peak.toFixed(0)} MB | ${peer.result.peak_rss_mb.toFixed(0)} MB | ${(tailor.peak / peer.result.peak_rss_mb).toFixed(2)}x | ${tailor.firstLoss.toFixed(3)} / ${tailor.lastLoss.toFixed(3)}; ${peer.result.losses[0]?.toFixed(3)} / ${peer.result.losses.at(-1)?.toFixed(3)} |`,
  );
}

/** Peak resident set size of a live process, from /proc (Linux). */
function peakResidentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
