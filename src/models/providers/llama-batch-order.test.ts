import type { BatchItem, LlamaContext, Token } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { checkBatchOrderInternals, sequenceOrderedBatches, shareBatch } from './llama-batch-order.js';

const item = (length: number): BatchItem => ({
  tokens: Array.from({ length }, (_, index) => index as Token),
  logits: Array.from({ length }, () => undefined),
  evaluationPriority: 5,
});

describe('batch order', () => {
  it('gives every item an equal share of the batch and the rest to the first in line', () => {
    const items = [item(1), item(300), item(1), item(300)];
    expect(shareBatch(items, 512).map((entry) => entry.processAmount)).toEqual([1, 300, 1, 210]);
    // More items than slots: the first `size` items get one token each, the rest wait.
    expect(shareBatch([item(1), item(1), item(1)], 2).map((entry) => entry.item)).toEqual([
      expect.anything(),
      expect.anything(),
    ]);
  });

  it('orders the batch by sequence id, whatever order the sequences queued in', () => {
    const items = [item(1), item(1), item(2)];
    const context = {
      _queuedDecodes: [
        { tokens: items[0]!.tokens, sequenceId: 7 },
        { tokens: items[1]!.tokens, sequenceId: 2 },
        { tokens: items[2]!.tokens, sequenceId: 4 },
      ],
    } as unknown as LlamaContext;
    const batch = sequenceOrderedBatches(() => context)({ items, size: 16 });
    expect(batch.map((entry) => items.indexOf(entry.item))).toEqual([1, 2, 0]);
    expect(batch.map((entry) => entry.processAmount)).toEqual([1, 2, 1]);
  });

  it('fails loudly when node-llama-cpp no longer has the queue it reads', () => {
    expect(() => checkBatchOrderInternals({} as LlamaContext)).toThrow(/llama-batch-order/);
  });
});
