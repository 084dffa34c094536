/**
 * bench/serve: `tailor serve` under load (autocannon on loopback, the official wire format) against
 * calling node-llama-cpp directly in-process with the same concurrency, model, prompt and token cap,
 * in one run.
 *
 * Measured at concurrency 1 and 8: requests per second and latency p50/p99. Reported: Tailor's
 * overhead at concurrency 1 (p50 latency against the direct calls; target <= 5%) and its throughput
 * at concurrency 8 over concurrency 1 (target >= 3x), with the direct calls' own scaling beside it —
 * on two CPU cores batching gains little whoever does it (see bench/generate).
 *
 * Needs autocannon: `make bench` installs bench/serve/package.json.
 * Usage: node --import tsx bench/serve/run.ts [--requests 16] [--tokens 32]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LlamaChatSession, type LlamaContextSequence } from 'node-llama-cpp';
import { disposeLlamaRuntime, loadLlamaModel, serializeSampling } from '../../src/models/llama-cpp.js';
import { resolveModelFile } from '../../src/models/model-files.js';
import { createApiKey } from '../../src/serve/keys.js';
import { openWorkspace } from '../../src/store/workspace.js';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '16' }, tokens: { type: 'string', default: '32' } },
});
const requests = Number(values.requests);
const maxTokens = Number(values.tokens);
const levels = [1, 8];
const prompt = 'Write a long, detailed story about a lighthouse keeper and a storm.';

const autocannonPath = join(import.meta.dirname, 'node_modules/autocannon');
if (!existsSync(autocannonPath)) {
  console.error('autocannon is not installed: run `make bench` (or npm ci --prefix bench/serve)');
  process.exit(1);
}
const autocannon = createRequire(import.meta.url)(autocannonPath) as (
  options: Record<string, unknown>,
) => Promise<{
  latency: { p50: number; p99: number };
  duration: number;
  '2xx': number;
  non2xx: number;
  errors: number;
}>;

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

// ---- Tailor: a workspace, a key, `tailor serve` on a free port ----
const root = mkdtempSync(join(tmpdir(), 'tailor-bench-serve-'));
writeFileSync(
  join(root, 'tailor.yaml'),
  `version: 1\nllama:\n  parallel: ${Math.max(...levels)}\nserve:\n  capture: true\n`,
);
const workspace = openWorkspace(root);
const secret = createApiKey(workspace.store, { name: 'bench', scopes: ['inference'] }).secret;
workspace.close();
const child = spawn(
  process.execPath,
  [join(import.meta.dirname, '../../bin/tailor.js'), '-w', root, 'serve', '--port', '0'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise<string>((resolve, reject) => {
  child.stdout.on('data', (chunk: Buffer) => {
    const match = /listening on (\S+)/.exec(chunk.toString());
    if (match) resolve(match[1]!);
  });
  child.once('exit', (code) => reject(new Error(`tailor serve exited with ${code}`)));
});
const body = JSON.stringify({
  model: 'smollm2-135m-instruct',
  messages: [{ role: 'user', content: prompt }],
  max_tokens: maxTokens,
  temperature: 0,
});
const headers = { 'content-type': 'application/json', authorization: `Bearer ${secret}` };
// Warm up: the first request loads the model.
await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body });

async function loadTailor(connections: number): Promise<Measure> {
  const result = await autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers,
    body,
    connections,
    amount: requests,
    timeout: 300,
  });
  return {
    rps: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors,
  };
}

// ---- direct: node-llama-cpp in this process, one context with as many sequences as connections ----
const modelPath = await resolveModelFile('smollm2-135m-instruct');
const threads = availableParallelism();
async function loadDirect(connections: number): Promise<Measure> {
  const model = await loadLlamaModel(modelPath, { gpu: 'off', threads });
  const context = await model.createContext({
    sequences: connections,
    contextSize: 2048,
    threads,
    flashAttention: true,
  });
  serializeSampling(context); // without it node-llama-cpp 3.21.1 garbles parallel sequences
  const free: LlamaContextSequence[] = Array.from({ length: connections }, () => context.getSequence());
  const latencies: number[] = [];
  const call = async () => {
    const sequence = free.pop()!;
    const started = performance.now();
    const session = new LlamaChatSession({ contextSequence: sequence, autoDisposeSequence: false });
    await session.prompt(prompt, { maxTokens, temperature: 0 });
    session.dispose({ disposeSequence: false });
    await sequence.clearHistory();
    latencies.push(performance.now() - started);
    free.push(sequence);
  };
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next++ < requests) await call();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await context.dispose();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { rps: requests / seconds, p50: at(0.5), p99: at(0.99), failed: 0 };
}

const tailor = new Map<number, Measure>();
const direct = new Map<number, Measure>();
for (const connections of levels) tailor.set(connections, await loadTailor(connections));
child.kill('SIGTERM');
for (const connections of levels) direct.set(connections, await loadDirect(connections));
await disposeLlamaRuntime();

console.log(
  `\nbench/serve · SmolLM2-135M-Instruct Q4_1 · ${requests} requests per level · ${maxTokens} tokens each (greedy) · ${threads} threads\n`,
);
console.log(
  '| concurrency | Tailor req/s | Tailor p50 / p99 ms | direct req/s | direct p50 / p99 ms | failed |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const connections of levels) {
  const ours = tailor.get(connections)!;
  const theirs = direct.get(connections)!;
  console.log(
    `| ${connections} | ${ours.rps.toFixed(2)} | ${ours.p50.toFixed(0)} / ${ours.p99.toFixed(0)} | ${theirs.rps.toFixed(2)} | ${theirs.p50.toFixed(0)} / ${theirs.p99.toFixed(0)} | ${ours.failed} |`,
  );
}
const one = tailor.get(1)!;
const many = tailor.get(Math.max(...levels))!;
console.log(
  `\noverhead at concurrency 1 (p50 latency, Tailor over direct): ${((one.p50 / direct.get(1)!.p50 - 1) * 100).toFixed(1)}% (target <= 5%)`,
);
console.log(
  `throughput at concurrency ${Math.max(...levels)} over 1: Tailor ${(many.rps / one.rps).toFixed(2)}x, direct ${(direct.get(Math.max(...levels))!.rps / direct.get(1)!.rps).toFixed(2)}x (target >= 3x)`,
);
