/** A small seeded PRNG (mulberry32) with sampling helpers: same seed, same draws. Used for bootstrap resampling, seeded splits and the example generators. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `count` distinct items in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    const chosen: T[] = [];
    while (chosen.length < count && pool.length > 0)
      chosen.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]!);
    return chosen;
  }

  shuffle<T>(items: readonly T[]): T[] {
    return this.sample(items, items.length);
  }

  /**
   * The items in random order by Fisher–Yates, swapping from the last item down. For the same seed the
   * order differs from `shuffle`'s: judge splits and samples were drawn with this one and training
   * batches with `shuffle`, and each keeps its own draws so stored results reproduce.
   */
  permutation<T>(items: readonly T[]): T[] {
    const order = [...items];
    for (let index = order.length - 1; index > 0; index--) {
      const other = Math.floor(this.next() * (index + 1));
      [order[index], order[other]] = [order[other]!, order[index]!];
    }
    return order;
  }

  /** A child generator, so adding draws in one part of the generator does not shift another part. */
  fork(label: string): Random {
    let hash = this.#state;
    for (const character of label) hash = Math.imul(hash ^ character.charCodeAt(0), 0x01000193) >>> 0;
    return new Random(hash);
  }
}
