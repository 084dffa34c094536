/**
 * bench/generate: generation speed of Tailor's `llama` provider against raw node-llama-cpp on the same
 * machine, model and prompts, in one run.
 *
 *  1. Overhead: tokens/s of `createModel('llama:…').generate()` (chat rendering, call pipeline,
 *     stop handling, accounting) vs a bare `sequence.evaluate()` loop over the same prompt tokens,
 *     both greedy, one sequence, same threads and context settings. Rounds alternate which goes
 *     first. Target: overhead ≤ 5% (ratio ≥ 0.95).
 *  2. Parallel throughput: N calls at once (decoded together in one batched context) vs the same N
 *     calls one after another, seeded so both produce identical tokens. Target: ≥ 3×.
 *
 * Usage: node --import tsx bench/generate/run.ts [--rounds 3] [--parallel 16] [--tokens 96]
 */
import { parseArgs } from 'node:util';
import type { ChatMessage } from '../../src/core/chat-model.js';
import { defaultConfig } from '../../src/core/config.js';
import { createModel } from '../../src/models/create-model.js';
import {
  chatFormatFor,
  disposeLlamaRuntime,
  loadLlamaModel,
  renderChatPrompt,
  resolveThreads,
} from '../../src/models/llama-cpp.js';
import { resolveModelFile } from '../../src/models/model-files.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    parallel: { type: 'string', default: '16' },
    tokens: { type: 'string', default: '96' },
    prompts: { type: 'string', default: '6' },
  },
});
const rounds = Number(values.rounds);
const parallel = Number(values.parallel);
const maxTokens = Number(values.tokens);

const topics = [
  'the ocean',
  'a city at night',
  'a chess game',
  'bread baking',
  'a mountain hike',
  'a robot',
  'a library',
  'the first snow',
  'a train journey',
  'a garden',
  'a lighthouse',
  'a market',
  'a violin',
  'a desert',
  'a storm',
  'a bicycle',
];
const ask = (index: number): ChatMessage[] => [
  { role: 'user', content: `Write a detailed story about ${topics[index % topics.length]}.` },
];

const modelPath = await resolveModelFile('smollm2-135m-instruct');
const threads = resolveThreads(0);
console.log(
  `model: SmolLM2-135M-Instruct Q4_1 · threads ${threads} · ${maxTokens} tokens per call · ${rounds} rounds`,
);

// ---- 1. overhead against a bare evaluate loop ----------------------------------------------------
const single = defaultConfig();
single.llama.parallel = 1;
single.cache.enabled = false;
const tailorModel = await createModel('llama:smollm2-135m-instruct', { config: single });
const rawModel = await loadLlamaModel(modelPath, { gpu: single.llama.gpu, threads: single.llama.threads });
const rawContext = await rawModel.createContext({
  sequences: 1,
  contextSize: single.llama.contextSize,
  threads,
  flashAttention: true,
});
const rawSequence = rawContext.getSequence();
const format = chatFormatFor(rawModel);
const promptCount = Number(values.prompts);

async function runRaw(): Promise<{ tokens: number; ms: number; texts: string[] }> {
  let tokens = 0;
  const texts: string[] = [];
  const started = performance.now();
  for (let index = 0; index < promptCount; index++) {
    const prompt = renderChatPrompt(rawModel, format, ask(index)).tokens;
    await rawSequence.clearHistory();
    const out = [];
    for await (const token of rawSequence.evaluate(prompt, { temperature: 0, topK: 0, topP: 1 })) {
      out.push(token);
      if (out.length >= maxTokens) break;
    }
    tokens += out.length;
    texts.push(rawModel.detokenize(out));
  }
  return { tokens, ms: performance.now() - started, texts };
}

async function runTailor(): Promise<{ tokens: number; ms: number; texts: string[] }> {
  let tokens = 0;
  const texts: string[] = [];
  const started = performance.now();
  for (let index = 0; index < promptCount; index++) {
    const result = await tailorModel.generate(ask(index), { temperature: 0, maxTokens });
    tokens += result.usage.outputTokens;
    texts.push(result.text);
  }
  return { tokens, ms: performance.now() - started, texts };
}

await runRaw(); // warm-up: page in weights, allocate buffers
await runTailor();
const totals = { raw: { tokens: 0, ms: 0 }, tailor: { tokens: 0, ms: 0 } };
let identical = true;
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? (['raw', 'tailor'] as const) : (['tailor', 'raw'] as const);
  const outputs: Record<string, string[]> = {};
  for (const which of order) {
    const run = which === 'raw' ? await runRaw() : await runTailor();
    totals[which].tokens += run.tokens;
    totals[which].ms += run.ms;
    outputs[which] = run.texts;
  }
  identical &&= JSON.stringify(outputs.raw) === JSON.stringify(outputs.tailor);
}
const rawRate = (totals.raw.tokens / totals.raw.ms) * 1000;
const tailorRate = (totals.tailor.tokens / totals.tailor.ms) * 1000;
console.log('\n1. provider overhead (one sequence, greedy)');
console.log(
  `   raw node-llama-cpp evaluate loop  ${rawRate.toFixed(1)} tokens/s  (${totals.raw.tokens} tokens)`,
);
console.log(
  `   tailor llama provider             ${tailorRate.toFixed(1)} tokens/s  (${totals.tailor.tokens} tokens)`,
);
console.log(`   identical outputs: ${identical ? 'yes' : 'NO'}`);
console.log(
  `   ratio tailor/raw = ${(tailorRate / rawRate).toFixed(3)}  (overhead ${((1 - tailorRate / rawRate) * 100).toFixed(1)}%, target ≤ 5%)`,
);
await tailorModel.close();
await rawContext.dispose();

// ---- 2. parallel sequences against sequential calls ----------------------------------------------
const batched = defaultConfig();
batched.llama.parallel = parallel;
batched.cache.enabled = false;
const parallelModel = await createModel('llama:smollm2-135m-instruct', { config: batched });
const calls = Array.from({ length: parallel }, (_, index) => ({
  messages: ask(index),
  options: { temperature: 0.8, seed: 1000 + index, maxTokens },
}));
await parallelModel.generate(calls[0]!.messages, calls[0]!.options); // warm-up
let sequentialMs = 0;
let parallelMs = 0;
let sequentialTokens = 0;
let parallelTokens = 0;
let same = true;
for (let round = 0; round < rounds; round++) {
  let started = performance.now();
  const one: string[] = [];
  for (const call of calls) {
    const result = await parallelModel.generate(call.messages, call.options);
    sequentialTokens += result.usage.outputTokens;
    one.push(result.text);
  }
  sequentialMs += performance.now() - started;
  started = performance.now();
  const together = await Promise.all(
    calls.map((call) => parallelModel.generate(call.messages, call.options)),
  );
  parallelMs += performance.now() - started;
  parallelTokens += together.reduce((sum, result) => sum + result.usage.outputTokens, 0);
  same &&= JSON.stringify(together.map((result) => result.text)) === JSON.stringify(one);
}
console.log(`\n2. ${parallel} parallel sequences vs ${parallel} sequential calls (same seeds)`);
console.log(`   sequential  ${((sequentialTokens / sequentialMs) * 1000).toFixed(1)} tokens/s`);
console.log(`   parallel    ${((parallelTokens / parallelMs) * 1000).toFixed(1)} tokens/s`);
console.log(`   identical outputs: ${same ? 'yes' : 'NO'}`);
console.log(
  `   ratio parallel/sequential throughput = ${(sequentialMs / parallelMs).toFixed(2)}×  (target ≥ 3×)`,
);
await parallelModel.close();
await disposeLlamaRuntime();
