import type { LlamaContext } from 'node-llama-cpp';

/**
 * Work around a race in node-llama-cpp 3.21.1 + its bundled llama.cpp: after a batched decode, the
 * sequences of one context sample their next tokens concurrently on libuv worker threads, and
 * llama.cpp's logits lookup is not safe to call concurrently on one context (it may reorder the
 * output buffer in place). With several sequences in flight, tokens and probabilities ended up
 * assigned to the wrong sequence: parallel outputs diverged from sequential ones and degraded into
 * word salad within ~10 tokens. Sampling one sequence at a time costs little (decoding dominates)
 * and makes parallel output identical to sequential output; `llama.model.test.ts` checks that.
 *
 * The native context object is frozen, so the fix swaps the context's handle for a proxy whose
 * `sampleToken` goes through a per-context queue. Remove when the upstream fix lands.
 */
export function serializeSampling(context: LlamaContext): void {
  const holder = context as unknown as {
    _ctx: object & { sampleToken: (...args: unknown[]) => Promise<unknown> };
  };
  const native = holder._ctx;
  if (!native || typeof native.sampleToken !== 'function') {
    throw new Error(
      'node-llama-cpp internals changed: LlamaContext._ctx.sampleToken is missing; revisit llama-sampling-fix.ts',
    );
  }
  let queue: Promise<unknown> = Promise.resolve();
  const sampleToken = (...args: unknown[]) => {
    const result = queue.then(() => native.sampleToken(...args));
    queue = result.catch(() => undefined);
    return result;
  };
  holder._ctx = new Proxy(native, {
    get(target, property) {
      if (property === 'sampleToken') return sampleToken;
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
