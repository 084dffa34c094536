import type { LlamaModel, Token } from 'node-llama-cpp';
import { TrainingError } from '../core/errors.js';
import { loadLlamaModel, resolveThreads } from '../models/llama-cpp.js';
import type { TrainingWorker } from './worker-client.js';
import type { TokenSequence } from './worker-protocol.js';

/**
 * The consistency check run after every training run: llama.cpp (serving the exported GGUF adapter)
 * and the worker (holding the trained weights) must give the same log-probabilities to the same
 * tokens. A wrong chat template, a wrong tensor layout in the export (q/k rope order) or a wrong
 * alpha shows up here as differences of nats, long before anyone reads a bad eval.
 *
 * The quantised base itself differs between the two (llama.cpp multiplies with quantised
 * activations; the worker with dequantised float32 weights), so the check first measures that floor
 * on the base model, then requires the adapted model to stay near it, or, where training moved the
 * model far, the adapter's change per token to agree between the two.
 */
export interface ConsistencyReport {
  positions: number;
  base: { maxDifference: number; meanDifference: number };
  adapted: { maxDifference: number; meanDifference: number };
  /**
   * What the adapter changes, token by token (adapted minus base log p): its mean size as the worker
   * sees it, and how far llama.cpp's change is from the worker's. The quantisation error common to
   * base and adapted model cancels here, so this stays small for a correct export even where the
   * trained model has moved far enough that the plain difference grows.
   */
  effect: { meanSize: number; meanError: number };
  /** The tolerance the adapted mean difference was held to. */
  tolerance: number;
  passed: boolean;
}

export interface ConsistencyOptions {
  basePath: string;
  adapterPath: string;
  sequences: TokenSequence[];
  worker: TrainingWorker;
  threads?: number;
}

export async function checkConsistency(options: ConsistencyOptions): Promise<ConsistencyReport> {
  const { sequences, worker } = options;
  const model = await loadLlamaModel(options.basePath, { gpu: 'off', threads: options.threads ?? 0 });
  const llamaBase = await scoreWithLlama(model, sequences, undefined, options.threads);
  const llamaAdapted = await scoreWithLlama(model, sequences, options.adapterPath, options.threads);
  const workerBase = (await worker.logprobs({ sequences, adapter: false })).logprobs;
  const workerAdapted = (await worker.logprobs({ sequences })).logprobs;

  const base = differences(sequences, llamaBase, workerBase);
  const adapted = differences(sequences, llamaAdapted, workerAdapted);
  const effect = effectAgreement(sequences, { llamaBase, llamaAdapted, workerBase, workerAdapted });

  // Two ways to pass, both measured on SmolLM2 Q4_1 (2026-12-02, the SFT and GRPO model tests, and
  // the same adapters exported without the q/k rope reordering, a known-wrong export):
  // - near the floor: adapted difference ≤ 1.25 × base + 0.005. SFT: floor 0.061, correct 0.041,
  //   wrong 0.096 (tolerance 0.082).
  // - the adapter's effect agrees: where training moved the model far (GRPO at a high learning rate:
  //   mean effect 2.8 nat per token), quantisation error grows on the tokens it pushed down and the
  //   plain difference outgrows the floor (correct 0.155 against a floor of 0.114). Then llama.cpp's
  //   per-token change must match the worker's within 12% of its size, and the plain difference stay
  //   under twice the floor. GRPO: correct 7% (0.20 of 2.76), wrong 17% and 0.33 > 2 × 0.114; SFT
  //   wrong 17% too.
  // On an F32 base the floor is ~1e-5 and both tolerances shrink with it.
  const tolerance = 1.25 * base.meanDifference + 0.005;
  const nearFloor = adapted.meanDifference <= tolerance;
  const effectAgrees =
    effect.meanError <= 0.12 * effect.meanSize && adapted.meanDifference <= 2 * base.meanDifference + 0.005;
  return {
    positions: base.count,
    base: { maxDifference: base.max, meanDifference: base.meanDifference },
    adapted: { maxDifference: adapted.max, meanDifference: adapted.meanDifference },
    effect,
    tolerance,
    passed: nearFloor || effectAgrees,
  };
}

/** Throw when the check failed, with the numbers. */
export function assertConsistent(report: ConsistencyReport): void {
  if (report.passed) return;
  throw new TrainingError(
    'consistency-check-failed',
    `llama.cpp and the training worker disagree on the adapted model: mean |Δ log p| ${report.adapted.meanDifference.toFixed(4)} nat over ${report.positions} tokens (tolerance ${report.tolerance.toFixed(4)}; the base model alone differs by ${report.base.meanDifference.toFixed(4)}), and the adapter's per-token effect differs by ${report.effect.meanError.toFixed(4)} of its ${report.effect.meanSize.toFixed(4)} nat (allowed: 12%)`,
    {
      hint: 'The exported adapter does not reproduce the trained one: check the chat template and the LoRA export.',
    },
  );
}

/** Log-probability llama.cpp gives each weighted token, in the worker's layout. */
async function scoreWithLlama(
  model: LlamaModel,
  sequences: TokenSequence[],
  adapterPath: string | undefined,
  threads: number | undefined,
): Promise<number[][]> {
  const longest = Math.max(...sequences.map((sequence) => sequence.tokens.length));
  const context = await model.createContext({
    contextSize: Math.max(256, Math.ceil((longest + 16) / 256) * 256),
    sequences: 1,
    threads: resolveThreads(threads ?? 0),
    experimentalKvCacheKeyType: 'F32',
    experimentalKvCacheValueType: 'F32',
    ...(adapterPath ? { lora: { adapters: [{ filePath: adapterPath, scale: 1 }] } } : {}),
  });
  try {
    const scored: number[][] = [];
    const contextSequence = context.getSequence();
    for (const sequence of sequences) {
      await contextSequence.clearHistory();
      {
        const input = sequence.tokens
          .slice(0, -1)
          .map((token, index) =>
            (sequence.weights[index + 1] ?? 0) > 0
              ? ([token as Token, { generateNext: { probabilities: true } }] as const)
              : (token as Token),
          );
        const results = await contextSequence.controlledEvaluate(input as never);
        scored.push(
          sequence.tokens.map((token, index) => {
            if (index === 0 || (sequence.weights[index] ?? 0) <= 0) return 0;
            const probability = results[index - 1]?.next.probabilities?.get(token as Token) ?? 0;
            return Math.log(Math.max(probability, 1e-30));
          }),
        );
      }
    }
    return scored;
  } finally {
    await context.dispose();
  }
}

/** Each weighted (scored) token position of the sequences: the first token has no prediction. */
function* scoredPositions(sequences: TokenSequence[]): Generator<[row: number, index: number]> {
  for (const [row, sequence] of sequences.entries())
    for (const [index, weight] of sequence.weights.entries()) if (index > 0 && weight > 0) yield [row, index];
}

function differences(sequences: TokenSequence[], left: number[][], right: number[][]) {
  let count = 0;
  let sum = 0;
  let max = 0;
  for (const [row, index] of scoredPositions(sequences)) {
    const difference = Math.abs((left[row]?.[index] ?? 0) - (right[row]?.[index] ?? 0));
    count += 1;
    sum += difference;
    max = Math.max(max, difference);
  }
  return { count, max, meanDifference: count > 0 ? sum / count : 0 };
}

/** The adapter's change in log p per weighted token, as each side sees it, compared. */
function effectAgreement(
  sequences: TokenSequence[],
  scores: {
    llamaBase: number[][];
    llamaAdapted: number[][];
    workerBase: number[][];
    workerAdapted: number[][];
  },
): { meanSize: number; meanError: number } {
  let count = 0;
  let size = 0;
  let error = 0;
  for (const [row, index] of scoredPositions(sequences)) {
    const at = (table: number[][]) => table[row]?.[index] ?? 0;
    const workerChange = at(scores.workerAdapted) - at(scores.workerBase);
    const llamaChange = at(scores.llamaAdapted) - at(scores.llamaBase);
    count += 1;
    size += Math.abs(workerChange);
    error += Math.abs(llamaChange - workerChange);
  }
  return count > 0 ? { meanSize: size / count, meanError: error / count } : { meanSize: 0, meanError: 0 };
}
