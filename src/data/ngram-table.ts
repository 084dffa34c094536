/**
 * A hash table from n-gram hashes (whole numbers below 2^53) to small whole numbers, kept in typed
 * arrays. A `Map` keyed by numbers that large boxes every key and measured about five times slower
 * on the lookups decontamination makes by the million; open addressing over two arrays holds no
 * per-entry objects at all.
 */
export class NgramTable {
  #keys: Float64Array;
  #values: Int32Array;
  #size = 0;

  constructor(capacity = 1024) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.#keys = new Float64Array(slots);
    this.#values = new Int32Array(slots);
  }

  get size(): number {
    return this.#size;
  }

  get(hash: number): number | undefined {
    const slot = this.#find(key(hash));
    return this.#keys[slot] === 0 ? undefined : this.#values[slot];
  }

  /** `value` must fit in 32 signed bits. */
  set(hash: number, value: number): void {
    const stored = key(hash);
    let slot = this.#find(stored);
    if (this.#keys[slot] === 0) {
      // Half full at most, so that a probe sequence stays a few slots long.
      if ((this.#size + 1) * 2 > this.#keys.length) {
        this.#grow();
        slot = this.#find(stored);
      }
      this.#keys[slot] = stored;
      this.#size++;
    }
    this.#values[slot] = value;
  }

  forEach(visit: (hash: number, value: number) => void): void {
    const keys = this.#keys;
    for (let slot = 0; slot < keys.length; slot++)
      if (keys[slot] !== 0) visit(keys[slot]!, this.#values[slot]!);
  }

  /** The slot holding `stored`, or the empty slot where it would go (linear probing). */
  #find(stored: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    // The low 32 bits of a hash are as well mixed as the rest (see record-ngrams.ts).
    let slot = (stored >>> 0) & mask;
    while (keys[slot] !== 0 && keys[slot] !== stored) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Float64Array(keys.length * 2);
    this.#values = new Int32Array(keys.length * 2);
    for (let slot = 0; slot < keys.length; slot++) {
      if (keys[slot] === 0) continue;
      const target = this.#find(keys[slot]!);
      this.#keys[target] = keys[slot]!;
      this.#values[target] = values[slot]!;
    }
  }
}

/** 0 marks an empty slot, so the one hash that is 0 is stored as 1 (a collision of one in 2^53). */
const key = (hash: number) => (hash === 0 ? 1 : hash);
