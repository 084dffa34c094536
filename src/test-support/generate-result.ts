import type { GenerateResult } from '../core/chat-model.js';

/** A complete single-sample `GenerateResult` for tests of code that consumes results. */
export function generateResult(
  text: string,
  options: { model?: string; inputTokens?: number; outputTokens?: number; costUsd?: number | null } = {},
): GenerateResult {
  const outputTokens = options.outputTokens ?? 20;
  return {
    model: options.model ?? 'openai:test-model',
    text,
    finishReason: 'stop',
    samples: [{ text, finishReason: 'stop', outputTokens }],
    usage: { inputTokens: options.inputTokens ?? 1000, outputTokens },
    latencyMs: 5,
    costUsd: options.costUsd ?? null,
    cached: false,
    warnings: [],
  };
}
