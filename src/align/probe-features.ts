import { createHash } from 'node:crypto';
import { type EvalRecord, promptMessages } from '../task/dataset.js';
import type { Task } from '../task/task.js';
import type { ChatTokenizer } from '../train/chat-tokens.js';
import type { TrainingWorker } from '../train/worker-client.js';

/**
 * What a probe judge reads: the base model's hidden states while it reads the task's prompt for a
 * record with the judged output as its answer (the chat template the specialist is served with).
 * Per chosen layer, the mean over the answer's tokens and the last token's state, concatenated.
 * The answer alone is pooled: the prompt is the same for every item and would only dilute it.
 */
export interface ProbeReading {
  /** Hidden-state layers (0 = embeddings, negative from the end), as the worker takes them. */
  layers: number[];
  /** Longest prompt + answer in tokens; longer items are left out and counted. */
  maxLength: number;
}

export interface JudgedOutput {
  id: string;
  record: EvalRecord;
  output: string;
}

export interface ProbeFeatureResult {
  features: Map<string, number[]>;
  /** Items left out because prompt + answer exceed `maxLength`. */
  tooLong: string[];
  /** The layers as the worker resolved them. */
  layers: number[];
  dimensions: number;
}

export async function probeFeatures(options: {
  worker: TrainingWorker;
  tokenizer: ChatTokenizer;
  task: Task;
  outputs: JudgedOutput[];
  reading: ProbeReading;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<ProbeFeatureResult> {
  const { worker, tokenizer, task, reading } = options;
  const sequences: Array<{ id: string; tokens: number[]; answerStart: number }> = [];
  const tooLong: string[] = [];
  for (const { id, record, output } of options.outputs) {
    const example = tokenizer.tokenize(id, promptMessages(task, record), output, { endTurn: false });
    if (example.tokens.length > reading.maxLength) {
      tooLong.push(id);
      continue;
    }
    // An empty answer pools over the last prompt token rather than over nothing.
    sequences.push({
      id,
      tokens: example.tokens,
      answerStart: Math.min(example.promptTokens, example.tokens.length - 1),
    });
  }
  const features = new Map<string, number[]>();
  let resolved: number[] = [];
  const batch = options.batchSize ?? 16;
  for (let start = 0; start < sequences.length; start += batch) {
    const chunk = sequences.slice(start, start + batch);
    const reply = await worker.hiddenStates({
      sequences: chunk.map(({ tokens }) => ({ tokens })),
      layers: reading.layers,
      pool_from: chunk.map(({ answerStart }) => answerStart),
      adapter: false,
      batch_size: 8,
    });
    resolved = reply.layers;
    chunk.forEach(({ id }, index) => {
      const vector: number[] = [];
      for (const [layer, mean] of reply.pooled.mean[index]!.entries())
        vector.push(...mean, ...reply.pooled.last[index]![layer]!);
      features.set(id, vector);
    });
    options.onProgress?.(Math.min(start + batch, sequences.length), sequences.length);
  }
  const dimensions = features.values().next().value?.length ?? 0;
  return { features, tooLong, layers: resolved, dimensions };
}

/** A fingerprint of what was read, for the judge's lineage: the same items and outputs give the same one. */
export function readingFingerprint(outputs: JudgedOutput[], reading: ProbeReading): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(reading));
  for (const { id, output } of outputs) hash.update(`${id}\u0000${output}\u0000`);
  return hash.digest('hex').slice(0, 16);
}
