import { ConfigError } from '../core/errors.js';
import { loadLlamaModel } from '../models/llama-cpp.js';
import { resolveModelFile } from '../models/model-files.js';
import { parseModelReference } from '../models/provider-registry.js';
import type { WorkspaceStore } from '../store/workspace.js';
import type { EvalRecord } from '../task/dataset.js';
import type { Task } from '../task/task.js';
import { type ChatTokenizer, createChatTokenizer } from '../train/chat-tokens.js';
import { TrainingWorker } from '../train/worker-client.js';
import { judgeVersion } from './judge-versions.js';
import { probeFeatures } from './probe-features.js';
import { probability } from './probe-judge.js';
import type { TrainedJudgeConfig } from './train-judge.js';

/**
 * Trained judges (`tailor align train`) at grading time: the probe's base model reads the output as
 * the answer to the task's prompt for its input, and its head turns the hidden states into the
 * probability that the experts would pass it. One worker per base model, started on the first
 * output it is asked about and shared by every trained judge on that base; `close()` stops them.
 * A command that builds graders owns one of these and closes it when it is done grading.
 */
export interface TrainedJudges {
  /** The scorer of judge `name` (its latest version, or `version`): the probability of a pass. */
  scorerFor(name: string, version?: number): Promise<TrainedJudgeScorer>;
  close(): Promise<void>;
}

export type TrainedJudgeScorer = (input: Record<string, unknown>, output: string) => Promise<number>;

export function createTrainedJudges(options: {
  store: WorkspaceStore;
  task: Task;
  threads?: number;
}): TrainedJudges {
  const readers = new Map<string, Promise<{ worker: TrainingWorker; tokenizer: ChatTokenizer }>>();
  const readerFor = (base: string) => {
    let reader = readers.get(base);
    if (!reader) {
      reader = (async () => {
        const reference = parseModelReference(base.includes(':') ? base : `llama:${base}`);
        const basePath = await resolveModelFile(reference.model, { pull: true });
        const tokenizer = createChatTokenizer(
          await loadLlamaModel(basePath, { gpu: 'off', threads: options.threads ?? 0 }),
        );
        const worker = await TrainingWorker.start();
        await worker.create({
          base: { gguf: basePath },
          lora: { rank: 1, alpha: 1 },
          seed: 0,
          ...(options.threads ? { threads: options.threads } : {}),
        });
        return { worker, tokenizer };
      })();
      readers.set(base, reader);
    }
    return reader;
  };
  return {
    async scorerFor(name, version) {
      const stored = judgeVersion(options.store, name, version);
      if (!stored)
        throw new ConfigError(
          version === undefined
            ? `No trained judge "${name}" in this workspace`
            : `No version ${version} of judge "${name}"`,
          { hint: 'Train one with: tailor align train <name> (tailor align list shows them).' },
        );
      if (stored.config.type !== 'probe')
        throw new ConfigError(
          `${name} v${stored.version} is a rubric judge: use it as an llm-rubric grader, not a trained-judge one`,
        );
      const config: TrainedJudgeConfig = stored.config;
      // One output at a time through the worker: it runs one request at a time anyway.
      let queue: Promise<unknown> = Promise.resolve();
      return (input, output) => {
        const scored = queue.then(async () => {
          const { worker, tokenizer } = await readerFor(config.base);
          const record: EvalRecord = { id: 'judged', input, reference: undefined, output: undefined };
          const read = await probeFeatures({
            worker,
            tokenizer,
            task: options.task,
            outputs: [{ id: 'judged', record, output }],
            reading: config.reading,
          });
          const features = read.features.get('judged');
          if (!features)
            throw new ConfigError(
              `the output is longer than the ${config.reading.maxLength} tokens judge ${name} reads`,
            );
          return probability(config.head, features);
        });
        queue = scored.catch(() => undefined);
        return scored;
      };
    },
    async close() {
      const started = [...readers.values()];
      readers.clear();
      await Promise.all(
        started.map(async (reader) => {
          const { worker } = await reader.catch(() => ({ worker: undefined }));
          await worker?.close();
        }),
      );
    },
  };
}
