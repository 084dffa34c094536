/**
 * bench/dedup: near-duplicate search with Tailor (src/data/dedup.ts) against datasketch's MinHash and
 * MinHashLSH on the same machine, in one run: the same texts, threshold, number of permutations,
 * shingles (5 words) and LSH banding weights, so both sides choose the same bands x rows. Reported:
 * records per second end to end (normalising, exact duplicates, shingling, MinHash, the LSH index,
 * its queries, verifying candidates by estimated Jaccard, clusters; process start-up and imports
 * excluded, the peer times itself), and recall and precision on a corpus with planted duplicates.
 * Target: >= 1x datasketch's records/s at equal recall.
 *
 * The corpus (seeded): the reference task's 1,800 clinical notes; near copies of 1,000 of them with 1
 * to 3 words substituted, deleted or inserted; far copies of 800 others with 8 to 15 such edits; in a
 * shuffled order. The truth is the exact Jaccard similarity of the two texts' shingle sets (as
 * strings, no hashing): recall is over the planted (note, near copy) pairs whose exact similarity is
 * at least the threshold, precision over every pair a side reports.
 *
 * Needs datasketch in the worker's venv: `make bench` installs bench/dedup/requirements.txt.
 * Usage: node --import tsx bench/dedup/run.ts [--repeats 3] [--threshold 0.8] [--permutations 128]
 *   [--false-positive-weights 0.1,0.5]   (Tailor's default, then datasketch's)
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Random } from '../../src/common/random.js';
import { type DedupItem, findDuplicates, lshParameters, normaliseText } from '../../src/data/dedup.js';
import { runPythonPeer } from '../worker-weights.js';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    threshold: { type: 'string', default: '0.8' },
    permutations: { type: 'string', default: '128' },
    'false-positive-weights': { type: 'string', default: '0.1,0.5' },
    seed: { type: 'string', default: '7' },
  },
});
const repeats = Number(values.repeats);
const threshold = Number(values.threshold);
const numPermutations = Number(values.permutations);
const falsePositiveWeights = values['false-positive-weights'].split(',').map(Number);
const shingleSize = 5;
const characterShingleSize = 5;
const minHashSeed = 1;
const workDirectory = mkdtempSync(join(tmpdir(), 'tailor-bench-dedup-'));

// ---- the corpus ----
const random = new Random(Number(values.seed));
const dataFolder = join(import.meta.dirname, '..', '..', 'examples', 'clinical-notes', 'data');
const notes = readdirSync(dataFolder)
  .filter((name) => name.endsWith('.jsonl'))
  .sort()
  .flatMap((name) =>
    readFileSync(join(dataFolder, name), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => (JSON.parse(line) as { input: { note: string } }).input.note),
  );
const vocabulary = [...new Set(notes.flatMap((note) => note.split(/\s+/)).filter((word) => word !== ''))];

/** `count` edits of whitespace-separated words: each one substitutes, deletes or inserts a word. */
function edit(text: string, count: number): string {
  const parts = text.split(/(\s+)/);
  for (let done = 0; done < count; done++) {
    const wordPositions = parts.flatMap((part, index) => (part.trim() === '' ? [] : [index]));
    const at = random.pick(wordPositions);
    const choice = random.next();
    let replacement = random.pick(vocabulary);
    while (normaliseText(replacement) === normaliseText(parts[at]!)) replacement = random.pick(vocabulary);
    if (choice < 0.6) parts[at] = replacement;
    else if (choice < 0.8) parts.splice(at, 2);
    else parts.splice(at, 0, replacement, ' ');
  }
  return parts.join('');
}

interface Planted {
  original: number;
  copy: number;
}
const texts: string[] = [...notes];
const nearPlanted: Planted[] = [];
const farPlanted: Planted[] = [];
const chosen = random.sample(
  notes.map((_, index) => index),
  1800,
);
for (const original of chosen.slice(0, 1000)) {
  nearPlanted.push({ original, copy: texts.length });
  texts.push(edit(notes[original]!, random.integer(1, 3)));
}
for (const original of chosen.slice(1000, 1800)) {
  farPlanted.push({ original, copy: texts.length });
  texts.push(edit(notes[original]!, random.integer(8, 15)));
}
// Shuffle so that copies do not sit beside their notes; `position[i]` is text i's place.
const order = random.shuffle(texts.map((_, index) => index));
const position = new Int32Array(texts.length);
order.forEach((text, place) => {
  position[text] = place;
});
const corpus = order.map((text) => texts[text]!);
const items: DedupItem[] = corpus.map((text, index) => ({ id: String(index), text }));

// ---- the truth: exact Jaccard of shingle sets, as strings ----
function shingleSet(text: string): Set<string> {
  const words = normaliseText(text).split(' ');
  if (words.length >= shingleSize) {
    const shingles = new Set<string>();
    for (let start = 0; start + shingleSize <= words.length; start++)
      shingles.add(words.slice(start, start + shingleSize).join(' '));
    return shingles;
  }
  const normalised = words.join(' ');
  if (normalised.length <= characterShingleSize) return new Set([normalised]);
  const shingles = new Set<string>();
  for (let start = 0; start + characterShingleSize <= normalised.length; start++)
    shingles.add(normalised.slice(start, start + characterShingleSize));
  return shingles;
}
const shingleSets = corpus.map(shingleSet);
function jaccard(first: number, second: number): number {
  const a = shingleSets[first]!;
  const b = shingleSets[second]!;
  let shared = 0;
  for (const shingle of a) if (b.has(shingle)) shared++;
  return shared / (a.size + b.size - shared);
}
const pairKey = (first: number, second: number) =>
  first < second ? `${first}/${second}` : `${second}/${first}`;
const planted = (pairs: Planted[]) =>
  pairs.map(({ original, copy }) => [position[original]!, position[copy]!]);
const positives = planted(nearPlanted).filter(([a, b]) => jaccard(a!, b!) >= threshold);
const clearPositives = positives.filter(([a, b]) => jaccard(a!, b!) >= 0.9);
const farBelow = planted(farPlanted).filter(([a, b]) => jaccard(a!, b!) < threshold).length;
const totalShingles = shingleSets.reduce((sum, set) => sum + set.size, 0);

interface Quality {
  reported: number;
  recall: number;
  clearRecall: number;
  precision: number;
  /** The lowest exact similarity among the pairs reported: how far below the threshold the misses go. */
  lowest: number;
}
function quality(pairs: [number, number][]): Quality {
  const found = new Set(pairs.map(([a, b]) => pairKey(a, b)));
  const hits = (list: number[][]) => list.filter(([a, b]) => found.has(pairKey(a!, b!))).length;
  const similarities = pairs.map(([a, b]) => jaccard(a, b));
  const correct = similarities.filter((similarity) => similarity >= threshold).length;
  return {
    reported: pairs.length,
    recall: hits(positives) / positives.length,
    clearRecall: hits(clearPositives) / clearPositives.length,
    precision: pairs.length === 0 ? 1 : correct / pairs.length,
    lowest: Math.min(...similarities),
  };
}

const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

// ---- both sides, per banding weight ----
interface PeerResult {
  seconds: number[];
  pairs: [number, number, number][];
  bands: number;
  rows: number;
  shingles: number;
  kept: number;
  cpuSeconds: number[];
}
interface Row {
  weight: number;
  bands: number;
  rows: number;
  tailorSeconds: number[];
  tailorCpuSeconds: number[];
  tailorQuality: Quality;
  tailorKept: number;
  peer: PeerResult;
  peerQuality: Quality;
}
const rows: Row[] = [];
for (const weight of falsePositiveWeights) {
  const options = {
    threshold,
    numPermutations,
    shingleSize,
    characterShingleSize,
    seed: minHashSeed,
    falsePositiveWeight: weight,
  };
  const dataPath = join(workDirectory, `data-${weight}.json`);
  writeFileSync(dataPath, JSON.stringify({ texts: corpus, settings: options, repeats }));
  const peer = runPythonPeer<PeerResult>(
    join(import.meta.dirname, 'datasketch_peer.py'),
    ['--data', dataPath],
    join(workDirectory, `peer-${weight}.json`),
  );
  if (peer.shingles !== totalShingles)
    throw new Error(`the peer shingles differently: ${peer.shingles} shingles against ${totalShingles}`);
  const tailorSeconds: number[] = [];
  const tailorCpuSeconds: number[] = [];
  let report: ReturnType<typeof findDuplicates> | undefined;
  for (let repeat = 0; repeat < repeats; repeat++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    report = findDuplicates(items, options);
    const cpu = process.cpuUsage(cpuStarted);
    tailorSeconds.push((performance.now() - started) / 1000);
    tailorCpuSeconds.push((cpu.user + cpu.system) / 1e6);
  }
  const tailorPairs = report!.pairs.map(
    (pair) => [Number(pair.first), Number(pair.second)] as [number, number],
  );
  const banding = lshParameters(threshold, numPermutations, weight);
  if (banding.bands !== peer.bands || banding.rows !== peer.rows)
    throw new Error(
      `banding differs: Tailor ${banding.bands}x${banding.rows}, peer ${peer.bands}x${peer.rows}`,
    );
  rows.push({
    weight,
    bands: banding.bands,
    rows: banding.rows,
    tailorSeconds,
    tailorCpuSeconds,
    tailorQuality: quality(tailorPairs),
    tailorKept: report!.kept.length,
    peer,
    peerQuality: quality(peer.pairs.map(([a, b]) => [a, b] as [number, number])),
  });
}

// ---- the report ----
const percent = (value: number) => `${(100 * value).toFixed(1)}%`;
const rate = (seconds: number) => corpus.length / seconds;
console.log(
  `\nbench/dedup · ${corpus.length} records (1,800 clinical notes, ${nearPlanted.length} near copies with 1-3 word edits, ${farPlanted.length} far copies with 8-15) · ${totalShingles} shingles of ${shingleSize} words · threshold ${threshold} · ${numPermutations} permutations · median of ${repeats} repeats · ${new Date().toISOString().slice(0, 10)}`,
);
console.log(
  `planted positives (near copies with exact Jaccard >= ${threshold}): ${positives.length} of ${nearPlanted.length}, ${clearPositives.length} of them >= 0.9; far copies below ${threshold}: ${farBelow} of ${farPlanted.length}\n`,
);
console.log(
  '| fp weight | bands x rows | Tailor records/s (CPU) | datasketch records/s (CPU) | speed (CPU) | recall Tailor / datasketch (at J >= 0.9) | precision Tailor / datasketch | pairs | kept |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const timings: string[] = [];
for (const row of rows) {
  const tailorRate = rate(median(row.tailorSeconds));
  const peerRate = rate(median(row.peer.seconds));
  const tailorCpuRate = rate(median(row.tailorCpuSeconds));
  const peerCpuRate = rate(median(row.peer.cpuSeconds));
  const { tailorQuality: tailor, peerQuality: peer } = row;
  console.log(
    `| ${row.weight} | ${row.bands} x ${row.rows} | ${tailorRate.toFixed(0)} (${tailorCpuRate.toFixed(0)}) | ${peerRate.toFixed(0)} (${peerCpuRate.toFixed(0)}) | **${(tailorRate / peerRate).toFixed(1)}x** (${(tailorCpuRate / peerCpuRate).toFixed(1)}x) | ${percent(tailor.recall)} / ${percent(peer.recall)} (${percent(tailor.clearRecall)} / ${percent(peer.clearRecall)}) | ${percent(tailor.precision)} / ${percent(peer.precision)} | ${tailor.reported} / ${peer.reported} | ${row.tailorKept} / ${row.peer.kept} |`,
  );
  const list = (values: number[]) => values.map((value) => value.toFixed(3)).join(', ');
  timings.push(
    `fp weight ${row.weight}: lowest exact similarity of a reported pair ${tailor.lowest.toFixed(3)} (Tailor), ${peer.lowest.toFixed(3)} (datasketch)`,
    `fp weight ${row.weight}: Tailor ${list(row.tailorSeconds)} s (CPU ${list(row.tailorCpuSeconds)}); datasketch ${list(row.peer.seconds)} s (CPU ${list(row.peer.cpuSeconds)})`,
  );
}
console.log(
  `\nEach repeat in order (Tailor's first of the first row includes V8's warm-up):\n${timings.join('\n')}`,
);
