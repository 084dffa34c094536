import type {
  BatchItem,
  CustomBatchingPrioritizationStrategy,
  LlamaContext,
  PrioritizedBatchItem,
} from 'node-llama-cpp';

/**
 * Batches in ascending sequence order. node-llama-cpp fills each decode batch in the order the
 * sequences queued their tokens, and that order drifts: sequences come back to the pool in the order
 * their calls finished, so the next call's samples start on them in a different order. With the
 * sequences of a batch out of order, llama.cpp (one KV stream per sequence) decoded about 1.6 times
 * slower on this machine: 8 sequences × 128 tokens took 9 s instead of 5.5 s on every other call.
 * Sorting each batch by sequence id removes that; the share of the batch each sequence gets is
 * node-llama-cpp's "maximum parallelism" rule (an equal share, the rest to the first in line).
 *
 * node-llama-cpp does not tell a strategy which sequence an item belongs to; the context's queue of
 * pending decodes (internal to 3.21.1, pinned) does, matched by the item's token array.
 */
export function sequenceOrderedBatches(
  getContext: () => LlamaContext | undefined,
): CustomBatchingPrioritizationStrategy {
  return ({ items, size }) => {
    const order = sequenceIds(getContext());
    return shareBatch(items, size).sort(
      (a, b) =>
        (order.get(a.item.tokens) ?? Number.MAX_SAFE_INTEGER) -
        (order.get(b.item.tokens) ?? Number.MAX_SAFE_INTEGER),
    );
  };
}

/** Splits `size` batch slots: each item up to an equal share, what is left to the items in order. */
export function shareBatch(items: readonly BatchItem[], size: number): PrioritizedBatchItem[] {
  let left = size;
  const share = Math.max(1, Math.floor(size / Math.max(1, items.length)));
  const shares = items.map((item) => {
    const processAmount = Math.min(item.tokens.length, share, left);
    left -= processAmount;
    return { item, processAmount };
  });
  for (const entry of shares) {
    if (left <= 0) break;
    const extra = Math.min(entry.item.tokens.length - entry.processAmount, left);
    entry.processAmount += extra;
    left -= extra;
  }
  return shares.filter((entry) => entry.processAmount > 0);
}

function sequenceIds(context: LlamaContext | undefined): Map<readonly number[], number> {
  const queued = (
    context as unknown as { _queuedDecodes?: Array<{ tokens: readonly number[]; sequenceId: number }> }
  )?._queuedDecodes;
  return new Map((queued ?? []).map((decode) => [decode.tokens, decode.sequenceId]));
}

/** Fails loudly at start-up when the internals the strategy reads are gone (a node-llama-cpp upgrade). */
export function checkBatchOrderInternals(context: LlamaContext): void {
  if (!Array.isArray((context as unknown as { _queuedDecodes?: unknown })._queuedDecodes)) {
    throw new Error(
      'node-llama-cpp internals changed: LlamaContext._queuedDecodes is missing; revisit llama-batch-order.ts',
    );
  }
}
