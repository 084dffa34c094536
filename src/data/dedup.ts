/**
 * Exact and near-duplicate detection within one dataset of texts (issue 18's data stage).
 *
 * Exact duplicates: two texts whose normalised forms are equal (see `normaliseText`). Each text's
 * normalised form is fingerprinted with two independent 32-bit hashes (53 bits kept) while it is
 * scanned, so no normalised string is built per record; a fingerprint hit is confirmed by comparing
 * the two normalised strings, so a hash collision can never merge two different texts.
 *
 * Near duplicates: MinHash signatures over the set of word shingles (`shingleSize` consecutive words,
 * default 5) with `numPermutations` (default 128) seeded hash functions, an LSH index of `bands` x
 * `rows` slices of the signature (chosen from the threshold as datasketch's MinHashLSH chooses them,
 * see `lshParameters`), and every candidate pair that shares a band verified by its estimated Jaccard
 * similarity (the fraction of equal signature positions) >= `threshold`. Only one text of each exact
 * group goes into the index. Texts with fewer words than `shingleSize` are shingled by characters
 * instead (`characterShingleSize` consecutive characters of the normalised text, default 5; the whole
 * text when shorter), so a short record still has a signature; a short and a long text therefore
 * never come out as near duplicates. A text with no letter or digit at all has no shingles: it can
 * only be an exact duplicate (of the other such texts).
 *
 * Clusters are the connected components of all pairs (union-find); the first record of a cluster in
 * input order is kept and the others are dropped, each pointing at that kept record. Everything is
 * deterministic for a given seed and input order.
 *
 * One pass in input order: each record is signed, checked against the records before it and then
 * indexed. Speed: word and shingle hashes, signatures and band links live in typed arrays (the scratch
 * ones reused from record to record), with 32-bit integer arithmetic; the loops over characters,
 * shingles and permutations allocate nothing. Memory: `numPermutations` x 4 bytes per distinct text
 * (512 bytes at 128), plus the band tables.
 */
import { Random } from '../common/random.js';
import { ConfigError, TailorError } from '../core/errors.js';

export interface DedupItem {
  id: string;
  text: string;
}

export interface DedupOptions {
  /** Estimated Jaccard similarity at or above which two texts are near duplicates. Default 0.8. */
  threshold?: number;
  /** MinHash signature length. Default 128. */
  numPermutations?: number;
  /** Words per shingle. Default 5. */
  shingleSize?: number;
  /** Characters per shingle for texts with fewer than `shingleSize` words. Default 5. */
  characterShingleSize?: number;
  /** Seeds the permutations: the same seed gives the same signatures and results. Default 1. */
  seed?: number;
  /** Override the LSH banding (both or neither); by default chosen from `threshold`. */
  bands?: number;
  rows?: number;
  /**
   * Weight of false positives in choosing the banding; false negatives get 1 minus it. Default 0.1,
   * where datasketch defaults to 0.5: here an LSH false positive only costs one verification (a
   * comparison of two signatures), while a false negative is a duplicate that stays in the data. At
   * threshold 0.8 and 128 permutations, 0.1 gives 14 bands of 9 rows, which make a candidate of 96%
   * of the pairs at similarity 0.84 where 0.5's 9 x 13 make 60%.
   */
  falsePositiveWeight?: number;
  /** Look for near duplicates too (default), or only exact ones. */
  near?: boolean;
  /** Called every 1,024 records and once at the end. */
  onProgress?: (done: number, total: number) => void;
}

export type DuplicateKind = 'exact' | 'near';

/** One verified pair; `first` comes before `second` in the input. */
export interface DuplicatePair {
  first: string;
  second: string;
  kind: DuplicateKind;
  /** 1 for exact pairs, the estimated Jaccard similarity for near ones. */
  similarity: number;
}

export interface DroppedItem {
  id: string;
  /** The kept record of its cluster (the cluster's first record in input order). */
  duplicateOf: string;
  /** `exact` when its normalised text equals that kept record's. */
  kind: DuplicateKind;
  /**
   * Estimated Jaccard similarity to `duplicateOf` (1 for exact). It can be below the threshold when
   * the record joined the cluster through another member (A ~ B ~ C without A ~ C).
   */
  similarity: number;
}

export interface DuplicateReport {
  /** Clusters of two or more records, ids in input order, ordered by their first record. */
  clusters: string[][];
  pairs: DuplicatePair[];
  /** Ids of the records kept, in input order. */
  kept: string[];
  dropped: DroppedItem[];
  /** The banding used (0 and 0 when `near` is off). */
  bands: number;
  rows: number;
}

const defaults = {
  threshold: 0.8,
  numPermutations: 128,
  shingleSize: 5,
  characterShingleSize: 5,
  seed: 1,
  falsePositiveWeight: 0.1,
};

const progressEvery = 1024;

// ---------------------------------------------------------------------------------------------------
// Normalisation: lower case (`toLowerCase`, Unicode's default case mapping), then words are maximal
// runs of letters, digits and combining marks (\p{L}, \p{N}, \p{M}); everything else (whitespace,
// punctuation, symbols) separates words and is dropped. The normalised text is the words joined by
// one space. So "Take 2 tabs." and "take  2 TABS" are exact duplicates; so are "1.5 mg" and "1 5 mg".

const wordCharacter = /[\p{L}\p{N}\p{M}]/u;
const wordRun = /[\p{L}\p{N}\p{M}]+/gu;

/** The normalised text that exact duplicates share (see above). */
export function normaliseText(text: string): string {
  return text.toLowerCase().match(wordRun)?.join(' ') ?? '';
}

// Character classes by UTF-16 code unit, so the scan does no regex work per character: 1 = part of a
// word, 2 = separator, 0 = not classified yet (non-ASCII code units are classified on first sight).
const characterClass = new Uint8Array(65536);
for (let code = 0; code < 128; code++) {
  characterClass[code] = wordCharacter.test(String.fromCharCode(code)) ? 1 : 2;
}
function isWordCodeUnit(code: number): boolean {
  let kind = characterClass[code]!;
  if (kind === 0) {
    kind = wordCharacter.test(String.fromCharCode(code)) ? 1 : 2;
    characterClass[code] = kind;
  }
  return kind === 1;
}
function isSurrogateLead(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

// ---------------------------------------------------------------------------------------------------
// 32-bit hashing. `Math.imul` keeps products in 32 bits and `>>> 0` reads them unsigned, so no value
// ever leaves the exact-integer range of a double.

/** MurmurHash3's finaliser: a bijection on 32 bits that spreads every input bit over the output. */
function mix32(value: number): number {
  let hash = value >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;
// The second fingerprint lane: a different offset and an odd multiplier unrelated to FNV's, so the
// two lanes do not collide together.
const laneOffset = 0x9e3779b9;
const laneMultiplier = 0x2c1b3c6d;

/** Reused across records so the scan allocates nothing; grown when a text has more words. */
let wordHashes: Uint32Array = new Uint32Array(1024);
let shingleHashes: Uint32Array = new Uint32Array(1024);

interface Scan {
  words: number;
  fingerprint: number;
}

/**
 * One pass over a text: the 32-bit hash of each word into `wordHashes`, and the fingerprint of its
 * normalised form (the characters of each word and one space between words, as `normaliseText`
 * writes it) in two hash lanes.
 */
function scanText(text: string, scan: Scan): void {
  const lower = text.toLowerCase();
  const length = lower.length;
  let words = 0;
  let laneA = fnvOffset;
  let laneB = laneOffset;
  let wordHash = fnvOffset;
  let inWord = false;
  for (let position = 0; position < length; position++) {
    const code = lower.charCodeAt(position);
    let isWord: boolean;
    let units = 1;
    if (isSurrogateLead(code) && position + 1 < length) {
      // A character outside the BMP: classify the whole code point, keep both code units together.
      const codePoint = lower.codePointAt(position)!;
      isWord = wordCharacter.test(String.fromCodePoint(codePoint));
      units = codePoint > 0xffff ? 2 : 1;
    } else {
      isWord = code < 128 ? characterClass[code] === 1 : isWordCodeUnit(code);
    }
    if (isWord) {
      if (!inWord) {
        if (words > 0) {
          laneA = Math.imul(laneA ^ 32, fnvPrime);
          laneB = Math.imul(laneB ^ 32, laneMultiplier) ^ (laneB >>> 15);
        }
        inWord = true;
        wordHash = fnvOffset;
      }
      for (let unit = 0; unit < units; unit++) {
        const part = lower.charCodeAt(position + unit);
        wordHash = Math.imul(wordHash ^ part, fnvPrime);
        laneA = Math.imul(laneA ^ part, fnvPrime);
        laneB = Math.imul(laneB ^ part, laneMultiplier) ^ (laneB >>> 15);
      }
      position += units - 1;
    } else if (inWord) {
      if (words === wordHashes.length) wordHashes = grow(wordHashes);
      wordHashes[words++] = mix32(wordHash);
      inWord = false;
    }
  }
  if (inWord) {
    if (words === wordHashes.length) wordHashes = grow(wordHashes);
    wordHashes[words++] = mix32(wordHash);
  }
  scan.words = words;
  // 32 bits of one lane and 21 of the other: the most a double holds exactly, and a Map key.
  scan.fingerprint = (laneA >>> 0) * 2097152 + ((mix32(laneB) ^ words) & 0x1fffff);
}

function grow(array: Uint32Array): Uint32Array {
  const larger = new Uint32Array(array.length * 2);
  larger.set(array);
  return larger;
}

/** The shingle hashes of the last scanned text into `shingleHashes`; returns how many. */
function wordShingles(words: number, shingleSize: number): number {
  const count = words - shingleSize + 1;
  while (shingleHashes.length < count) shingleHashes = grow(shingleHashes);
  for (let start = 0; start < count; start++) {
    let hash = shingleSize;
    for (let offset = 0; offset < shingleSize; offset++) {
      // Rotate before combining so the same words in another order hash differently.
      hash = Math.imul((hash << 13) | (hash >>> 19), 5) + 0xe6546b64;
      hash ^= wordHashes[start + offset]!;
    }
    shingleHashes[start] = mix32(hash);
  }
  return count;
}

/** Character shingles of a short text's normalised form (the whole form when it is shorter). */
function characterShingles(text: string, size: number): number {
  const normalised = normaliseText(text);
  const count = Math.max(1, normalised.length - size + 1);
  while (shingleHashes.length < count) shingleHashes = grow(shingleHashes);
  for (let start = 0; start < count; start++) {
    let hash = fnvOffset;
    const end = Math.min(normalised.length, start + size);
    for (let position = start; position < end; position++) {
      hash = Math.imul(hash ^ normalised.charCodeAt(position), fnvPrime);
    }
    shingleHashes[start] = mix32(hash);
  }
  return count;
}

// ---------------------------------------------------------------------------------------------------
// MinHash

/**
 * The permutations: h -> (a·h + b) mod 2^32 with `a` odd, a bijection on 32 bits (an odd `a` has an
 * inverse mod 2^32), applied to shingle hashes already spread by `mix32`. mod 2^32 is what `Math.imul`
 * and `>>> 0` compute natively, where a Mersenne-prime modulus would need 64-bit products.
 */
interface Permutations {
  multipliers: Uint32Array;
  offsets: Uint32Array;
}

function createPermutations(count: number, seed: number): Permutations {
  const random = new Random(seed);
  const multipliers = new Uint32Array(count);
  const offsets = new Uint32Array(count);
  for (let index = 0; index < count; index++) {
    multipliers[index] = (Math.floor(random.next() * 4294967296) | 1) >>> 0;
    offsets[index] = Math.floor(random.next() * 4294967296);
  }
  return { multipliers, offsets };
}

/**
 * Writes the signature of `count` shingle hashes at `signatures[at ...]`. Four permutations go
 * through the shingles together: each hash is loaded once for four products and the four minima stay
 * in registers, about 1.5x faster than one permutation at a time (measured in V8 on 80-shingle texts).
 */
function signShingles(
  hashes: Uint32Array,
  count: number,
  permutations: Permutations,
  signatures: Uint32Array,
  at: number,
): void {
  const { multipliers, offsets } = permutations;
  const length = multipliers.length;
  let index = 0;
  for (; index + 4 <= length; index += 4) {
    const multiplier0 = multipliers[index]!;
    const multiplier1 = multipliers[index + 1]!;
    const multiplier2 = multipliers[index + 2]!;
    const multiplier3 = multipliers[index + 3]!;
    const offset0 = offsets[index]!;
    const offset1 = offsets[index + 1]!;
    const offset2 = offsets[index + 2]!;
    const offset3 = offsets[index + 3]!;
    let minimum0 = 0xffffffff;
    let minimum1 = 0xffffffff;
    let minimum2 = 0xffffffff;
    let minimum3 = 0xffffffff;
    for (let shingle = 0; shingle < count; shingle++) {
      const hash = hashes[shingle]!;
      const value0 = (Math.imul(multiplier0, hash) + offset0) >>> 0;
      if (value0 < minimum0) minimum0 = value0;
      const value1 = (Math.imul(multiplier1, hash) + offset1) >>> 0;
      if (value1 < minimum1) minimum1 = value1;
      const value2 = (Math.imul(multiplier2, hash) + offset2) >>> 0;
      if (value2 < minimum2) minimum2 = value2;
      const value3 = (Math.imul(multiplier3, hash) + offset3) >>> 0;
      if (value3 < minimum3) minimum3 = value3;
    }
    signatures[at + index] = minimum0;
    signatures[at + index + 1] = minimum1;
    signatures[at + index + 2] = minimum2;
    signatures[at + index + 3] = minimum3;
  }
  for (; index < length; index++) {
    const multiplier = multipliers[index]!;
    const offset = offsets[index]!;
    let minimum = 0xffffffff;
    for (let shingle = 0; shingle < count; shingle++) {
      const value = (Math.imul(multiplier, hashes[shingle]!) + offset) >>> 0;
      if (value < minimum) minimum = value;
    }
    signatures[at + index] = minimum;
  }
}

/** Signature options as `findDuplicates` takes them. */
export type SignatureOptions = Pick<
  DedupOptions,
  'numPermutations' | 'shingleSize' | 'characterShingleSize' | 'seed'
>;

/**
 * The MinHash signature of one text, as `findDuplicates` computes it (for callers that keep
 * signatures, e.g. to compare a new dataset version with an old one). An empty `Uint32Array` when the
 * text has no letter or digit.
 */
export function minHashSignature(text: string, options: SignatureOptions = {}): Uint32Array {
  const settings = resolveOptions(options);
  const permutations = createPermutations(settings.numPermutations, settings.seed);
  const scan: Scan = { words: 0, fingerprint: 0 };
  scanText(text, scan);
  if (scan.words === 0) return new Uint32Array(0);
  const count =
    scan.words >= settings.shingleSize
      ? wordShingles(scan.words, settings.shingleSize)
      : characterShingles(text, settings.characterShingleSize);
  const signature = new Uint32Array(settings.numPermutations);
  signShingles(shingleHashes, count, permutations, signature, 0);
  return signature;
}

/** Estimated Jaccard similarity of two signatures: the fraction of positions where they agree. */
export function estimateSimilarity(first: Uint32Array, second: Uint32Array): number {
  if (first.length !== second.length || first.length === 0) return 0;
  let equal = 0;
  for (let index = 0; index < first.length; index++) if (first[index] === second[index]) equal++;
  return equal / first.length;
}

// ---------------------------------------------------------------------------------------------------
// LSH banding, chosen as datasketch's MinHashLSH chooses it: over every (bands, rows) with
// bands x rows <= numPermutations, minimise  w_fp · ∫₀ᵗ P(s) ds + w_fn · ∫ₜ¹ (1 − P(s)) ds,  where
// P(s) = 1 − (1 − s^rows)^bands is the chance that two sets of similarity s share at least one band:
// the first integral weighs pairs below the threshold that become candidates, the second pairs above
// it that do not. The integrals are computed here with Simpson's rule (the integrands are smooth
// polynomials) rather than datasketch's adaptive quadrature; ties keep the first in (bands, rows)
// order, as datasketch does. Checked against datasketch 2.0.0 over thresholds 0.05 to 0.95, 16 to 512
// permutations and weights 0.5 and 0.2: 64 intervals already choose as it does in all 190 cases; 128
// leave a margin and take tens of milliseconds at 128 permutations (once: the result is cached).
const simpsonIntervals = 128;

/** Simpson's rule for P(s) = 1 - (1 - s^rows)^bands over [from, to]. */
function integrateCandidateChance(bands: number, rows: number, from: number, to: number): number {
  const step = (to - from) / simpsonIntervals;
  let sum = 0;
  for (let index = 0; index <= simpsonIntervals; index++) {
    const s = from + index * step;
    const chance = 1 - (1 - s ** rows) ** bands;
    const weight = index === 0 || index === simpsonIntervals ? 1 : index % 2 === 1 ? 4 : 2;
    sum += weight * chance;
  }
  return (sum * step) / 3;
}

const parameterCache = new Map<string, { bands: number; rows: number }>();

export function lshParameters(
  threshold: number,
  numPermutations: number,
  falsePositiveWeight = defaults.falsePositiveWeight,
): { bands: number; rows: number } {
  const key = `${threshold}/${numPermutations}/${falsePositiveWeight}`;
  const cached = parameterCache.get(key);
  if (cached) return cached;
  const falseNegativeWeight = 1 - falsePositiveWeight;
  let best = { bands: 1, rows: 1 };
  let smallestError = Number.POSITIVE_INFINITY;
  for (let bands = 1; bands <= numPermutations; bands++) {
    const maximumRows = Math.floor(numPermutations / bands);
    for (let rows = 1; rows <= maximumRows; rows++) {
      const falsePositive = integrateCandidateChance(bands, rows, 0, threshold);
      const falseNegative = 1 - threshold - integrateCandidateChance(bands, rows, threshold, 1);
      const error = falsePositive * falsePositiveWeight + falseNegative * falseNegativeWeight;
      if (error < smallestError) {
        smallestError = error;
        best = { bands, rows };
      }
    }
  }
  parameterCache.set(key, best);
  return best;
}

// ---------------------------------------------------------------------------------------------------
// Options

interface ResolvedOptions {
  threshold: number;
  numPermutations: number;
  shingleSize: number;
  characterShingleSize: number;
  seed: number;
  falsePositiveWeight: number;
}

function resolveOptions(options: DedupOptions): ResolvedOptions {
  const settings = {
    threshold: options.threshold ?? defaults.threshold,
    numPermutations: options.numPermutations ?? defaults.numPermutations,
    shingleSize: options.shingleSize ?? defaults.shingleSize,
    characterShingleSize: options.characterShingleSize ?? defaults.characterShingleSize,
    seed: options.seed ?? defaults.seed,
    falsePositiveWeight: options.falsePositiveWeight ?? defaults.falsePositiveWeight,
  };
  if (!(settings.threshold > 0 && settings.threshold <= 1))
    throw new ConfigError(`dedup threshold must be in (0, 1], got ${settings.threshold}`);
  if (!Number.isInteger(settings.numPermutations) || settings.numPermutations < 2)
    throw new ConfigError(`numPermutations must be an integer >= 2, got ${settings.numPermutations}`);
  for (const name of ['shingleSize', 'characterShingleSize'] as const) {
    if (!Number.isInteger(settings[name]) || settings[name] < 1)
      throw new ConfigError(`${name} must be an integer >= 1, got ${settings[name]}`);
  }
  if (!(settings.falsePositiveWeight >= 0 && settings.falsePositiveWeight <= 1))
    throw new ConfigError(`falsePositiveWeight must be in [0, 1], got ${settings.falsePositiveWeight}`);
  return settings;
}

function resolveBanding(options: DedupOptions, settings: ResolvedOptions): { bands: number; rows: number } {
  if (options.bands === undefined && options.rows === undefined)
    return lshParameters(settings.threshold, settings.numPermutations, settings.falsePositiveWeight);
  const { bands, rows } = options;
  if (
    bands === undefined ||
    rows === undefined ||
    !Number.isInteger(bands) ||
    !Number.isInteger(rows) ||
    bands < 1 ||
    rows < 1 ||
    bands * rows > settings.numPermutations
  )
    throw new ConfigError(
      `bands and rows must be given together, as positive integers with bands × rows <= numPermutations (${settings.numPermutations})`,
    );
  return { bands, rows };
}

// ---------------------------------------------------------------------------------------------------
// The search

/** Band keys: a 32-bit hash of one band's rows, seeded by the band's number. */
function bandKey(signatures: Uint32Array, at: number, band: number, rows: number): number {
  let hash = mix32(band + 1);
  const start = at + band * rows;
  for (let row = 0; row < rows; row++) {
    hash = Math.imul(hash ^ signatures[start + row]!, fnvPrime) ^ (hash >>> 16);
  }
  // As an int32 the key stays a small integer, which a Map hashes fastest.
  return mix32(hash) | 0;
}

/**
 * The signatures of the texts indexed so far, one row (slot) each in one typed array, and the LSH
 * tables: per band, bucket key -> the newest slot in that bucket, with `nextInBucket` chaining the
 * older ones, so a bucket costs no array of its own.
 */
class NearIndex {
  #signatures: Uint32Array;
  #nextInBucket: Int32Array;
  readonly #buckets: Map<number, number>[];
  /** The slot last queried against each slot, so a pair sharing several bands is verified once. */
  readonly #lastQueried: Int32Array;
  readonly #minimumMatches: number;
  size = 0;

  constructor(
    capacity: number,
    readonly permutations: Permutations,
    readonly bands: number,
    readonly rows: number,
    threshold: number,
  ) {
    const initial = Math.max(1, Math.min(capacity, 1024));
    this.#signatures = new Uint32Array(initial * this.length);
    this.#nextInBucket = new Int32Array(initial * bands);
    this.#buckets = Array.from({ length: bands }, () => new Map<number, number>());
    this.#lastQueried = new Int32Array(Math.max(1, capacity)).fill(-1);
    this.#minimumMatches = Math.ceil(threshold * this.length - 1e-9);
  }

  get length(): number {
    return this.permutations.multipliers.length;
  }

  /**
   * Signs `count` shingle hashes into a new slot, calls `onMatch` for every earlier slot sharing a
   * band whose estimated similarity reaches the threshold, then indexes the new slot.
   */
  add(hashes: Uint32Array, count: number, onMatch: (other: number, similarity: number) => void): number {
    const slot = this.size++;
    const length = this.length;
    if ((slot + 1) * length > this.#signatures.length) {
      const slots = Math.min(this.#lastQueried.length, slot * 2 + 1);
      this.#signatures = growTo(this.#signatures, slots * length);
      this.#nextInBucket = growTo(this.#nextInBucket, slots * this.bands);
    }
    const signatures = this.#signatures;
    const at = slot * length;
    signShingles(hashes, count, this.permutations, signatures, at);
    const allowedMismatches = length - this.#minimumMatches;
    for (let band = 0; band < this.bands; band++) {
      const key = bandKey(signatures, at, band, this.rows);
      const table = this.#buckets[band]!;
      let other = table.get(key) ?? -1;
      this.#nextInBucket[slot * this.bands + band] = other;
      table.set(key, slot);
      while (other >= 0) {
        if (this.#lastQueried[other] !== slot) {
          this.#lastQueried[other] = slot;
          const matches = countMatches(signatures, other * length, at, length, allowedMismatches);
          if (matches >= this.#minimumMatches) onMatch(other, matches / length);
        }
        other = this.#nextInBucket[other * this.bands + band]!;
      }
    }
    return slot;
  }

  similarity(first: number, second: number): number {
    const length = this.length;
    return countMatches(this.#signatures, first * length, second * length, length, length) / length;
  }
}

/** Union-find whose root is always the smallest index, so a cluster's root is its first record. */
class Clusters {
  readonly #parent: Int32Array;

  constructor(size: number) {
    this.#parent = new Int32Array(size);
    for (let index = 0; index < size; index++) this.#parent[index] = index;
  }

  root(index: number): number {
    const parent = this.#parent;
    let node = index;
    while (parent[node] !== node) {
      parent[node] = parent[parent[node]!]!;
      node = parent[node]!;
    }
    return node;
  }

  join(first: number, second: number): void {
    const a = this.root(first);
    const b = this.root(second);
    if (a < b) this.#parent[b] = a;
    else if (b < a) this.#parent[a] = b;
  }
}

/**
 * Exact groups by the fingerprint of the last scanned text. A fingerprint hit is confirmed on the
 * normalised texts; different texts under one fingerprint (a collision) each keep their own group.
 */
class ExactIndex {
  readonly #first = new Map<number, number>();
  readonly #collided = new Map<number, number[]>();

  constructor(readonly items: readonly DedupItem[]) {}

  /** The first record with the same normalised text as record `index`, or -1 (and `index` is noted). */
  match(index: number, fingerprint: number): number {
    const first = this.#first.get(fingerprint);
    if (first === undefined) {
      this.#first.set(fingerprint, index);
      return -1;
    }
    const normalised = normaliseText(this.items[index]!.text);
    if (normaliseText(this.items[first]!.text) === normalised) return first;
    const others = this.#collided.get(fingerprint) ?? [];
    for (const other of others) if (normaliseText(this.items[other]!.text) === normalised) return other;
    others.push(index);
    this.#collided.set(fingerprint, others);
    return -1;
  }
}

function checkIds(items: readonly DedupItem[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id))
      throw new TailorError('dataset-duplicate-id', `record id ${JSON.stringify(item.id)} appears twice`, {
        hint: 'Give every record its own id before looking for duplicates.',
      });
    seen.add(item.id);
  }
}

export function findDuplicates(items: readonly DedupItem[], options: DedupOptions = {}): DuplicateReport {
  const settings = resolveOptions(options);
  const near = options.near ?? true;
  const { bands, rows } = near ? resolveBanding(options, settings) : { bands: 0, rows: 0 };
  checkIds(items);
  const total = items.length;
  const permutations = createPermutations(settings.numPermutations, settings.seed);
  const index = new NearIndex(total, permutations, bands, rows, settings.threshold);
  const exactIndex = new ExactIndex(items);
  const clusters = new Clusters(total);
  // Each record's exact group (the group's first record), and the slot of each group's first record
  // in the near index (-1 when it has none: near search off, or a text without words).
  const exactGroup = new Int32Array(total);
  const slotOf = new Int32Array(total).fill(-1);
  const recordOfSlot: number[] = [];
  const pairs: DuplicatePair[] = [];
  const scan: Scan = { words: 0, fingerprint: 0 };

  for (let record = 0; record < total; record++) {
    const { id, text } = items[record]!;
    scanText(text, scan);
    const original = exactIndex.match(record, scan.fingerprint);
    if (original >= 0) {
      exactGroup[record] = exactGroup[original]!;
      clusters.join(original, record);
      pairs.push({ first: items[original]!.id, second: id, kind: 'exact', similarity: 1 });
    } else {
      exactGroup[record] = record;
      if (near && scan.words > 0) {
        const count =
          scan.words >= settings.shingleSize
            ? wordShingles(scan.words, settings.shingleSize)
            : characterShingles(text, settings.characterShingleSize);
        slotOf[record] = index.add(shingleHashes, count, (slot, similarity) => {
          const other = recordOfSlot[slot]!;
          clusters.join(other, record);
          pairs.push({ first: items[other]!.id, second: id, kind: 'near', similarity });
        });
        recordOfSlot.push(record);
      }
    }
    if (options.onProgress && ((record + 1) % progressEvery === 0 || record + 1 === total))
      options.onProgress(record + 1, total);
  }

  // ---- bookkeeping: clusters, kept and dropped, all in input order ----
  const kept: string[] = [];
  const dropped: DroppedItem[] = [];
  const members = new Map<number, string[]>();
  for (let record = 0; record < total; record++) {
    const root = clusters.root(record);
    const id = items[record]!.id;
    if (root === record) {
      kept.push(id);
      continue;
    }
    const cluster = members.get(root) ?? [items[root]!.id];
    cluster.push(id);
    members.set(root, cluster);
    const exact = exactGroup[record] === exactGroup[root];
    const slot = slotOf[exactGroup[record]!]!;
    const rootSlot = slotOf[exactGroup[root]!]!;
    dropped.push({
      id,
      duplicateOf: items[root]!.id,
      kind: exact ? 'exact' : 'near',
      similarity: exact ? 1 : slot >= 0 && rootSlot >= 0 ? index.similarity(slot, rootSlot) : 0,
    });
  }
  return {
    clusters: [...members.entries()].sort((a, b) => a[0] - b[0]).map(([, ids]) => ids),
    pairs,
    kept,
    dropped,
    bands,
    rows,
  };
}

/**
 * Equal positions of two signatures, giving up (returning what it has, below the minimum) once more
 * than `allowedMismatches` differ: most candidates are rejected after a few dozen positions.
 */
function countMatches(
  signatures: Uint32Array,
  first: number,
  second: number,
  length: number,
  allowedMismatches: number,
): number {
  let mismatches = 0;
  for (let index = 0; index < length; index++) {
    if (signatures[first + index] !== signatures[second + index] && ++mismatches > allowedMismatches)
      return index + 1 - mismatches;
  }
  return length - mismatches;
}

function growTo<T extends Uint32Array | Int32Array>(array: T, length: number): T {
  if (length <= array.length) return array;
  const larger = new (array.constructor as new (length: number) => T)(length);
  larger.set(array);
  return larger;
}
