// promptfoo custom provider for bench/eval: the same GGUF through node-llama-cpp, written the way a
// promptfoo user would write it. One model and one context per process, shared by the generating
// provider and the grading (llm-rubric) provider.
//
// BENCH_SEQUENCES=1: one sequence, calls queue for it (the straightforward provider).
// BENCH_SEQUENCES=n: n parallel sequences in one context, batched by node-llama-cpp. node-llama-cpp
//   3.21.1 races when a context's sequences sample concurrently (see src/models/providers/
//   llama-sampling-fix.ts), so this variant borrows Tailor's fix: without it the outputs are garbage.
import { availableParallelism } from 'node:os';
import { getLlama, LlamaChatSession, LlamaLogLevel } from 'node-llama-cpp';

const modelPath = process.env.BENCH_MODEL_PATH;
const sequences = Number(process.env.BENCH_SEQUENCES ?? '1');
const threads = availableParallelism();

let shared;
function runtime() {
  shared ??= (async () => {
    const llama = await getLlama({
      gpu: false,
      maxThreads: threads,
      logLevel: LlamaLogLevel.error,
      build: 'never',
    });
    const model = await llama.loadModel({ modelPath });
    const context = await model.createContext({
      sequences,
      contextSize: 2048,
      threads,
      flashAttention: true,
    });
    if (sequences > 1) {
      const { serializeSampling } = await import(process.env.BENCH_SAMPLING_FIX);
      serializeSampling(context);
    }
    const free = Array.from({ length: sequences }, () => context.getSequence());
    const waiting = [];
    return {
      llama,
      acquire: () =>
        free.length > 0 ? Promise.resolve(free.pop()) : new Promise((resolve) => waiting.push(resolve)),
      release: (sequence) => (waiting.length > 0 ? waiting.shift()(sequence) : free.push(sequence)),
    };
  })();
  return shared;
}

// promptfoo hands over the rendered prompt: a JSON chat array for chat prompts, else plain text.
function messagesOf(prompt) {
  try {
    const parsed = JSON.parse(prompt);
    if (Array.isArray(parsed)) return parsed;
  } catch {}
  return [{ role: 'user', content: prompt }];
}

export default class LlamaProvider {
  constructor(options) {
    this.config = options?.config ?? {};
    this.providerId = options?.id ?? 'llama-bench';
  }

  id() {
    return this.providerId;
  }

  async callApi(prompt) {
    const { llama, acquire, release } = await runtime();
    const messages = messagesOf(prompt);
    const system = messages
      .filter((message) => message.role === 'system')
      .map((message) => message.content)
      .join('\n');
    const user = messages
      .filter((message) => message.role !== 'system')
      .map((message) => message.content)
      .join('\n\n');
    const grammar = this.config.jsonSchema
      ? await llama.createGrammarForJsonSchema(this.config.jsonSchema)
      : undefined;
    const sequence = await acquire();
    try {
      sequence.clearHistory?.();
      const session = new LlamaChatSession({
        contextSequence: sequence,
        ...(system ? { systemPrompt: system } : {}),
        autoDisposeSequence: false,
      });
      let tokens = 0;
      const output = await session.prompt(user, {
        temperature: 0,
        maxTokens: this.config.maxTokens ?? 256,
        ...(grammar ? { grammar } : {}),
        onToken: (chunk) => {
          tokens += chunk.length;
        },
      });
      session.dispose({ disposeSequence: false });
      return { output, tokenUsage: { completion: tokens } };
    } catch (error) {
      return { error: String(error?.message ?? error) };
    } finally {
      await sequence.clearHistory();
      release(sequence);
    }
  }
}
